//! Tenants' role mappings (`scim_store::RoleStore`): the rows of
//! `role_mappings` (migration 16), keyed by tenant, selector, the value as
//! keyed (`RoleMapping::key`) and role; each change commits its audit
//! entry in the same transaction and moves the tenant's `schema_version`
//! (whether the tenant maps roles decides its schemas, `docs/roles.md`).

use crate::backend::{task, Backend, Write};
use crate::exec::{Exec, Fail};
use crate::journal::write_audit;
use crate::schema_store::bump;
use crate::{stmt, SqlStore};
use async_trait::async_trait;
use scim_core::ScimError;
use scim_store::*;

async fn list(x: &mut dyn Exec, tenant: i64) -> Result<Vec<RoleMapping>, Fail> {
    let sql = "SELECT selector, value, role FROM role_mappings WHERE tenant_id = $1 ORDER BY selector, key, role";
    let rows = x
        .all(&stmt!(sql, tenant), |r| {
            Ok((r.int(0)?, r.string(1)?, r.string(2)?))
        })
        .await?;
    rows.into_iter()
        .map(|(code, value, role)| {
            let selector = GroupSelector::from_code(code).ok_or_else(|| {
                Fail::Store(StoreError::Backend(format!(
                    "unknown group selector {code}"
                )))
            })?;
            Ok(RoleMapping {
                selector,
                value,
                role,
            })
        })
        .collect()
}

async fn add(
    x: &mut dyn Exec,
    tenant: i64,
    m: &RoleMapping,
    audit: &AuditEntry,
) -> Result<bool, Fail> {
    let sql = "SELECT count(*) FROM role_mappings WHERE tenant_id = $1";
    let n = x.one(&stmt!(sql, tenant), |r| r.int(0)).await?;
    if usize::try_from(n).unwrap_or(usize::MAX) >= MAX_ROLE_MAPPINGS {
        return Err(StoreError::Rejected(ScimError::InvalidValue(format!(
            "a tenant has at most {MAX_ROLE_MAPPINGS} role mappings"
        )))
        .into());
    }
    let sql = "INSERT INTO role_mappings (tenant_id, selector, key, value, role) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
    let key = m.key();
    let added = x
        .execute(&stmt!(
            sql,
            tenant,
            m.selector.code(),
            key.as_str(),
            m.value.as_str(),
            m.role.as_str()
        ))
        .await?
        > 0;
    if added {
        bump(x, tenant).await?;
        write_audit(x, tenant, audit).await?;
    }
    Ok(added)
}

async fn remove(
    x: &mut dyn Exec,
    tenant: i64,
    m: &RoleMapping,
    audit: &AuditEntry,
) -> Result<bool, Fail> {
    let sql = "DELETE FROM role_mappings WHERE tenant_id = $1 AND selector = $2 AND key = $3 AND role = $4";
    let key = m.key();
    let gone = x
        .execute(&stmt!(
            sql,
            tenant,
            m.selector.code(),
            key.as_str(),
            m.role.as_str()
        ))
        .await?
        > 0;
    if gone {
        bump(x, tenant).await?;
        write_audit(x, tenant, audit).await?;
    }
    Ok(gone)
}

#[async_trait]
impl<B: Backend> RoleStore for SqlStore<B> {
    async fn role_mappings(&self, tenant: TenantId) -> StoreResult<Vec<RoleMapping>> {
        let job = task(tenant.db_key(), |x, t| Box::pin(list(x, *t)));
        self.b.read(false, job).await
    }

    async fn add_role_mapping(
        &self,
        tenant: TenantId,
        mapping: &RoleMapping,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let t = tenant.db_key();
        let job = task((t, mapping.clone(), audit), |x, (t, m, audit)| {
            Box::pin(add(x, *t, m, audit))
        });
        // The tenant's schema version is part of a credential.
        self.changed(self.b.write(Write::tenant(t, 2), job).await)
    }

    async fn remove_role_mapping(
        &self,
        tenant: TenantId,
        mapping: &RoleMapping,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let t = tenant.db_key();
        let job = task((t, mapping.clone(), audit), |x, (t, m, audit)| {
            Box::pin(remove(x, *t, m, audit))
        });
        self.changed(self.b.write(Write::tenant(t, 2), job).await)
    }
}
