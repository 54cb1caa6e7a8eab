//! The memory store's role mappings ([`RoleStore`]).

use super::{lock, MemoryStore};
use crate::error::{StoreError, StoreResult};
use crate::events::{AuditEntry, Journal};
use crate::model::TenantId;
use crate::roles::{RefreshScope, RoleMapping, RoleRefresh, RoleStore, MAX_ROLE_MAPPINGS};
use async_trait::async_trait;
use scim_core::ScimError;

/// Moves the tenant's schema version (whether it maps roles decides its
/// schemas).
fn bump(tenants: &mut [crate::model::Tenant], tenant: TenantId) {
    if let Some(t) = tenants.iter_mut().find(|t| t.id == tenant) {
        t.schema_version += 1;
    }
}

/// Queues a recomputation in the state.
fn queue(s: &mut super::State, tenant: TenantId, scope: RefreshScope, due: i64) -> RoleRefresh {
    let r = RoleRefresh {
        seq: s.key(),
        tenant,
        scope,
    };
    s.roles.queue.push((r.clone(), due));
    r
}

/// What a change of `mapping` leaves to recompute: everyone when the
/// tenant now has `count` = `everyone_at` mappings.
fn scope(mapping: &RoleMapping, count: usize, everyone_at: usize) -> RefreshScope {
    if count == everyone_at {
        RefreshScope::Everyone
    } else {
        RefreshScope::Groups(mapping.selector, mapping.value.clone())
    }
}

/// Tenants' role mappings and queued recomputations (with their due
/// times).
#[derive(Default)]
pub(super) struct RoleState {
    mappings: Vec<(TenantId, RoleMapping)>,
    queue: Vec<(RoleRefresh, i64)>,
}

impl RoleState {
    /// Forgets a deleted tenant's.
    pub(super) fn forget(&mut self, tenant: TenantId) {
        self.mappings.retain(|(t, _)| *t != tenant);
        self.queue.retain(|(r, _)| r.tenant != tenant);
    }
}

fn same(a: &RoleMapping, b: &RoleMapping) -> bool {
    a.selector == b.selector && a.key() == b.key() && a.role == b.role
}

#[async_trait]
impl RoleStore for MemoryStore {
    async fn role_mappings(&self, tenant: TenantId) -> StoreResult<Vec<RoleMapping>> {
        let mut out: Vec<RoleMapping> = lock(&self.state)?
            .roles
            .mappings
            .iter()
            .filter(|(t, _)| *t == tenant)
            .map(|(_, m)| m.clone())
            .collect();
        out.sort_by(|a, b| (a.selector, a.key(), &a.role).cmp(&(b.selector, b.key(), &b.role)));
        Ok(out)
    }

    async fn add_role_mapping(
        &self,
        tenant: TenantId,
        mapping: &RoleMapping,
        audit: AuditEntry,
        due: i64,
    ) -> StoreResult<Option<RoleRefresh>> {
        let mut s = lock(&self.state)?;
        if !s.tenants.iter().any(|t| t.id == tenant) {
            return Err(StoreError::Backend("no such tenant".into()));
        }
        let mine = s.roles.mappings.iter().filter(|(t, _)| *t == tenant);
        if mine.clone().any(|(_, m)| same(m, mapping)) {
            return Ok(None);
        }
        if mine.count() >= MAX_ROLE_MAPPINGS {
            return Err(StoreError::Rejected(ScimError::InvalidValue(format!(
                "a tenant has at most {MAX_ROLE_MAPPINGS} role mappings"
            ))));
        }
        s.roles.mappings.push((tenant, mapping.clone()));
        bump(&mut s.tenants, tenant);
        let count = s
            .roles
            .mappings
            .iter()
            .filter(|(t, _)| *t == tenant)
            .count();
        let refresh = queue(&mut s, tenant, scope(mapping, count, 1), due);
        s.journals.record(
            tenant,
            Journal {
                audit: Some(audit),
                ..Journal::default()
            },
            true,
        );
        Ok(Some(refresh))
    }

    async fn remove_role_mapping(
        &self,
        tenant: TenantId,
        mapping: &RoleMapping,
        audit: AuditEntry,
        due: i64,
    ) -> StoreResult<Option<RoleRefresh>> {
        let mut s = lock(&self.state)?;
        let Some(pos) = s
            .roles
            .mappings
            .iter()
            .position(|(t, m)| *t == tenant && same(m, mapping))
        else {
            return Ok(None);
        };
        s.roles.mappings.remove(pos);
        bump(&mut s.tenants, tenant);
        let count = s
            .roles
            .mappings
            .iter()
            .filter(|(t, _)| *t == tenant)
            .count();
        let refresh = queue(&mut s, tenant, scope(mapping, count, 0), due);
        s.journals.record(
            tenant,
            Journal {
                audit: Some(audit),
                ..Journal::default()
            },
            true,
        );
        Ok(Some(refresh))
    }

    async fn queue_role_refresh(
        &self,
        tenant: TenantId,
        scope: &RefreshScope,
        due: i64,
    ) -> StoreResult<RoleRefresh> {
        let mut s = lock(&self.state)?;
        Ok(queue(&mut s, tenant, scope.clone(), due))
    }

    async fn claim_role_refresh(&self, now: i64, until: i64) -> StoreResult<Option<RoleRefresh>> {
        let mut s = lock(&self.state)?;
        let oldest = s
            .roles
            .queue
            .iter_mut()
            .filter(|(_, due)| *due <= now)
            .min_by_key(|(r, _)| r.seq);
        Ok(oldest.map(|(r, due)| {
            *due = until;
            r.clone()
        }))
    }

    async fn finish_role_refresh(&self, seq: i64) -> StoreResult<()> {
        lock(&self.state)?.roles.queue.retain(|(r, _)| r.seq != seq);
        Ok(())
    }

    async fn role_refreshes_queued(&self, tenant: TenantId) -> StoreResult<u64> {
        let s = lock(&self.state)?;
        Ok(s.roles
            .queue
            .iter()
            .filter(|(r, _)| r.tenant == tenant)
            .count() as u64)
    }
}
