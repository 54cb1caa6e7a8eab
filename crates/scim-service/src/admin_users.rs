//! Local administration of users and groups (the CLI's `user`, `trash` and
//! `import` commands; `docs/policies.md`):
//!
//! - local accounts, created by import or by an admin, carry
//!   `authProvider` `local` (or the provider the import names) and are not
//!   managed by any connection;
//! - resources a SCIM connection manages are read-only here: edits and
//!   deletes are refused with 403 until an admin explicitly unmanages one;
//! - soft-deleted resources are listed, restored and purged from the trash.

use crate::journal::{change, LocalActor, Origin};
use crate::provenance::LOCAL_PROVIDER;
use crate::render::{resource_json, with_provenance};
use crate::resource::{kind_of, parse_id};
use crate::{RequestCtx, ScimService};
use scim_core::filter::{lower, Filter};
use scim_core::resource::{normalize, ResourceId};
use scim_core::tolerance::Tolerances;
use scim_core::{ScimError, ScimResult};
use scim_store::index::keys;
use scim_store::{
    Load, NewRecord, PageRequest, Provenance, Query, Record, ResourceKind, StoreError, Tenant,
    Trashed, Update,
};
use serde_json::{Map, Value};

/// What importing one account did.
#[derive(Debug, Clone, PartialEq)]
pub enum Imported {
    Created(ResourceId),
    /// Skipped because the userName is taken.
    Skipped(String),
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

impl ScimService {
    /// The resource kind named by `kind` (`user`, `group`).
    pub fn kind_named(&self, kind: &str) -> ScimResult<ResourceKind> {
        kind_of(kind).ok_or_else(|| {
            ScimError::InvalidValue(format!("unknown resource type {kind:?}: use user or group"))
        })
    }

    /// A local user from a SCIM representation, in a tenant already
    /// resolved (`scimd import`, audited with path `import`).
    pub async fn import_user(
        &self,
        tenant: &Tenant,
        body: &Value,
        auth_provider: Option<&str>,
    ) -> ScimResult<Imported> {
        self.create_local_user(tenant, body, auth_provider, "import")
            .await
    }

    /// A local user from a SCIM representation; `via` is the audit entry's
    /// path: the command that created it (`import`, `user create`).
    pub async fn create_local_user(
        &self,
        tenant: &Tenant,
        body: &Value,
        auth_provider: Option<&str>,
        via: &str,
    ) -> ScimResult<Imported> {
        let view = self.view(ResourceKind::User)?;
        let mut doc: Map<String, Value> = normalize(body, &view, &Tolerances::lenient())?;
        doc.shift_remove("password");
        scim_core::resource::apply_defaults(&view.core.id, None, &mut doc, false);
        crate::resource::strip_provenance(&mut doc);
        let provider = auth_provider
            .filter(|p| !p.is_empty())
            .unwrap_or(LOCAL_PROVIDER);
        let id = self.ids.new_id();
        let now = self.clock.now();
        let journal = change(
            &Origin::local(via),
            now,
            201,
            "create-local",
            "create",
            ResourceKind::User,
            id.as_str(),
            None,
            Some(&doc),
            &[],
        );
        let record = NewRecord {
            kind: ResourceKind::User,
            id: id.clone(),
            created: now,
            provenance: Provenance::local(provider),
            keys: keys(ResourceKind::User, &doc, self.config.unique_group_names),
            doc,
            members: Vec::new(),
            journal,
        };
        match self.store.resources(tenant.id).insert(record).await {
            Ok(_) => Ok(Imported::Created(id)),
            Err(StoreError::Uniqueness(m)) => Ok(Imported::Skipped(m)),
            Err(e) => Err(e.into()),
        }
    }

