//! Local administration of users and groups (the CLI's `user`, `trash` and
//! `import` commands; `docs/policies.md`):
//!
//! - local accounts, created by import or by an admin, carry
//!   `authProvider` `local` (or the provider the import names) and are not
//!   managed by any connection;
//! - resources a SCIM connection manages are read-only here: edits and
//!   deletes are refused with 403 until an admin explicitly unmanages one;
//! - soft-deleted resources are listed, restored and purged from the trash.

use crate::journal::{change, Change, Entry};
use crate::provenance::LOCAL_PROVIDER;
use crate::render::{resource_json, with_provenance};
use crate::resource::parse_id;
use crate::tenant::{TenantAdmin, TenantReader};
use scim_core::filter::{lower, Filter};
use scim_core::resource::{normalize, ResourceId};
use scim_core::tolerance::Tolerances;
use scim_core::{ScimError, ScimResult};
use scim_store::{
    Load, NewRecord, PageRequest, Provenance, Query, Record, ResourceKind, StoreError, Trashed,
    Update,
};
use serde_json::{Map, Value};

/// What importing one account did.
#[derive(Debug, Clone, PartialEq)]
pub enum Imported {
    Created(ResourceId),
    /// Skipped because the userName is taken.
    Skipped(String),
}

fn not_in_trash(kind: ResourceKind, id: &str) -> ScimError {
    ScimError::NotFound(format!("{} {id:?} is not in the trash", kind.name()))
}

fn managed_error(kind: ResourceKind, r: &Record) -> ScimError {
    let by = r
        .provenance
        .provisioned_by
        .as_deref()
        .unwrap_or("a SCIM connection");
    ScimError::Forbidden(format!(
        "{} {} is managed by {by:?} through SCIM and is read-only here: change it in the identity provider, or run `unmanage` first",
        kind.name(),
        r.id
    ))
}

impl TenantReader<'_> {
    /// The tenant's resources of a kind matching an optional SCIM filter,
    /// as SCIM JSON with the provenance extension, at most 10 000 (for the
    /// CLI).
    pub async fn list_resources(
        &self,
        kind: ResourceKind,
        filter: Option<&str>,
    ) -> ScimResult<Vec<Value>> {
        let schemas = self.schemas().await?;
        let view = schemas.view(kind)?;
        let filter = filter
            .map(|f| Filter::parse(f).and_then(|f| lower(&f, &view)))
            .transpose()?;
        let store = self.core.store.resources(self.tenant.id);
        let mut out = Vec::new();
        let mut page = PageRequest::Cursor(None);
        while out.len() < 10_000 {
            let q = Query {
                filter: filter.clone(),
                sort: None,
                page,
                limit: 500,
                load: Load::NONE,
                max_bytes: None,
            };
            let result = store.query(kind, &q).await?;
            out.extend(
                result.records.iter().map(|r| {
                    with_provenance(schemas.secrets().redact_doc(&resource_json(r, "")), r)
                }),
            );
            match result.next_cursor {
                Some(c) => page = PageRequest::Cursor(Some(c)),
                None => break,
            }
        }
        Ok(out)
    }

    /// A resource of the tenant as SCIM JSON (for the CLI).
    pub async fn show_resource(&self, kind: ResourceKind, id: &str) -> ScimResult<Value> {
        let r = self.record(kind, id).await?;
        Ok(with_provenance(resource_json(&r, ""), &r))
    }

    /// A resource of the tenant with its members and groups, or 404.
    pub(crate) async fn record(&self, kind: ResourceKind, id: &str) -> ScimResult<Record> {
        let rid = parse_id(kind, id)?;
        self.core
            .store
            .resources(self.tenant.id)
            .get(kind, &rid, Load::ALL)
            .await?
            .ok_or_else(|| crate::resource::not_found(kind, id))
    }

    /// The tenant's soft-deleted resources of a kind.
    pub async fn trash(&self, kind: ResourceKind) -> ScimResult<Vec<Trashed>> {
        Ok(self
            .core
            .store
            .resources(self.tenant.id)
            .list_trash(kind)
            .await?)
    }
}

