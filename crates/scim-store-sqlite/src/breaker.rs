//! The mass-deprovisioning circuit breaker on SQLite (`docs/policies.md`):
//! a write that deprovisions a user counts it here, inside the writer's
//! transaction, after reading the connection's pause state there. The
//! single writer runs one job at a time, so concurrent deprovisionings are
//! counted one after another and never pass the window's allowance.

use crate::journal::write_journal;
use crate::writer::backend;
use rusqlite::{params, Connection, OptionalExtension};
use scim_core::timestamp::Timestamp;
use scim_store::policy::{from_text, to_text};
use scim_store::{ConnectionPolicy, Journal, StoreResult};

fn policy_of(conn: &Connection, connection: i64) -> StoreResult<Option<(i64, ConnectionPolicy)>> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT tenant_id, policy FROM connections WHERE id = ?1")
        .map_err(backend)?
        .query_row([connection], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(backend)?;
    row.map(|(t, p)| Ok((t, from_text(&p)?))).transpose()
}

/// Counts the deprovisioning a write's journal carries, after the write
/// (so `users` is the tenant's users after it); fails with
/// [`scim_store::StoreError::Breaker`], which rolls the job back, when the
/// connection is paused or its window's allowance is used up.
pub(crate) fn count(conn: &Connection, tenant: i64, journal: &Journal) -> StoreResult<()> {
    let Some(d) = &journal.deprovision else {
        return Ok(());
    };
    let Some((_, policy)) = policy_of(conn, d.connection.db_key())? else {
        return Ok(());
    };
    let c = d.connection.db_key();
    let since = d.window_start(policy.released_at);
    conn.prepare_cached("DELETE FROM deprovisions WHERE connection_id = ?1 AND at < ?2")
        .map_err(backend)?
        .execute(params![c, since])
        .map_err(backend)?;
    let counted: i64 = conn
        .prepare_cached("SELECT count(*) FROM deprovisions WHERE connection_id = ?1")
        .map_err(backend)?
        .query_row([c], |r| r.get(0))
        .map_err(backend)?;
    let users: Option<i64> = conn
        .prepare_cached("SELECT n FROM resource_counts WHERE tenant_id = ?1 AND kind = 0")
        .map_err(backend)?
        .query_row([tenant], |r| r.get(0))
        .optional()
        .map_err(backend)?;
    let users = u64::try_from(users.unwrap_or(0)).unwrap_or(0);
    d.admit(&policy, u64::try_from(counted).unwrap_or(0), users)?;
    conn.prepare_cached("INSERT INTO deprovisions (connection_id, at) VALUES (?1, ?2)")
        .map_err(backend)?
        .execute(params![c, d.at.unix_millis()])
        .map_err(backend)?;
    Ok(())
}

/// Pauses a connection unless it is paused, committing `alert` with it.
pub(crate) fn pause(
    conn: &Connection,
    connection: i64,
    at: Timestamp,
    alert: &Journal,
) -> StoreResult<bool> {
    let Some((tenant, mut policy)) = policy_of(conn, connection)? else {
        return Ok(false);
    };
    if policy.paused_since.is_some() {
        return Ok(false);
    }
    policy.paused_since = Some(at.unix_millis());
    conn.prepare_cached("UPDATE connections SET policy = ?1 WHERE id = ?2")
        .map_err(backend)?
        .execute(params![to_text(&policy)?, connection])
        .map_err(backend)?;
    write_journal(conn, tenant, alert, true)?;
    Ok(true)
}