    /// A tenant's resources of a kind matching an optional SCIM filter, as
    /// SCIM JSON, at most 10 000 (for the CLI).
    pub async fn admin_list(
        &self,
        tenant: &str,
        kind: ResourceKind,
        filter: Option<&str>,
        ctx: &RequestCtx,
    ) -> ScimResult<Vec<Value>> {
        let t = self.tenant_named(tenant).await?;
        let view = self.view(kind)?;
        let filter = filter
            .map(|f| Filter::parse(f).and_then(|f| lower(&f, &view)))
            .transpose()?;
        let store = self.store.resources(t.id);
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
                result
                    .records
                    .iter()
                    .map(|r| with_provenance(resource_json(r, &ctx.base_url), r)),
            );
            match result.next_cursor {
                Some(c) => page = PageRequest::Cursor(Some(c)),
                None => break,
            }
        }
        Ok(out)
    }

    /// A resource of a tenant as SCIM JSON (for the CLI).
    pub async fn admin_get(&self, tenant: &str, kind: &str, id: &str) -> ScimResult<Value> {
        let t = self.tenant_named(tenant).await?;
        let kind = self.kind_named(kind)?;
        let rid = parse_id(kind, id)?;
        let r = self
            .store
            .resources(t.id)
            .get(kind, &rid, Load::ALL)
            .await?
            .ok_or_else(|| crate::resource::not_found(kind, id))?;
        Ok(with_provenance(resource_json(&r, ""), &r))
    }

    /// Changes a resource locally: refused (403) while SCIM manages it,
    /// unless `unmanage` is the change.
    async fn local_update(
        &self,
        tenant: &str,
        kind: ResourceKind,
        id: &str,
        mut change: impl FnMut(&Record) -> ScimResult<Update> + Send + 'static,
        unmanaging: bool,
    ) -> ScimResult<Record> {
        let t = self.tenant_named(tenant).await?;
        let rid = parse_id(kind, id)?;
        let update = move |current: &Record| {
            if current.provenance.managed && !unmanaging {
                return Err(managed_error(kind, current));
            }
            change(current)
        };
        let target = crate::resource::Modify {
            tenant: t.id,
            kind,
            id: &rid,
            load: Load::NONE,
            reply: Load::NONE,
            body: None,
        };
        Ok(self
            .modify(target, update)
            .await?
            .ok_or_else(|| crate::resource::not_found(kind, id))?
            .record)
    }

    /// Activates or deactivates a local user.
    pub async fn admin_set_active(
        &self,
        tenant: &str,
        id: &str,
        active: bool,
    ) -> ScimResult<Record> {
        self.admin_set_active_by(&LocalActor::default(), tenant, id, active)
            .await
    }

    /// [`ScimService::admin_set_active`] by a named actor (a console admin).
    pub async fn admin_set_active_by(
        &self,
        actor: &LocalActor,
        tenant: &str,
        id: &str,
        active: bool,
    ) -> ScimResult<Record> {
        let actor = actor.clone();
        let now = self.clock.now();
        let unique_groups = self.config.unique_group_names;
        self.local_update(
            tenant,
            ResourceKind::User,
            id,
            move |current| {
                let mut doc = current.doc.clone();
                doc.insert("active".into(), Value::Bool(active));
                let k = keys(ResourceKind::User, &doc, unique_groups);
                let mut p = current.provenance.clone();
                p.modified_by = None;
                let action = if active {
                    "enable-local"
                } else {
                    "disable-local"
                };
                let journal = change(
                    &actor.origin(action),
                    now,
                    200,
                    action,
                    "patch",
                    ResourceKind::User,
                    current.id.as_str(),
                    Some(&current.doc),
                    Some(&doc),
                    &[],
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
    pub async fn unmanage(&self, tenant: &str, kind: &str, id: &str) -> ScimResult<Record> {
        self.unmanage_by(&LocalActor::default(), tenant, kind, id)
            .await
    }

    /// [`ScimService::unmanage`] by a named actor (a console admin).
    pub async fn unmanage_by(
        &self,
        actor: &LocalActor,
        tenant: &str,
        kind: &str,
        id: &str,
    ) -> ScimResult<Record> {
        let actor = actor.clone();
        let kind = self.kind_named(kind)?;
        let now = self.clock.now();
        self.local_update(
            tenant,
            kind,
            id,
            move |current| {
                let mut p = current.provenance.clone();
                p.managed = false;
                let origin = actor.origin("unmanage");
                let diff = vec![serde_json::json!({"op": "replace", "path": "managed", "old": true, "new": false})];
                let journal = scim_store::Journal {
                    audit: Some(origin.entry(now, 200, "unmanage", Some(kind), Some(current.id.as_str()), None, diff)),
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
    pub async fn admin_delete(&self, tenant: &str, kind: &str, id: &str) -> ScimResult<()> {
        self.admin_delete_by(&LocalActor::default(), tenant, kind, id)
            .await
    }

    /// [`ScimService::admin_delete`] by a named actor (a console admin).
    pub async fn admin_delete_by(
        &self,
        actor: &LocalActor,
        tenant: &str,
        kind: &str,
        id: &str,
    ) -> ScimResult<()> {
        let t = self.tenant_named(tenant).await?;
        let kind = self.kind_named(kind)?;
        let rid = parse_id(kind, id)?;
        let store = self.store.resources(t.id);
        let current = store
            .get(kind, &rid, Load::NONE)
            .await?
            .ok_or_else(|| crate::resource::not_found(kind, id))?;
        if current.provenance.managed {
            return Err(managed_error(kind, &current));
        }
        let journal = change(
            &actor.origin("delete"),
            self.clock.now(),
            204,
            "delete-local",
            "delete",
            kind,
            id,
            Some(&current.doc),
            None,
            &[],
        );
        store
            .delete(kind, &rid, Some(current.version), journal)
            .await?;
        Ok(())
    }

    /// A tenant's soft-deleted resources of a kind.
    pub async fn list_trash(&self, tenant: &str, kind: &str) -> ScimResult<Vec<Trashed>> {
        let t = self.tenant_named(tenant).await?;
        let kind = self.kind_named(kind)?;
        Ok(self.store.resources(t.id).list_trash(kind).await?)
    }

    /// Restores a soft-deleted resource (409 if its name was taken since,
    /// 403 if no seat is free for an active user).
    pub async fn restore(&self, tenant: &str, kind: &str, id: &str) -> ScimResult<Record> {
        let t = self.tenant_named(tenant).await?;
        let kind = self.kind_named(kind)?;
        let rid = parse_id(kind, id)?;
        let store = self.store.resources(t.id);
        let trashed = store
            .list_trash(kind)
            .await?
            .into_iter()
            .find(|x| x.id == rid)
            .ok_or_else(|| {
                ScimError::NotFound(format!("{} {id:?} is not in the trash", kind.name()))
            })?;
        let k = keys(kind, &trashed.doc, self.unique_groups(&t.settings));
        let now = self.clock.now();
        let journal = change(
            &Origin::local("restore"),
            now,
            200,
            "restore",
            "create",
            kind,
            id,
            None,
            Some(&trashed.doc),
            &[],
        );
        store
            .restore(kind, &rid, k, trashed.provenance, now, journal)
            .await?
            .ok_or_else(|| {
                ScimError::NotFound(format!("{} {id:?} is not in the trash", kind.name()))
            })
    }

    /// Purges every soft-deleted resource whose retention has ended; each
    /// one gets an audit entry (`purge`) in the purge's transaction.
    pub async fn purge_trash(&self) -> ScimResult<u64> {
        let now = self.clock.now();
        let audit = Origin::local("purge").entry(
            now,
            200,
            "purge",
            None,
            None,
            Some("the trash retention period ended".into()),
            Vec::new(),
        );
        Ok(self.store.purge_trash(now, audit).await?)
    }
}
