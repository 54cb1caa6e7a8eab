//! Roles from groups (`docs/roles.md`). A tenant maps groups (by
//! `displayName` or `externalId`) to application roles; each user's
//! `effectiveRoles`, in the read-only scimd roles extension
//! ([`ROLES_SCHEMA`]), is the roles of every group it belongs to, directly
//! or through nested groups, plus the values of its own `roles`. It is
//! kept in the user's document, with lookup-index rows
//! ([`scim_store::index::ROLES_CODE`]), so `effectiveRoles eq "x"` is an
//! index lookup.
//!
//! A user write computes the set in its own plan (the group part read
//! before, outside the transaction); a group write, a mapping change or a
//! group renamed or deleted recomputes the users it may affect
//! ([`refresh`]), each in its own short write. Whenever a user's set
//! changes, its journal carries one `roles` event with `gained` and
//! `lost`.

mod hooks;
pub(crate) mod refresh;

use crate::journal::Origin;
use crate::tenant_schemas::TenantSchemas;
use scim_core::filter::{lower, Filter};
use scim_core::timestamp::Timestamp;
use scim_core::ScimResult;
use scim_store::index::{ExtIndexed, ROLES_CODE};
use scim_store::{
    ChangeEvent, Load, PageRequest, Query, ResourceKind, RoleMapping, Store, TenantId,
};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The schema URN of the roles extension.
pub const ROLES_SCHEMA: &str = "urn:scimd:params:scim:schemas:extension:roles:2.0:User";
/// Its one attribute.
pub const EFFECTIVE_ROLES: &str = "effectiveRoles";
/// The most groups one mapping's selector may name (a display name is
/// unique only when the tenant says so).
const GROUPS_PER_MAPPING: u64 = 100;

/// The schema document.
pub fn schema_json() -> Result<Value, serde_json::Error> {
    serde_json::from_str(include_str!("../../schemas/roles.json"))
}

/// The extension as a resource-type extension of User: read-only,
/// server-set, returned by default and filterable (an index lookup).
/// Added to a tenant's schemas while the tenant maps roles.
pub fn schema() -> ScimResult<scim_core::schema::Schema> {
    let json = schema_json().map_err(|e| crate::internal(&format!("roles schema: {e}")))?;
    let mut schema = scim_core::schema::Schema::from_json(&json)?;
    for a in &mut schema.attributes {
        a.index = Some(ROLES_CODE);
    }
    Ok(schema)
}

/// The index entry of `effectiveRoles`.
pub fn indexed() -> ExtIndexed {
    ExtIndexed {
        urn: ROLES_SCHEMA.into(),
        name: EFFECTIVE_ROLES.into(),
        code: ROLES_CODE,
        case_exact: true,
    }
}

