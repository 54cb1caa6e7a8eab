//! Tenants' role mappings (`scim_store::RoleStore`): the rows of
//! `role_mappings` (migration 16), keyed by tenant, selector, the value as
//! keyed (`RoleMapping::key`) and role; each change commits its audit
//! entry in the same transaction and moves the tenant's `schema_version`
//! (whether the tenant maps roles decides its schemas, `docs/roles.md`)
//! and queues, in `role_refresh` (migration 17), the recomputation of
//! effective roles the change needs.

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

/// The number of the tenant's mappings.
async fn count(x: &mut dyn Exec, tenant: i64) -> Result<i64, Fail> {
    let sql = "SELECT count(*) FROM role_mappings WHERE tenant_id = $1";
    x.one(&stmt!(sql, tenant), |r| r.int(0)).await
}

/// Queues a recomputation of `scope`, due at `due`.
async fn queue(
    x: &mut dyn Exec,
    tenant: i64,
    scope: &RefreshScope,
    due: i64,
) -> Result<RoleRefresh, Fail> {
    let (selector, value) = match scope {
        RefreshScope::Everyone => (None, None),
        RefreshScope::Groups(sel, v) => (Some(sel.code()), Some(v.as_str())),
    };
    let sql = format!(
        "INSERT INTO role_refresh (tenant_id, selector, value, due) VALUES ($1, $2, $3, $4){}",
        x.dialect().returning("seq")
    );
    let seq = x.insert(&stmt!(sql, tenant, selector, value, due)).await?;
    Ok(RoleRefresh {
        seq,
        tenant: TenantId::from_db(tenant),
        scope: scope.clone(),
    })
}

/// What a change of `m` leaves to recompute: everyone when the tenant
/// now has `everyone_at` mappings, else its groups' users.
async fn after_change(
    x: &mut dyn Exec,
    tenant: i64,
    m: &RoleMapping,
    everyone_at: i64,
    due: i64,
) -> Result<RoleRefresh, Fail> {
    let scope = if count(x, tenant).await? == everyone_at {
        RefreshScope::Everyone
    } else {
        RefreshScope::Groups(m.selector, m.value.clone())
    };
    queue(x, tenant, &scope, due).await
}

async fn add(
    x: &mut dyn Exec,
    tenant: i64,
    m: &RoleMapping,
    audit: &AuditEntry,
    due: i64,
) -> Result<Option<RoleRefresh>, Fail> {
    let n = count(x, tenant).await?;
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
    if !added {
        return Ok(None);
    }
    bump(x, tenant).await?;
    write_audit(x, tenant, audit).await?;
    Ok(Some(after_change(x, tenant, m, 1, due).await?))
}

async fn remove(
    x: &mut dyn Exec,
    tenant: i64,
    m: &RoleMapping,
    audit: &AuditEntry,
    due: i64,
) -> Result<Option<RoleRefresh>, Fail> {
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
    if !gone {
        return Ok(None);
    }
    bump(x, tenant).await?;
    write_audit(x, tenant, audit).await?;
    Ok(Some(after_change(x, tenant, m, 0, due).await?))
}

/// The oldest recomputation due at `now`.
async fn due(x: &mut dyn Exec, now: i64) -> Result<Option<RoleRefresh>, Fail> {
    let sql = "SELECT seq, tenant_id, selector, value FROM role_refresh WHERE due <= $1 ORDER BY seq LIMIT 1";
    let row = x
        .opt(&stmt!(sql, now), |r| {
            Ok((r.int(0)?, r.int(1)?, r.opt_int(2)?, r.opt_string(3)?))
        })
        .await?;
    let Some((seq, tenant, selector, value)) = row else {
        return Ok(None);
    };
    let scope = match (selector.and_then(GroupSelector::from_code), value) {
        (Some(sel), Some(v)) => RefreshScope::Groups(sel, v),
        _ => RefreshScope::Everyone,
    };
    Ok(Some(RoleRefresh {
        seq,
        tenant: TenantId::from_db(tenant),
        scope,
    }))
}

/// Takes `r` if it is still due at `now` (no other replica took it),
/// leasing it until `until`.
async fn claim(
    x: &mut dyn Exec,
    r: &RoleRefresh,
    now: i64,
    until: i64,
) -> Result<Option<RoleRefresh>, Fail> {
    let sql = "UPDATE role_refresh SET due = $1 WHERE seq = $2 AND due <= $3";
    let taken = x.execute(&stmt!(sql, until, r.seq, now)).await? > 0;
    Ok(taken.then(|| r.clone()))
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
        due: i64,
    ) -> StoreResult<Option<RoleRefresh>> {
        let t = tenant.db_key();
        let job = task((t, mapping.clone(), audit, due), |x, (t, m, audit, due)| {
            Box::pin(add(x, *t, m, audit, *due))
        });
        // The tenant's schema version is part of a credential.
        self.changed(self.b.write(Write::tenant(t, 2), job).await)
    }

    async fn remove_role_mapping(
        &self,
        tenant: TenantId,
        mapping: &RoleMapping,
        audit: AuditEntry,
        due: i64,
    ) -> StoreResult<Option<RoleRefresh>> {
        let t = tenant.db_key();
        let job = task((t, mapping.clone(), audit, due), |x, (t, m, audit, due)| {
            Box::pin(remove(x, *t, m, audit, *due))
        });
        self.changed(self.b.write(Write::tenant(t, 2), job).await)
    }

    async fn queue_role_refresh(
        &self,
        tenant: TenantId,
        scope: &RefreshScope,
        due: i64,
    ) -> StoreResult<RoleRefresh> {
        let t = tenant.db_key();
        let job = task((t, scope.clone(), due), |x, (t, scope, due)| {
            Box::pin(queue(x, *t, scope, *due))
        });
        self.b.write(Write::tenant(t, 1), job).await
    }

    async fn claim_role_refresh(&self, now: i64, until: i64) -> StoreResult<Option<RoleRefresh>> {
        // Polled by every replica: a read first, a write only when one is due.
        let Some(r) = self
            .b
            .read(true, task(now, |x, now| Box::pin(due(x, *now))))
            .await?
        else {
            return Ok(None);
        };
        let job = task((r, now, until), |x, (r, now, until)| {
            Box::pin(claim(x, r, *now, *until))
        });
        self.b.write(Write::SYSTEM.atomic(), job).await
    }

    async fn finish_role_refresh(&self, seq: i64) -> StoreResult<()> {
        let sql = "DELETE FROM role_refresh WHERE seq = $1";
        let job = task(seq, move |x, seq| {
            Box::pin(async move { x.execute(&stmt!(sql, *seq)).await.map(|_| ()) })
        });
        self.b.write(Write::SYSTEM, job).await
    }

    async fn role_refreshes_queued(&self, tenant: TenantId) -> StoreResult<u64> {
        let sql = "SELECT count(*) FROM role_refresh WHERE tenant_id = $1";
        let job = task(tenant.db_key(), move |x, t| {
            Box::pin(async move { x.one(&stmt!(sql, *t), |r| r.int(0)).await })
        });
        Ok(u64::try_from(self.b.read(true, job).await?).unwrap_or(0))
    }
}
