//! Deleting a tenant on SQLite ([`scim_store::Store::delete_tenant`]): one
//! write transaction counts its resources, refuses or deletes every row
//! of the tenant but its audit log, and appends the deletion's audit
//! entry. Tenant ids are never reused (`next_tenant_id`), so a new tenant
//! never sees a deleted one's audit log.

use crate::journal::write_audit;
use crate::writer::backend;
use rusqlite::{params, Connection};
use scim_store::*;

/// The id a new tenant gets: above every tenant id the database has seen,
/// including those of deleted tenants whose audit logs remain.
pub const NEXT_TENANT_ID: &str = "(SELECT max(coalesce((SELECT max(id) FROM tenants), 0), \
     coalesce((SELECT max(tenant_id) FROM audit), 0)) + 1)";

/// The statements that delete a tenant `?1`'s rows, children first.
const DELETES: &[&str] = &[
    "DELETE FROM members WHERE group_seq IN (SELECT seq FROM resources WHERE tenant_id = ?1)
        OR member_seq IN (SELECT seq FROM resources WHERE tenant_id = ?1)",
    "DELETE FROM idx WHERE tenant_id = ?1",
    "DELETE FROM resources WHERE tenant_id = ?1",
    "DELETE FROM resource_counts WHERE tenant_id = ?1",
    "DELETE FROM trash WHERE tenant_id = ?1",
    "DELETE FROM deprovisions WHERE connection_id IN (SELECT id FROM connections WHERE tenant_id = ?1)",
    "DELETE FROM tokens WHERE tenant_id = ?1",
    "DELETE FROM connections WHERE tenant_id = ?1",
    "DELETE FROM dead_letters WHERE tenant_id = ?1",
    "DELETE FROM webhooks WHERE tenant_id = ?1",
    "DELETE FROM events WHERE tenant_id = ?1",
    "DELETE FROM event_counters WHERE tenant_id = ?1",
    "DELETE FROM admin_sessions WHERE admin_id IN (SELECT id FROM admins WHERE tenant_id = ?1)",
    "DELETE FROM admins WHERE tenant_id = ?1",
    "DELETE FROM tenants WHERE id = ?1",
];

/// Runs in the writer's transaction.
pub fn delete_tenant(
    c: &Connection,
    tenant: TenantId,
    purge: bool,
    audit: TenantAuditFn,
) -> StoreResult<TenantDeletion> {
    let id = tenant.db_key();
    let exists: bool = c
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ?1)",
            [id],
            |r| r.get(0),
        )
        .map_err(backend)?;
    if !exists {
        return Ok(TenantDeletion::Missing);
    }
    let count = |sql: &str, args: &[&dyn rusqlite::ToSql]| -> StoreResult<u64> {
        let n: i64 = c.query_row(sql, args, |r| r.get(0)).map_err(backend)?;
        Ok(u64::try_from(n).unwrap_or(0))
    };
    let of_kind = "SELECT count(*) FROM resources WHERE tenant_id = ?1 AND kind = ?2";
    let counts = ResourceCounts {
        users: count(of_kind, params![id, ResourceKind::User.code()])?,
        groups: count(of_kind, params![id, ResourceKind::Group.code()])?,
        trashed: count(
            "SELECT count(*) FROM trash WHERE tenant_id = ?1",
            params![id],
        )?,
    };
    if !counts.is_empty() && !purge {
        return Ok(TenantDeletion::Refused(counts));
    }
    for sql in DELETES {
        c.execute(sql, [id]).map_err(backend)?;
    }
    write_audit(c, id, &audit(counts))?;
    Ok(TenantDeletion::Deleted(counts))
}
