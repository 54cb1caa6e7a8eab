//! Administration of a tenant's schema extensions (RFC 7643 §7 documents
//! extending User or Group; the CLI's `schema add|list|show|remove`, the
//! admin API's `/tenants/{t}/schemas`; `docs/custom-attributes.md`).
//!
//! - Adding checks the document ([`scim_core::schema::check_extension`]),
//!   gives each indexed or unique attribute its code in the lookup index
//!   (`scim_store::index`), and is refused for a required extension while
//!   resources of the type exist (none carries it yet).
//! - Removing is refused while resources carry values, naming how many and
//!   one; with `drop_values` their values are removed first, each resource
//!   through the ordinary write path with its audit entry and event.
//! - Every change is audited with the change, in its transaction, and
//!   moves the tenant's schema version (`tenant_schemas`).

use crate::journal::{change, Change, Entry};
use crate::resource::Modify;
use crate::tenant::{TenantAdmin, TenantReader};
use scim_core::filter::{lower, Filter};
use scim_core::schema::{check_extension, wants_index, Uniqueness, MAX_DOCUMENT_BYTES};
use scim_core::{ScimError, ScimResult};
use scim_store::index::{CODE_MAX, EXT_BASE, ROLES_CODE, UNIQUE_BASE};
use scim_store::{
    ExtensionDefinition, ExtensionRecord, Load, PageRequest, Query, ResourceKind, Update,
};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The most resources `remove --drop-values` changes in one call.
pub const MAX_DROPPED: usize = 1_000_000;

/// One extension as the CLI and the admin API show it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionView {
    pub urn: String,
    pub resource_type: String,
    pub required: bool,
    /// The attributes with rows in the lookup index.
    pub indexed: Vec<String>,
    pub created: String,
    /// The schema document as defined.
    pub schema: Value,
}

impl ExtensionView {
    /// Its JSON (the CLI's `--json`, the admin API).
    pub fn to_json(&self) -> Value {
        json!({
            "urn": self.urn,
            "resourceType": self.resource_type,
            "required": self.required,
            "indexed": self.indexed,
            "created": self.created,
            "schema": self.schema,
        })
    }
}

impl From<&ExtensionRecord> for ExtensionView {
    fn from(r: &ExtensionRecord) -> ExtensionView {
        ExtensionView {
            urn: r.urn.clone(),
            resource_type: r.kind.name().to_string(),
            required: r.definition.required,
            indexed: r.definition.index.keys().cloned().collect(),
            created: r.created.to_string(),
            schema: r.definition.schema.clone(),
        }
    }
}

/// What removing an extension did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedExtension {
    pub urn: String,
    /// Resources whose values were dropped.
    pub dropped: u64,
}

/// A tenant's extension schemas, to read ([`TenantReader::extensions`]).
pub struct Extensions<'r, 'a> {
    r: &'r TenantReader<'a>,
}

impl<'a> TenantReader<'a> {
    /// Its extension schemas.
    pub fn extensions(&self) -> Extensions<'_, 'a> {
        Extensions { r: self }
    }
}

impl Extensions<'_, '_> {
    /// The tenant's extensions, in the order they were added.
    pub async fn list(&self) -> ScimResult<Vec<ExtensionView>> {
        let records = self
            .r
            .core
            .store
            .schema_extensions(self.r.tenant.id)
            .await?;
        Ok(records.iter().map(ExtensionView::from).collect())
    }

    /// One extension, by URN (in any case).
    pub async fn show(&self, urn: &str) -> ScimResult<ExtensionView> {
        self.list()
            .await?
            .into_iter()
            .find(|e| e.urn.eq_ignore_ascii_case(urn))
            .ok_or_else(|| ScimError::NotFound(format!("the tenant has no schema {urn:?}")))
    }

