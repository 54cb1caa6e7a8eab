//! Limits that hold inside a write's transaction (`docs/policies.md`):
//! the tenant's seat limit and the mass-deprovisioning circuit breaker.
//!
//! Both count after reading a row under the dialect's lock: where several
//! replicas write (PostgreSQL), a write that takes a seat locks the
//! tenant's row and a deprovisioning locks its connection's row (`FOR NO
//! KEY UPDATE`, which token inserts' key-share locks do not conflict
//! with), so concurrent writes through any replica count one after
//! another; where one writer runs at a time (SQLite) they are one after
//! another already.

use crate::exec::{Exec, Fail};
use crate::journal::write_journal;
use crate::stmt;
use scim_core::timestamp::Timestamp;
use scim_store::policy::{from_text, to_text};
use scim_store::{ConnectionPolicy, Journal, StoreError};

/// Fails with [`StoreError::NoSeat`] unless one more user of the tenant
/// may be active.
pub async fn check_seat(x: &mut dyn Exec, tenant: i64) -> Result<(), Fail> {
    let sql = "SELECT seat_limit FROM tenants WHERE id = $1";
    let limit = x
        .opt(&stmt!(sql, tenant), |r| r.opt_int(0))
        .await?
        .flatten();
    let Some(mut limit) = limit else {
        return Ok(());
    };
    let lock = x.dialect().lock();
    if !lock.is_empty() {
        let s = stmt!(format!("{sql}{lock}"), tenant);
        let locked = x.opt(&s, |r| r.opt_int(0)).await?.flatten();
        let Some(l) = locked else { return Ok(()) };
        limit = l;
    }
    let used = "SELECT count(*) FROM resources WHERE tenant_id = $1 AND kind = 0 AND active = TRUE";
    let used = x.count(&stmt!(used, tenant)).await?;
    let limit = u64::try_from(limit).unwrap_or(0);
    if used >= limit {
        return Err(Fail::Store(StoreError::NoSeat(limit)));
    }
    Ok(())
}

/// A connection's tenant and policy, its row locked.
async fn policy_of(
    x: &mut dyn Exec,
    connection: i64,
) -> Result<Option<(i64, ConnectionPolicy)>, Fail> {
    let sql = format!(
        "SELECT tenant_id, policy FROM connections WHERE id = $1{}",
        x.dialect().lock()
    );
    let row = x
        .opt(&stmt!(sql, connection), |r| Ok((r.int(0)?, r.string(1)?)))
        .await?;
    row.map(|(t, p)| Ok((t, from_text(&p)?))).transpose()
}

/// Counts the deprovisioning a write's journal carries, after the write
/// and before its commit (so the users counted are those after it); fails
/// with [`StoreError::Breaker`], which rolls the write back, when the
/// connection is paused or its window's allowance is used up.
pub async fn count(x: &mut dyn Exec, tenant: i64, journal: &Journal) -> Result<(), Fail> {
    let Some(d) = &journal.deprovision else {
        return Ok(());
    };
    let c = d.connection.db_key();
    let Some((_, policy)) = policy_of(x, c).await? else {
        return Ok(());
    };
    let since = d.window_start(policy.released_at);
    let prune = "DELETE FROM deprovisions WHERE connection_id = $1 AND at < $2";
    x.execute(&stmt!(prune, c, since)).await?;
    let counted = "SELECT count(*) FROM deprovisions WHERE connection_id = $1";
    let counted = x.count(&stmt!(counted, c)).await?;
    let users = x.count(&stmt!(x.dialect().users(), tenant)).await?;
    d.admit(&policy, counted, users)?;
    let note = "INSERT INTO deprovisions (connection_id, at) VALUES ($1, $2)";
    x.execute(&stmt!(note, c, d.at.unix_millis())).await?;
    Ok(())
}

/// Pauses a connection unless it is paused, committing `alert` with it.
pub async fn pause(
    x: &mut dyn Exec,
    connection: i64,
    at: Timestamp,
    alert: &Journal,
) -> Result<bool, Fail> {
    let Some((tenant, mut policy)) = policy_of(x, connection).await? else {
        return Ok(false);
    };
    if policy.paused_since.is_some() {
        return Ok(false);
    }
    policy.paused_since = Some(at.unix_millis());
    let sql = "UPDATE connections SET policy = $1 WHERE id = $2";
    x.execute(&stmt!(sql, to_text(&policy)?, connection))
        .await?;
    write_journal(x, tenant, alert, true).await?;
    Ok(true)
}
