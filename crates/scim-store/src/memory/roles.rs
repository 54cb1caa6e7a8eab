//! The memory store's role mappings ([`RoleStore`]).

use super::{lock, MemoryStore};
use crate::error::{StoreError, StoreResult};
use crate::events::{AuditEntry, Journal};
use crate::model::TenantId;
use crate::roles::{RoleMapping, RoleStore, MAX_ROLE_MAPPINGS};
use async_trait::async_trait;
use scim_core::ScimError;

/// Moves the tenant's schema version (whether it maps roles decides its
/// schemas).
fn bump(tenants: &mut [crate::model::Tenant], tenant: TenantId) {
    if let Some(t) = tenants.iter_mut().find(|t| t.id == tenant) {
        t.schema_version += 1;
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
    ) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        if !s.tenants.iter().any(|t| t.id == tenant) {
            return Err(StoreError::Backend("no such tenant".into()));
        }
        let mine = s.roles.iter().filter(|(t, _)| *t == tenant);
        if mine.clone().any(|(_, m)| same(m, mapping)) {
            return Ok(false);
        }
        if mine.count() >= MAX_ROLE_MAPPINGS {
            return Err(StoreError::Rejected(ScimError::InvalidValue(format!(
                "a tenant has at most {MAX_ROLE_MAPPINGS} role mappings"
            ))));
        }
        s.roles.push((tenant, mapping.clone()));
        bump(&mut s.tenants, tenant);
        s.journals.record(
            tenant,
            Journal {
                audit: Some(audit),
                ..Journal::default()
            },
            true,
        );
        Ok(true)
    }

    async fn remove_role_mapping(
        &self,
        tenant: TenantId,
        mapping: &RoleMapping,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        let Some(pos) = s
            .roles
            .iter()
            .position(|(t, m)| *t == tenant && same(m, mapping))
        else {
            return Ok(false);
        };
        s.roles.remove(pos);
        bump(&mut s.tenants, tenant);
        s.journals.record(
            tenant,
            Journal {
                audit: Some(audit),
                ..Journal::default()
            },
            true,
        );
        Ok(true)
    }
}
