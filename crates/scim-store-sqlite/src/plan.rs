//! Executing write plans on SQLite, inside the writer's transaction: the
//! version check, the seat limit, the circuit breaker's count, and the
//! writes that the plan already computed (`scim_store::plan`). Nothing here
//! encodes JSON or runs the service's code.

use crate::journal::write_audit;
use crate::members::apply_members;
use crate::resources::{check_seat, map_write};
use crate::sql_filter::attr_code;
use crate::writer::backend;
use rusqlite::{params, Connection, OptionalExtension};
use scim_core::resource::Version;
use scim_store::*;

/// A version column as a [`Version`].
fn version_of(column: i64) -> Version {
    Version(u64::try_from(column).unwrap_or(0))
}

/// Index rows one statement inserts at most.
const INSERT_CHUNK: usize = 64;

/// `INSERT OR IGNORE INTO idx` of `n` rows: `?1` tenant, `?2` kind, `?3`
/// seq, then attribute and value of each row.
fn insert_rows(n: usize) -> String {
    let mut sql =
        String::from("INSERT OR IGNORE INTO idx (tenant_id, kind, attr, value, seq) VALUES ");
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(&format!("(?1, ?2, ?{}, ?{}, ?3)", 4 + 2 * i, 5 + 2 * i));
    }
    sql
}

/// Inserts and deletes index rows.
pub(crate) fn write_index_delta(
    conn: &Connection,
    tenant: i64,
    kind: ResourceKind,
    seq: i64,
    delta: &IndexDelta,
) -> StoreResult<()> {
    if !delta.removed.is_empty() {
        let mut stmt = conn
            .prepare_cached(
                "DELETE FROM idx WHERE tenant_id = ?1 AND kind = ?2 AND attr = ?3 AND value = ?4 AND seq = ?5",
            )
            .map_err(backend)?;
        for (path, value) in &delta.removed {
            if let Some(code) = attr_code(kind, path) {
                stmt.execute(params![tenant, kind.code(), code, value, seq])
                    .map_err(backend)?;
            }
        }
    }
    let rows: Vec<(i64, &str)> = delta
        .added
        .iter()
        .filter_map(|(path, value)| Some((attr_code(kind, path)?, value.as_str())))
        .collect();
    // In key order: the B-tree takes them as appends, not as scattered
    // inserts.
    let mut rows = rows;
    rows.sort_unstable();
    // Many rows per statement: a user with 35,000 emails is 35,000 rows.
    for chunk in rows.chunks(INSERT_CHUNK) {
        let sql = insert_rows(chunk.len());
        let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
        let mut args: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 2 + 3);
        let code = kind.code();
        args.push(&tenant);
        args.push(&code);
        args.push(&seq);
        for (attr, value) in chunk {
            args.push(attr);
            args.push(value);
        }
        stmt.execute(args.as_slice()).map_err(backend)?;
    }
    Ok(())
}

/// Writes a prepared journal: the audit entry always, the events when
/// `changed`.
pub(crate) fn write_prepared(
    conn: &Connection,
    tenant: i64,
    journal: &PreparedJournal,
    changed: bool,
) -> StoreResult<()> {
    if let (Some(e), Some((entry, sent))) = (journal.entry(), &journal.audit) {
        conn.prepare_cached(
            "INSERT INTO audit (tenant_id, at, connection_id, status, resource_kind, resource_id, entry, sent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(backend)?
        .execute(params![
            tenant,
            e.at,
            e.connection,
            e.status,
            e.resource_type,
            e.resource_id,
            entry,
            sent
        ])
        .map_err(backend)?;
    }
    if changed {
        let events: Vec<(i64, &str)> = journal
            .journal
            .events
            .iter()
            .zip(&journal.events)
            .map(|(ev, text)| (ev.at, text.as_str()))
            .collect();
        crate::journal::insert_events(conn, tenant, &events)?;
    }
    Ok(())
}

/// Writes the audit entries of a group write's members (a prepared
/// journal's entry).
fn write_members_of(
    conn: &Connection,
    tenant: i64,
    deltas: &MemberDeltas,
    plan: &Plan,
) -> StoreResult<()> {
    let Some(group) = plan.journal.entry() else {
        return Ok(());
    };
    for d in deltas.iter() {
        write_audit(conn, tenant, &group.for_member(&d, plan.display.as_deref()))?;
    }
    Ok(())
}

/// Executes `plan` against the resource `id` of `tenant`; `None` when it is
/// gone, [`StoreError::Stale`] when its version is no longer the plan's
/// base.
pub(crate) fn execute(
    conn: &Connection,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    plan: &Plan,
) -> StoreResult<Option<Applied>> {
    let row: Option<(i64, i64, bool)> = conn
        .prepare_cached(
            "SELECT seq, version, active FROM resources WHERE tenant_id = ?1 AND kind = ?2 AND id = ?3",
        )
        .map_err(backend)?
        .query_row(params![tenant, kind.code(), id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .map_err(backend)?;
    let Some((seq, version, active)) = row else {
        return Ok(None);
    };
    if version_of(version) != plan.base {
        return Err(StoreError::Stale);
    }
    let deltas = apply_members(conn, tenant, seq, &plan.members)?;
    let mut changed = !deltas.is_empty();
    if let Some(rewrite) = &plan.doc {
        let keys = &rewrite.keys;
        if kind == ResourceKind::User && keys.active && !active {
            check_seat(conn, tenant)?;
        }
        write_index_delta(conn, tenant, kind, seq, &rewrite.index)?;
        conn.prepare_cached(
            "UPDATE resources SET doc = ?1, unique_key = ?2, display = ?3, active = ?4 WHERE seq = ?5",
        )
        .map_err(backend)?
        .execute(params![rewrite.text, keys.unique, keys.display, keys.active, seq])
        .map_err(map_write(kind))?;
        changed = true;
    }
    let mut now = plan.base;
    if changed || plan.force {
        now = plan.base.next();
        conn.prepare_cached(
            "UPDATE resources SET version = ?1, last_modified = ?2, provenance = coalesce(?3, provenance) WHERE seq = ?4",
        )
        .map_err(backend)?
        .execute(params![
            i64::try_from(now.0).unwrap_or(i64::MAX),
            plan.now.unix_millis(),
            plan.provenance_text,
            seq
        ])
        .map_err(backend)?;
        changed = true;
    }
    if changed {
        crate::breaker::count(conn, tenant, &plan.journal.journal)?;
    }
    write_prepared(conn, tenant, &plan.journal, changed)?;
    write_members_of(conn, tenant, &deltas, plan)?;
    Ok(Some(Applied {
        version: now,
        changed,
    }))
}

/// [`StoreError::Stale`] unless the resource is gone or has version `base`.
pub(crate) fn check_base(
    conn: &Connection,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    base: Option<Version>,
) -> StoreResult<()> {
    let Some(base) = base else { return Ok(()) };
    let version: Option<i64> = conn
        .prepare_cached(
            "SELECT version FROM resources WHERE tenant_id = ?1 AND kind = ?2 AND id = ?3",
        )
        .map_err(backend)?
        .query_row(params![tenant, kind.code(), id], |r| r.get(0))
        .optional()
        .map_err(backend)?;
    match version {
        Some(v) if version_of(v) != base => Err(StoreError::Stale),
        _ => Ok(()),
    }
}
