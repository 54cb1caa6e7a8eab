//! Deleting a tenant on PostgreSQL ([`scim_store::Store::delete_tenant`]):
//! one transaction locks the tenant's row (as a write that takes a seat
//! does), counts its resources, refuses or deletes every row of the tenant
//! but its audit log (the lookup index and memberships go with their
//! resources, `ON DELETE CASCADE`), and appends the deletion's audit
//! entry. Tenant ids come from an identity column and are never reused.

use crate::db::Fail;
use crate::journal::write_audit;
use scim_store::*;

/// The statements that delete a tenant `$1`'s rows, children first.
const DELETES: &[&str] = &[
    "DELETE FROM resources WHERE tenant_id = $1",
    "DELETE FROM trash WHERE tenant_id = $1",
    "DELETE FROM deprovisions WHERE connection_id IN (SELECT id FROM connections WHERE tenant_id = $1)",
    "DELETE FROM tokens WHERE tenant_id = $1",
    "DELETE FROM connections WHERE tenant_id = $1",
    "DELETE FROM dead_letters WHERE tenant_id = $1",
    "DELETE FROM webhooks WHERE tenant_id = $1",
    "DELETE FROM events WHERE tenant_id = $1",
    "DELETE FROM event_counters WHERE tenant_id = $1",
    "DELETE FROM admin_sessions WHERE admin_id IN (SELECT id FROM admins WHERE tenant_id = $1)",
    "DELETE FROM admins WHERE tenant_id = $1",
    "DELETE FROM tenants WHERE id = $1",
];

pub async fn delete_tenant(
    c: &mut deadpool_postgres::Object,
    tenant: TenantId,
    purge: bool,
    audit: TenantAuditFn,
) -> Result<TenantDeletion, Fail> {
    let id = tenant.db_key();
    let tx = c.transaction().await?;
    let found = tx
        .query_opt("SELECT id FROM tenants WHERE id = $1 FOR UPDATE", &[&id])
        .await?;
    if found.is_none() {
        return Ok(TenantDeletion::Missing);
    }
    let row = tx
        .query_one(
            "SELECT (SELECT count(*) FROM resources WHERE tenant_id = $1 AND kind = $2),
                    (SELECT count(*) FROM resources WHERE tenant_id = $1 AND kind = $3),
                    (SELECT count(*) FROM trash WHERE tenant_id = $1)",
            &[
                &id,
                &(ResourceKind::User.code() as i16),
                &(ResourceKind::Group.code() as i16),
            ],
        )
        .await?;
    let n = |i: usize| -> Result<u64, Fail> {
        let v: i64 = row.try_get(i)?;
        Ok(u64::try_from(v).unwrap_or(0))
    };
    let counts = ResourceCounts {
        users: n(0)?,
        groups: n(1)?,
        trashed: n(2)?,
    };
    if !counts.is_empty() && !purge {
        return Ok(TenantDeletion::Refused(counts));
    }
    for sql in DELETES {
        tx.execute(*sql, &[&id]).await?;
    }
    write_audit(&tx, id, &audit(counts)).await?;
    tx.commit().await?;
    Ok(TenantDeletion::Deleted(counts))
}