/// The values of a user's own `roles` attribute.
pub fn own(doc: &Map<String, Value>) -> BTreeSet<String> {
    let Some(Value::Array(items)) = doc.get("roles") else {
        return BTreeSet::new();
    };
    items
        .iter()
        .filter_map(|i| i.get("value").and_then(Value::as_str))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// The effective roles a document carries.
pub fn stored(doc: &Map<String, Value>) -> BTreeSet<String> {
    doc.get(ROLES_SCHEMA)
        .and_then(|e| e.get(EFFECTIVE_ROLES))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Writes `roles` into a document (none: the extension and its URN in
/// `schemas` removed).
pub fn set(doc: &mut Map<String, Value>, roles: &BTreeSet<String>) {
    let present = |s: &Value| {
        s.as_str()
            .is_some_and(|u| u.eq_ignore_ascii_case(ROLES_SCHEMA))
    };
    if roles.is_empty() {
        doc.retain(|k, _| !k.eq_ignore_ascii_case(ROLES_SCHEMA));
        if let Some(Value::Array(items)) = doc.get_mut("schemas") {
            items.retain(|i| !present(i));
        }
        return;
    }
    doc.insert(
        ROLES_SCHEMA.into(),
        json!({ EFFECTIVE_ROLES: roles.iter().collect::<Vec<_>>() }),
    );
    match doc.get_mut("schemas") {
        Some(Value::Array(items)) => {
            if !items.iter().any(present) {
                items.push(Value::String(ROLES_SCHEMA.into()));
            }
        }
        _ => {
            doc.insert("schemas".into(), json!([ROLES_SCHEMA]));
        }
    }
}

/// Keeps a document's effective roles as they were in `old` (a PUT's new
/// document, before they are computed again).
pub fn carry(old: &Map<String, Value>, doc: &mut Map<String, Value>) {
    set(doc, &stored(old));
}

/// Sets `doc`'s effective roles to its own roles plus `from_groups`
/// (while the tenant maps roles, `active`; else none: the extension
/// removed); the `roles` event when they differ from those of `old` (none
/// for a new user without roles).
pub fn settle(
    origin: &Origin,
    at: Timestamp,
    id: &str,
    old: Option<&Map<String, Value>>,
    doc: &mut Map<String, Value>,
    (active, from_groups): (bool, &BTreeSet<String>),
) -> Option<ChangeEvent> {
    let mut now = BTreeSet::new();
    if active {
        now = own(doc);
        now.extend(from_groups.iter().cloned());
    }
    let before = old.map(stored).unwrap_or_default();
    set(doc, &now);
    (now != before).then(|| event(origin, at, id, doc, &before, &now))
}

/// The `roles` event of a user whose effective roles went from `before`
/// to `now`.
pub fn event(
    origin: &Origin,
    at: Timestamp,
    id: &str,
    doc: &Map<String, Value>,
    before: &BTreeSet<String>,
    now: &BTreeSet<String>,
) -> ChangeEvent {
    let mut e = origin.event(
        at,
        "roles",
        ResourceKind::User,
        id,
        None,
        vec![EFFECTIVE_ROLES.into()],
    );
    e.external_id = doc
        .get("externalId")
        .and_then(Value::as_str)
        .map(str::to_string);
    e.data = Some(json!({
        "id": id,
        "gained": now.difference(before).collect::<Vec<_>>(),
        "lost": before.difference(now).collect::<Vec<_>>(),
        EFFECTIVE_ROLES: now,
    }));
    e
}

/// A tenant's mappings resolved to the groups they name: group id to
/// roles.
#[derive(Debug, Clone, Default)]
pub struct Resolved(BTreeMap<String, BTreeSet<String>>);

impl Resolved {
    /// Whether no group gives a role.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The roles of a group.
    pub fn of(&self, group: &str) -> Option<&BTreeSet<String>> {
        self.0.get(group)
    }

    /// Resolves the tenant's mappings, one index lookup per mapping.
    pub async fn load(
        store: &dyn Store,
        schemas: &TenantSchemas,
        tenant: TenantId,
    ) -> ScimResult<Resolved> {
        let mappings = store.role_mappings(tenant).await?;
        Resolved::of_mappings(store, schemas, tenant, &mappings).await
    }

    /// Resolves `mappings`.
    pub async fn of_mappings(
        store: &dyn Store,
        schemas: &TenantSchemas,
        tenant: TenantId,
        mappings: &[RoleMapping],
    ) -> ScimResult<Resolved> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let resources = store.resources(tenant);
        for m in mappings {
            for g in groups_named(resources.as_ref(), schemas, m).await? {
                out.entry(g).or_default().insert(m.role.clone());
            }
        }
        Ok(Resolved(out))
    }

    /// The roles a user has through the groups it belongs to.
    pub async fn of_user(
        &self,
        store: &dyn Store,
        tenant: TenantId,
        user: &scim_core::resource::ResourceId,
    ) -> ScimResult<BTreeSet<String>> {
        let mut out = BTreeSet::new();
        if self.is_empty() {
            return Ok(out);
        }
        let load = Load {
            members: false,
            groups: true,
        };
        let Some(r) = store
            .resources(tenant)
            .get(ResourceKind::User, user, load)
            .await?
        else {
            return Ok(out);
        };
        for g in r.groups.unwrap_or_default() {
            if let Some(roles) = self.of(g.id.as_str()) {
                out.extend(roles.iter().cloned());
            }
        }
        Ok(out)
    }
}

/// The ids of the groups a mapping names.
pub async fn groups_named(
    resources: &dyn scim_store::ResourceStore,
    schemas: &TenantSchemas,
    m: &RoleMapping,
) -> ScimResult<Vec<String>> {
    let text = format!("{} eq {}", m.selector.attribute(), json!(m.value));
    let filter = Filter::parse(&text)?;
    let view = schemas.view(ResourceKind::Group)?;
    let q = Query {
        filter: Some(lower(&filter, &view)?),
        sort: None,
        page: PageRequest::Offset(0),
        limit: GROUPS_PER_MAPPING,
        load: Load::NONE,
        max_bytes: None,
    };
    let page = resources.query(ResourceKind::Group, &q).await?;
    Ok(page.records.iter().map(|r| r.id.to_string()).collect())
}