impl TenantAdmin<'_> {
    /// A local user from a SCIM representation (`scimd import`, audited
    /// with path `import`).
    pub async fn import_user(
        &self,
        body: &Value,
        auth_provider: Option<&str>,
    ) -> ScimResult<Imported> {
        self.create_local_user(body, auth_provider, "import").await
    }

    /// A local user from a SCIM representation; `via` is the audit entry's
    /// path: the command that created it (`import`, `user create`).
    pub async fn create_local_user(
        &self,
        body: &Value,
        auth_provider: Option<&str>,
        via: &str,
    ) -> ScimResult<Imported> {
        let core = self.core;
        let schemas = self.schemas().await?;
        let view = schemas.view(ResourceKind::User)?;
        let mut doc: Map<String, Value> = normalize(body, &view, &Tolerances::lenient())?;
        doc.shift_remove("password");
        scim_core::resource::apply_defaults(&view.core.id, None, &mut doc, false);
        crate::resource::strip_provenance(&mut doc);
        let provider = auth_provider
            .filter(|p| !p.is_empty())
            .unwrap_or(LOCAL_PROVIDER);
        let id = core.ids.new_id();
        let now = core.clock.now();
        let journal = change(
            &self.actor.origin(via).with_schemas(&schemas),
            Change {
                at: now,
                status: 201,
                action: "create-local",
                event: "create",
                kind: ResourceKind::User,
                id: id.as_str(),
                old: None,
                new: Some(&doc),
                extra: &[],
            },
        );
        let record = NewRecord {
            kind: ResourceKind::User,
            id: id.clone(),
            created: now,
            provenance: Provenance::local(provider),
            keys: schemas.keys(ResourceKind::User, &doc, core.config.unique_group_names),
            doc,
            members: Vec::new(),
            journal,
        };
        match core.store.resources(self.tenant.id).insert(record).await {
            Ok(_) => Ok(Imported::Created(id)),
            Err(StoreError::Uniqueness(m)) => Ok(Imported::Skipped(m)),
            Err(e) => Err(e.into()),
        }
    }

    /// Changes a resource locally: refused (403) while SCIM manages it,
    /// unless `unmanage` is the change.
    async fn local_update(
        &self,
        kind: ResourceKind,
        id: &str,
        mut change: impl FnMut(&Record) -> ScimResult<Update> + Send + 'static,
        unmanaging: bool,
    ) -> ScimResult<Record> {
        let rid = parse_id(kind, id)?;
        let update = move |current: &Record| {
            if current.provenance.managed && !unmanaging {
                return Err(managed_error(kind, current));
            }
            change(current)
        };
        let target = crate::resource::Modify {
            tenant: self.tenant.id,
            kind,
            id: &rid,
            load: Load::NONE,
            reply: Load::NONE,
            body: None,
        };
        Ok(self
            .core
            .modify(target, update)
            .await?
            .ok_or_else(|| crate::resource::not_found(kind, id))?
            .record)
    }

    /// Activates or deactivates a local user; refused (403) for a managed one.
    pub async fn set_active(&self, id: &str, active: bool) -> ScimResult<Record> {
        let actor = self.actor.clone();
        let now = self.core.clock.now();
        let unique_groups = self.core.config.unique_group_names;
        let schemas = self.schemas().await?;
        self.local_update(
            ResourceKind::User,
            id,
            move |current| {
                let mut doc = current.doc.clone();
                doc.insert("active".into(), Value::Bool(active));
                let k = schemas.keys(ResourceKind::User, &doc, unique_groups);
                let mut p = current.provenance.clone();
                p.modified_by = None;
                let action = if active {
                    "enable-local"
                } else {
                    "disable-local"
                };
                let journal = change(
                    &actor.origin(action).with_schemas(&schemas),
                    Change {
                        at: now,
                        status: 200,
                        action,
                        event: "patch",
                        kind: ResourceKind::User,
                        id: current.id.as_str(),
                        old: Some(&current.doc),
                        new: Some(&doc),
                        extra: &[],
                    },
                );
                Ok(Update {
                    doc: Some((doc, k)),
                    provenance: Some(p),
                    journal,
                    ..Update::none(now)
                })
            },
            false,
        )
        .await
    }

    /// Releases a resource from SCIM management, so local administration
    /// may change it.
    pub async fn unmanage(&self, kind: ResourceKind, id: &str) -> ScimResult<Record> {
        let actor = self.actor.clone();
        let now = self.core.clock.now();
        self.local_update(
            kind,
            id,
            move |current| {
                let mut p = current.provenance.clone();
                p.managed = false;
                let origin = actor.origin("unmanage");
                let diff = vec![serde_json::json!({"op": "replace", "path": "managed", "old": true, "new": false})];
                let journal = scim_store::Journal {
                    audit: Some(origin.entry(Entry::new(now, 200, "unmanage").about(Some(kind), Some(current.id.as_str())).diff(diff))),
                    ..scim_store::Journal::default()
                };
                Ok(Update {
                    provenance: Some(p),
                    force: true,
                    journal,
                    ..Update::none(now)
                })
            },
            true,
        )
        .await
    }

    /// Deletes a local resource; refused (403) while SCIM manages it.
    pub async fn delete_resource(&self, kind: ResourceKind, id: &str) -> ScimResult<()> {
        let rid = parse_id(kind, id)?;
        let store = self.core.store.resources(self.tenant.id);
        let current = store
            .get(kind, &rid, Load::NONE)
            .await?
            .ok_or_else(|| crate::resource::not_found(kind, id))?;
        if current.provenance.managed {
            return Err(managed_error(kind, &current));
        }
        let journal = change(
            &self
                .actor
                .origin("delete")
                .with_schemas(self.schemas().await?.as_ref()),
            Change {
                at: self.core.clock.now(),
                status: 204,
                action: "delete-local",
                event: "delete",
                kind,
                id,
                old: Some(&current.doc),
                new: None,
                extra: &[],
            },
        );
        store
            .delete(kind, &rid, Some(current.version), journal)
            .await?;
        Ok(())
    }

    /// Restores a soft-deleted resource (409 if its name was taken since,
    /// 403 if no seat is free for an active user).
    pub async fn restore(&self, kind: ResourceKind, id: &str) -> ScimResult<Record> {
        let rid = parse_id(kind, id)?;
        let store = self.core.store.resources(self.tenant.id);
        let trashed = store
            .list_trash(kind)
            .await?
            .into_iter()
            .find(|x| x.id == rid)
            .ok_or_else(|| not_in_trash(kind, id))?;
        let schemas = self.schemas().await?;
        let k = schemas.keys(
            kind,
            &trashed.doc,
            self.core.unique_groups(&self.tenant.settings),
        );
        let now = self.core.clock.now();
        let journal = change(
            &self.actor.origin("restore").with_schemas(&schemas),
            Change {
                at: now,
                status: 200,
                action: "restore",
                event: "create",
                kind,
                id,
                old: None,
                new: Some(&trashed.doc),
                extra: &[],
            },
        );
        store
            .restore(kind, &rid, k, trashed.provenance, now, journal)
            .await?
            .ok_or_else(|| not_in_trash(kind, id))
    }

    /// Removes one soft-deleted resource from the trash for good, before
    /// its retention ends (audited as `purge`, naming the actor).
    pub async fn purge_trashed(&self, kind: ResourceKind, id: &str) -> ScimResult<()> {
        let rid = parse_id(kind, id)?;
        let entry = self.actor.origin("purge").entry(Entry {
            kind: Some(kind),
            id: Some(id),
            detail: Some("purged from the trash before its retention ended".into()),
            ..Entry::new(self.core.clock.now(), 200, "purge")
        });
        let journal = scim_store::Journal {
            audit: Some(entry),
            ..scim_store::Journal::default()
        };
        let store = self.core.store.resources(self.tenant.id);
        if store.purge_trashed(kind, &rid, journal).await? {
            Ok(())
        } else {
            Err(not_in_trash(kind, id))
        }
    }
}
