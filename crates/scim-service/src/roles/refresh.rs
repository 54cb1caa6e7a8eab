//! Recomputing users' effective roles after a change outside their own
//! documents: a group's members, name or existence, or a mapping. The
//! users are taken in batches of [`BATCH`], [`AT_ONCE`] at a time; each
//! user is one short write of its own (a read-modify-write that changes
//! nothing when its set is the same), so other writes interleave, and its
//! journal carries the `roles` event with what it gained and lost.

use super::{settle, Resolved};
use crate::journal::{Entry, Origin};
use crate::state::Core;
use crate::tenant_schemas::TenantSchemas;
use scim_core::resource::ResourceId;
use scim_core::ScimResult;
use scim_store::{read_modify_write, Journal, Load, ResourceKind, TenantId, Update};
use std::collections::BTreeSet;

/// Users recomputed between two yields to the runtime.
pub const BATCH: usize = 500;
/// Users of a batch recomputed at once: their writes reach the store
/// together, so it commits them together (SQLite's writer batches them
/// with the other tenants' writes in turn), instead of one commit each.
const AT_ONCE: usize = 32;
/// The deepest nesting of groups a walk follows.
const MAX_DEPTH: usize = 32;
/// The most groups a walk visits.
const MAX_GROUPS: usize = 10_000;

/// The users in a group, directly or through nested groups (cycles end
/// the walk; at most [`MAX_DEPTH`] levels and [`MAX_GROUPS`] groups).
pub(crate) async fn users_in(
    core: &Core,
    tenant: TenantId,
    group: &ResourceId,
) -> ScimResult<BTreeSet<ResourceId>> {
    let store = core.store.resources(tenant);
    let load = Load {
        members: true,
        groups: false,
    };
    let mut users = BTreeSet::new();
    let mut seen = BTreeSet::from([group.clone()]);
    let mut frontier = vec![group.clone()];
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for g in frontier {
            let Some(r) = store.get(ResourceKind::Group, &g, load).await? else {
                continue;
            };
            for m in r.members.unwrap_or_default() {
                match m.kind {
                    ResourceKind::User => {
                        users.insert(m.id);
                    }
                    ResourceKind::Group if seen.len() < MAX_GROUPS => {
                        if seen.insert(m.id.clone()) {
                            next.push(m.id);
                        }
                    }
                    ResourceKind::Group => {}
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    Ok(users)
}

/// The users a member id names: itself if it is a user, the users in it
/// if it is a group.
pub(crate) async fn users_of_member(
    core: &Core,
    tenant: TenantId,
    member: &ResourceId,
) -> ScimResult<BTreeSet<ResourceId>> {
    let store = core.store.resources(tenant);
    if store
        .get(ResourceKind::User, member, Load::NONE)
        .await?
        .is_some()
    {
        return Ok(BTreeSet::from([member.clone()]));
    }
    users_in(core, tenant, member).await
}

/// Recomputes the effective roles of `users`, in batches; returns how
/// many changed. `resolved` is the tenant's mappings as they are now.
pub(crate) async fn users(
    core: &Core,
    tenant: TenantId,
    schemas: &TenantSchemas,
    resolved: &Resolved,
    origin: &Origin,
    users: &BTreeSet<ResourceId>,
) -> ScimResult<u64> {
    let list: Vec<&ResourceId> = users.iter().collect();
    let mut changed = 0;
    for (i, batch) in list.chunks(BATCH).enumerate() {
        if i > 0 {
            tokio::task::yield_now().await;
        }
        for group in batch.chunks(AT_ONCE) {
            let mut writes = Vec::with_capacity(group.len());
            for user in group {
                writes.push(one(core, tenant, schemas, resolved, origin, user));
            }
            let done = futures_util::future::try_join_all(writes).await?;
            changed += done.into_iter().filter(|c| *c).count() as u64;
        }
    }
    Ok(changed)
}

/// Recomputes one user's effective roles (none, the extension removed,
/// when `schemas` say the tenant maps no roles); whether they changed.
async fn one(
    core: &Core,
    tenant: TenantId,
    schemas: &TenantSchemas,
    resolved: &Resolved,
    origin: &Origin,
    user: &ResourceId,
) -> ScimResult<bool> {
    let from_groups = resolved.of_user(core.store.as_ref(), tenant, user).await?;
    let store = core.store.resources(tenant);
    let now = core.clock.now();
    let active = (schemas.roles(), &from_groups);
    let update = |current: &scim_store::Record| {
        let mut doc = current.doc.clone();
        let id = current.id.as_str();
        let Some(event) = settle(origin, now, id, Some(&current.doc), &mut doc, active) else {
            return Ok(Update::none(now));
        };
        let keys = schemas.keys(ResourceKind::User, &doc, false);
        let diff = crate::journal::diff_by(&origin.secrets, &current.doc, &doc);
        let audit = origin.entry(
            Entry::new(now, 200, "roles")
                .about(Some(ResourceKind::User), Some(id))
                .diff(diff),
        );
        Ok(Update {
            doc: Some((doc, keys)),
            journal: Journal {
                audit: Some(audit),
                events: vec![event],
                ..Journal::default()
            },
            ..Update::none(now)
        })
    };
    let done =
        read_modify_write(store.as_ref(), ResourceKind::User, user, Load::NONE, update).await?;
    Ok(done.is_some_and(|u| u.changed))
}