    /// The ids of resources of `kind` that carry values of extension `urn`
    /// (at most `limit`), and how many there are.
    async fn carrying(
        &self,
        kind: ResourceKind,
        urn: &str,
        limit: usize,
    ) -> ScimResult<(u64, Vec<String>)> {
        let schemas = self.r.schemas().await?;
        let view = schemas.view(kind)?;
        let text = format!("schemas eq {}", Value::String(urn.to_string()));
        let filter = lower(&Filter::parse(&text)?, &view)?;
        let store = self.r.core.store.resources(self.r.tenant.id);
        let mut ids = Vec::new();
        let mut page = PageRequest::Cursor(None);
        let mut total = 0;
        loop {
            let q = Query {
                filter: Some(filter.clone()),
                sort: None,
                page,
                limit: 500,
                load: Load::NONE,
                max_bytes: None,
            };
            let result = store.query(kind, &q).await?;
            total = total.max(result.total);
            let room = limit.saturating_sub(ids.len());
            ids.extend(result.records.iter().take(room).map(|r| r.id.to_string()));
            match result.next_cursor {
                Some(c) if ids.len() < limit => page = PageRequest::Cursor(Some(c)),
                _ => break,
            }
        }
        Ok((total.max(ids.len() as u64), ids))
    }
}

/// The lookup index codes `schema` needs, none of them in `used`.
fn assign_codes(
    schema: &scim_core::schema::Schema,
    used: &BTreeSet<i64>,
) -> ScimResult<BTreeMap<String, i64>> {
    let mut taken = used.clone();
    let mut out = BTreeMap::new();
    for a in schema.attributes.iter().filter(|a| wants_index(a)) {
        let range = if a.uniqueness == Uniqueness::None {
            EXT_BASE..ROLES_CODE
        } else {
            UNIQUE_BASE..CODE_MAX + 1
        };
        let code = range.clone().find(|c| !taken.contains(c)).ok_or_else(|| {
            ScimError::InvalidValue("the tenant indexes as many attributes as it can".into())
        })?;
        taken.insert(code);
        out.insert(a.name.clone(), code);
    }
    Ok(out)
}

/// A tenant's extension schemas, to change ([`TenantAdmin::extension_admin`]).
pub struct ExtensionAdmin<'r, 'a> {
    a: &'r TenantAdmin<'a>,
}

impl<'a> TenantAdmin<'a> {
    /// Changes of its extension schemas.
    pub fn extension_admin(&self) -> ExtensionAdmin<'_, 'a> {
        ExtensionAdmin { a: self }
    }
}

impl ExtensionAdmin<'_, '_> {
    /// Adds an extension schema to a resource type (`User`, `Group`).
    pub async fn add(
        &self,
        document: &Value,
        resource_type: &str,
        required: bool,
    ) -> ScimResult<ExtensionView> {
        let kind = crate::resource::kind_of(resource_type).ok_or_else(|| {
            ScimError::InvalidValue(format!("no resource type {resource_type:?}: User or Group"))
        })?;
        let size = serde_json::to_string(document).map_or(usize::MAX, |t| t.len());
        if size > MAX_DOCUMENT_BYTES {
            return Err(ScimError::PayloadTooLarge(format!(
                "a schema document holds at most {MAX_DOCUMENT_BYTES} bytes"
            )));
        }
        let schema = check_extension(document, &self.a.core.registry)?;
        let existing = self
            .a
            .core
            .store
            .schema_extensions(self.a.tenant.id)
            .await?;
        if existing.len() >= 50 {
            return Err(ScimError::InvalidValue(
                "a tenant defines at most 50 extensions".into(),
            ));
        }
        if let Some(e) = existing
            .iter()
            .find(|e| e.urn.eq_ignore_ascii_case(&schema.id))
        {
            return Err(ScimError::Uniqueness(format!(
                "the tenant has schema {} (remove it first)",
                e.urn
            )));
        }
        if required {
            let store = self.a.core.store.resources(self.a.tenant.id);
            let n = store.count(kind, false).await?;
            if n > 0 {
                return Err(ScimError::InvalidValue(format!(
                    "{n} {} exist without {}: a required extension is added before any",
                    kind.endpoint().trim_start_matches('/'),
                    schema.id
                )));
            }
        }
        let used: BTreeSet<i64> = existing
            .iter()
            .flat_map(|e| e.definition.index.values().copied())
            .collect();
        let record = ExtensionRecord {
            urn: schema.id.clone(),
            kind,
            created: self.a.core.clock.now(),
            definition: ExtensionDefinition {
                required,
                index: assign_codes(&schema, &used)?,
                schema: document.clone(),
            },
        };
        let detail = format!("schema {} extends {}", record.urn, kind.name());
        let entry = self
            .a
            .actor
            .origin("schema-add")
            .entry(Entry::new(record.created, 200, "schema-add").detail(detail));
        self.a
            .core
            .store
            .add_schema_extension(self.a.tenant.id, &record, entry)
            .await?;
        Ok(ExtensionView::from(&record))
    }

