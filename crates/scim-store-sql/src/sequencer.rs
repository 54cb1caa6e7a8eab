//! Numbering events after their commit, where writers commit in parallel
//! (PostgreSQL, [`crate::Dialect::numbers_events_later`]).
//!
//! A tenant's events are numbered 1, 2, 3 … and a reader (the feed, a
//! webhook's delivery) follows the numbers: it must never see number
//! *n + 1* while *n* could still appear. Numbers taken at insert (an
//! identity, a counter) would need the inserts to commit in their order:
//! writers used to serialize on a lock from their event insert to their
//! commit. They now insert their events unnumbered and take no lock for
//! them. Whoever reads the tenant's events first numbers the ones
//! committed so far, appending to the tenant's counter (`event_counters`,
//! whose row it locks) in one transaction: a number is given once, only
//! to a committed event, and always after every number given before, so
//! the numbered events are a prefix that only grows. Two readers number
//! one after the other; the row lock is taken in a statement before the
//! one that reads the events, so the second sees what the first numbered.
//!
//! Order: events committed in one numbering are numbered in their insert
//! order (`seq`). A write that starts after another committed (the next
//! write of a client, or a write of the same resource, which waits on its
//! row lock) inserts its events after the other's commit, so its events
//! are numbered after the other's, in the same numbering or a later one:
//! what one write causes follows what caused it. Writes that overlap in
//! time have no order to keep.

use crate::exec::{Exec, Fail};
use crate::stmt;
use scim_core::timestamp::Timestamp;

/// Events numbered in one transaction at most: a read numbers one chunk
/// (at least a page of the feed, `MAX_COUNT`), so its cost does not grow
/// with a backlog, which later reads (and retention) number further.
pub const CHUNK: i64 = 1_000;

/// Whether the tenant has committed events to number (one probe of the
/// partial index `events_unnumbered`).
pub async fn pending(x: &mut dyn Exec, tenant: i64) -> Result<bool, Fail> {
    if !x.dialect().numbers_events_later() {
        return Ok(false);
    }
    let sql = "SELECT seq FROM events WHERE tenant_id = $1 AND tenant_seq IS NULL LIMIT 1";
    Ok(x.opt(&stmt!(sql, tenant), |r| r.int(0)).await?.is_some())
}

/// The tenants with events written before `before` still unnumbered
/// (which retention must number before it can expire them).
pub async fn unnumbered_tenants(x: &mut dyn Exec, before: Timestamp) -> Result<Vec<i64>, Fail> {
    if !x.dialect().numbers_events_later() {
        return Ok(Vec::new());
    }
    let sql = "SELECT DISTINCT tenant_id FROM events WHERE tenant_seq IS NULL AND at < $1";
    x.all(&stmt!(sql, before.unix_millis()), |r| r.int(0)).await
}

/// Numbers at most [`CHUNK`] of the tenant's committed events, in one
/// transaction; how many it numbered.
pub async fn number(x: &mut dyn Exec, tenant: i64) -> Result<u64, Fail> {
    if !x.dialect().numbers_events_later() {
        return Ok(0);
    }
    let create = "INSERT INTO event_counters (tenant_id, last) VALUES ($1, 0) ON CONFLICT (tenant_id) DO NOTHING";
    x.execute(&stmt!(create, tenant)).await?;
    let lock = "SELECT last FROM event_counters WHERE tenant_id = $1 FOR UPDATE";
    let last = x.one(&stmt!(lock, tenant), |r| r.int(0)).await?;
    let sql = "UPDATE events e SET tenant_seq = $2 + p.n
         FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM events
               WHERE tenant_id = $1 AND tenant_seq IS NULL ORDER BY seq LIMIT $3) p
         WHERE e.seq = p.seq";
    let n = x.execute(&stmt!(sql, tenant, last, CHUNK)).await?;
    if n > 0 {
        let save = "UPDATE event_counters SET last = $2 WHERE tenant_id = $1";
        let to = last.saturating_add(i64::try_from(n).unwrap_or(i64::MAX));
        x.execute(&stmt!(save, tenant, to)).await?;
    }
    Ok(n)
}
