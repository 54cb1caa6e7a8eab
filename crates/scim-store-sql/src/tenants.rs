//! Deleting a tenant (`scim_store::Store::delete_tenant`): one transaction
//! locks the tenant's row (where rows are locked), counts its resources,
//! refuses or deletes every row of the tenant but its audit log, and
//! appends the deletion's audit entry. Tenant ids are never reused (see
//! [`crate::Dialect::new_tenant_id`]), so a later tenant never sees a
//! deleted one's audit log.

use crate::exec::{Exec, Fail};
use crate::journal::write_audit;
use crate::stmt;
use scim_store::*;
use std::sync::Mutex;

/// The statements that delete a tenant `$1`'s rows but its resources,
/// children first.
const DELETES: &[&str] = &[
    "DELETE FROM trash WHERE tenant_id = $1",
    "DELETE FROM deprovisions WHERE connection_id IN (SELECT id FROM connections WHERE tenant_id = $1)",
    "DELETE FROM tokens WHERE tenant_id = $1",
    "DELETE FROM undefined_attributes WHERE connection_id IN (SELECT id FROM connections WHERE tenant_id = $1)",
    "DELETE FROM connections WHERE tenant_id = $1",
    "DELETE FROM dead_letters WHERE tenant_id = $1",
    "DELETE FROM webhooks WHERE tenant_id = $1",
    "DELETE FROM events WHERE tenant_id = $1",
    "DELETE FROM event_counters WHERE tenant_id = $1",
    "DELETE FROM provlog WHERE tenant_id = $1",
    "DELETE FROM admin_sessions WHERE admin_id IN (SELECT id FROM admins WHERE tenant_id = $1)",
    "DELETE FROM admins WHERE tenant_id = $1",
    "DELETE FROM schema_extensions WHERE tenant_id = $1",
    "DELETE FROM role_mappings WHERE tenant_id = $1",
    "DELETE FROM role_refresh WHERE tenant_id = $1",
    "DELETE FROM tenants WHERE id = $1",
];

/// Where deleting a resource leaves its index rows and memberships.
const BY_HAND: &[&str] = &[
    "DELETE FROM members WHERE group_seq IN (SELECT seq FROM resources WHERE tenant_id = $1)
        OR member_seq IN (SELECT seq FROM resources WHERE tenant_id = $1)",
    "DELETE FROM idx WHERE tenant_id = $1",
];

/// The audit entry of a deletion: made once, from what the transaction
/// counted (a retried transaction that counts the same uses it again).
pub struct Audit(Mutex<AuditState>);

/// The function that makes the entry, until it made it.
struct AuditState {
    make: Option<TenantAuditFn>,
    made: Option<(ResourceCounts, AuditEntry)>,
}

impl Audit {
    pub fn new(make: TenantAuditFn) -> Audit {
        Audit(Mutex::new(AuditState {
            make: Some(make),
            made: None,
        }))
    }

    fn entry(&self, counts: ResourceCounts) -> Result<AuditEntry, Fail> {
        let lost = || Fail::db("the tenant's audit entry is gone");
        let mut state = self.0.lock().map_err(|_| lost())?;
        if let Some(make) = state.make.take() {
            state.made = Some((counts, make(counts)));
        }
        match &state.made {
            Some((made, entry)) if *made == counts => Ok(entry.clone()),
            _ => Err(StoreError::Busy.into()),
        }
    }
}

/// Deletes a tenant (see the module docs).
pub async fn delete_tenant(
    x: &mut dyn Exec,
    tenant: TenantId,
    purge: bool,
    audit: &Audit,
) -> Result<TenantDeletion, Fail> {
    let d = x.dialect();
    let id = tenant.db_key();
    let lock = format!("SELECT id FROM tenants WHERE id = $1{}", d.lock_to_delete());
    if x.opt(&stmt!(lock, id), |r| r.int(0)).await?.is_none() {
        return Ok(TenantDeletion::Missing);
    }
    let sql = "SELECT (SELECT count(*) FROM resources WHERE tenant_id = $1 AND kind = 0),
            (SELECT count(*) FROM resources WHERE tenant_id = $1 AND kind = 1),
            (SELECT count(*) FROM trash WHERE tenant_id = $1)";
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    let counts = x
        .one(&stmt!(sql, id), |r| {
            Ok(ResourceCounts {
                users: n(r.int(0)?),
                groups: n(r.int(1)?),
                trashed: n(r.int(2)?),
            })
        })
        .await?;
    if !counts.is_empty() && !purge {
        return Ok(TenantDeletion::Refused(counts));
    }
    let by_hand = if d.cascades() { &[][..] } else { BY_HAND };
    for sql in by_hand {
        x.execute(&stmt!(*sql, id)).await?;
    }
    x.execute(&stmt!("DELETE FROM resources WHERE tenant_id = $1", id))
        .await?;
    if let Some(table) = d.counts_table() {
        let sql = format!("DELETE FROM {table} WHERE tenant_id = $1");
        x.execute(&stmt!(sql, id)).await?;
    }
    for sql in DELETES {
        x.execute(&stmt!(*sql, id)).await?;
    }
    write_audit(x, id, &audit.entry(counts)?).await?;
    Ok(TenantDeletion::Deleted(counts))
}
