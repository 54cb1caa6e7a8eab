//! Delete a resource: `DELETE /Users/{id}`, `DELETE /Groups/{id}`
//! (RFC 7644 §3.6). The outcome is [`Outcome::Deleted`]; a second delete
//! is 404. What a delete does is the connection's delete policy
//! (`docs/policies.md`):
//!
//! - `delete`: the resource and its memberships are removed;
//! - `soft-delete`: it moves to the trash, hidden from SCIM, until the
//!   tenant's retention period ends or an admin restores it;
//! - `disable`: a user is deactivated instead (`active=false`, itself
//!   subject to the deactivation policy); a group is deleted.
//!
//! Ownership between connections applies as for any write. A delete
//! removes exactly the version it read (and audited): when the resource
//! moved in between, it is read again.

use super::breaker::{breaker_held, check_not_paused, deprovision};
use super::guard::{check_ownership, Deprovisioning, Observed};
use super::{not_found, parse_id, Modify};
use crate::journal::{change, Change, Origin};
use crate::outcome::Outcome;
use crate::scim::Scim;
use scim_core::resource::ResourceId;
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_store::plan::MAX_ATTEMPTS;
use scim_store::{DeletePolicy, Load, Record, ResourceKind, StoreError, Update};
use serde_json::Value;

const DAY_MS: i64 = 86_400_000;

impl Scim<'_> {
    /// Deletes one resource (honouring `If-Match`) as the connection's policy says.
    pub async fn delete(&self, kind: ResourceKind, id: &str) -> ScimResult<Outcome> {
        let watch = self.watch_roles(kind, "DELETE", Some(id), None).await;
        let result = self.delete_inner(kind, id).await;
        let out = self.audited(Some(kind), Some(id), None, result).await;
        self.after_roles(watch, &out).await;
        out
    }

    async fn delete_inner(&self, kind: ResourceKind, id: &str) -> ScimResult<Outcome> {
        let (core, who, pre) = (self.core, self.who, &self.ctx.pre);
        let rid = parse_id(kind, id)?;
        let (observed, mut before) = check_ownership(core, who, kind, &rid).await?;
        let origin = self.origin();
        let policy = match (who.policy().delete, kind) {
            (DeletePolicy::Disable, ResourceKind::Group) => DeletePolicy::Delete,
            (p, _) => p,
        };
        if policy == DeletePolicy::Disable {
            return self.disable(kind, &rid, observed, origin).await;
        }
        if kind == ResourceKind::User {
            check_not_paused(who)?;
        }
        let store = core.store.resources(who.tenant());
        for _ in 0..MAX_ATTEMPTS {
            observed.recheck(&before)?;
            pre.check_match(before.version)?;
            let now = core.clock.now();
            let action = if policy == DeletePolicy::SoftDelete {
                "soft-delete"
            } else {
                "delete"
            };
            let mut journal = change(
                &origin,
                Change {
                    at: now,
                    status: 204,
                    action,
                    event: "delete",
                    kind,
                    id,
                    old: Some(&before.doc),
                    new: None,
                    extra: &[],
                },
            );
            if kind == ResourceKind::User {
                journal.deprovision = deprovision(who, now);
            }
            let base = Some(before.version);
            let result = if policy == DeletePolicy::SoftDelete {
                let purge_after = Timestamp::from_unix_millis(
                    now.unix_millis() + i64::from(who.settings().retention_days) * DAY_MS,
                )
                .ok_or_else(|| ScimError::Internal("retention out of range".into()))?;
                store
                    .trash(kind, &rid, base, now, purge_after, journal)
                    .await
            } else {
                store.delete(kind, &rid, base, journal).await
            };
            match result {
                // Changed since it was read: read it again (the journal
                // records the document the delete removed).
                Err(StoreError::Stale) => {
                    before = store
                        .get(kind, &rid, Load::NONE)
                        .await?
                        .ok_or_else(|| not_found(kind, id))?;
                }
                other => {
                    return if breaker_held(core, who, other).await? {
                        Ok(Outcome::Deleted(kind, rid))
                    } else {
                        Err(not_found(kind, id))
                    };
                }
            }
        }
        Err(StoreError::Busy.into())
    }

    /// The `disable` delete policy: a user is deactivated instead.
    async fn disable(
        &self,
        kind: ResourceKind,
        rid: &ResourceId,
        observed: Observed,
        origin: Origin,
    ) -> ScimResult<Outcome> {
        let (core, who) = (self.core, self.who);
        let (by, now) = (who.connection(), core.clock.now());
        let deprov = Deprovisioning::of(who, now);
        let name = who.connection_name().to_string();
        let pre = self.ctx.pre.clone();
        let unique_groups = core.unique_groups(who.settings());
        let schemas = who.schemas().clone();
        let update = move |current: &Record| {
            pre.check_match(current.version)?;
            observed.recheck(current)?;
            let mut doc = current.doc.clone();
            doc.insert("active".into(), Value::Bool(false));
            let deactivation = deprov.apply(kind, &current.doc, &mut doc)?;
            let changed = doc != current.doc;
            let k = schemas.keys(kind, &doc, unique_groups);
            let action = if deactivation.acknowledged {
                "acknowledge-deactivation"
            } else {
                "delete-as-disable"
            };
            let mut journal = change(
                &origin,
                Change {
                    at: now,
                    status: 204,
                    action,
                    event: "patch",
                    kind,
                    id: current.id.as_str(),
                    old: Some(&current.doc),
                    new: Some(&doc),
                    extra: &[],
                },
            );
            journal.deprovision = deactivation.counted;
            Ok(Update {
                doc: changed.then_some((doc, k)),
                provenance: Some(current.provenance.touched(by, &name, now)),
                journal,
                ..Update::none(now)
            })
        };
        let target = Modify {
            tenant: who.tenant(),
            kind,
            id: rid,
            load: Load::NONE,
            reply: Load::NONE,
            body: None,
        };
        let result = core.modify(target, update).await;
        breaker_held(core, who, result)
            .await?
            .ok_or_else(|| not_found(kind, rid.as_str()))?;
        Ok(Outcome::Deleted(kind, rid.clone()))
    }
}