    /// Removes an extension; refused while resources carry its values,
    /// unless `drop_values`, which removes them first (each audited).
    pub async fn remove(&self, urn: &str, drop_values: bool) -> ScimResult<RemovedExtension> {
        let ext = self.a.extensions().show(urn).await?;
        let kind = crate::resource::kind_of(&ext.resource_type)
            .ok_or_else(|| crate::internal("stored extension of no resource type"))?;
        let limit = if drop_values { MAX_DROPPED } else { 1 };
        let (n, ids) = self.a.extensions().carrying(kind, &ext.urn, limit).await?;
        if n > 0 && !drop_values {
            return Err(ScimError::Conflict(format!(
                "{n} {} carry values of {} (for example {}): remove them, or pass --drop-values",
                kind.endpoint().trim_start_matches('/'),
                ext.urn,
                ids.first().map_or("", String::as_str)
            )));
        }
        let mut dropped = 0;
        for id in &ids {
            if self.drop_values(kind, id, &ext.urn).await? {
                dropped += 1;
            }
        }
        let now = self.a.core.clock.now();
        let detail = format!(
            "schema {} removed; values dropped from {dropped} resources",
            ext.urn
        );
        let entry = self.a.actor.origin("schema-remove").entry(
            Entry::new(now, 200, "schema-remove")
                .detail(detail)
                .diff(vec![json!({"op": "remove", "path": ext.urn})]),
        );
        if !self
            .a
            .core
            .store
            .remove_schema_extension(self.a.tenant.id, &ext.urn, entry)
            .await?
        {
            return Err(ScimError::NotFound(format!(
                "the tenant has no schema {urn:?}"
            )));
        }
        Ok(RemovedExtension {
            urn: ext.urn,
            dropped,
        })
    }

    /// Removes one resource's values of extension `urn`; whether it had any.
    async fn drop_values(&self, kind: ResourceKind, id: &str, urn: &str) -> ScimResult<bool> {
        let Some(rid) = scim_core::resource::ResourceId::parse(id) else {
            return Ok(false);
        };
        let schemas = self.a.schemas().await?;
        let origin = self
            .a
            .actor
            .origin("schema-drop-values")
            .with_schemas(&schemas);
        let unique_groups = self.a.core.unique_groups(&self.a.tenant.settings);
        let now = self.a.core.clock.now();
        let urn = urn.to_string();
        let update = move |current: &scim_store::Record| {
            let mut doc = current.doc.clone();
            doc.retain(|k, _| !k.eq_ignore_ascii_case(&urn));
            if let Some(Value::Array(items)) = doc.get_mut("schemas") {
                items.retain(|i| !i.as_str().is_some_and(|s| s.eq_ignore_ascii_case(&urn)));
            }
            let k = schemas.keys(kind, &doc, unique_groups);
            let journal = change(
                &origin,
                Change {
                    at: now,
                    status: 200,
                    action: "schema-drop-values",
                    event: "patch",
                    kind,
                    id: current.id.as_str(),
                    old: Some(&current.doc),
                    new: Some(&doc),
                    extra: &[],
                },
            );
            let changed = doc != current.doc;
            Ok(Update {
                doc: changed.then_some((doc, k)),
                journal,
                ..Update::none(now)
            })
        };
        let target = Modify {
            tenant: self.a.tenant.id,
            kind,
            id: &rid,
            load: Load::NONE,
            reply: Load::NONE,
            body: None,
        };
        Ok(self.a.core.modify(target, update).await?.is_some())
    }
}
