//! The soft-delete trash on SQLite: a deleted resource moves into the
//! `trash` table in the same transaction that removes it, keeps its
//! document and provenance until `purge_after`, and can be restored with
//! its id, creation time and a newer version. Memberships are not kept.

use crate::journal::write_journal;
use crate::resources::{check_seat, map_write, remove, to_json, write_index};
use crate::rows;
use crate::ts;
use crate::writer::backend;
use rusqlite::{params, Connection, OptionalExtension};
use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use scim_store::policy::{from_text, to_text};
use scim_store::*;

/// Moves a resource into the trash; `false` if there is none.
pub fn trash(
    conn: &Connection,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    deleted: Timestamp,
    purge_after: Timestamp,
) -> StoreResult<bool> {
    let Some(row) = remove(conn, tenant, kind, id)? else {
        return Ok(false);
    };
    conn.prepare_cached(
        "INSERT OR REPLACE INTO trash (tenant_id, kind, id, display, created, version, deleted, purge_after, doc, provenance)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .map_err(backend)?
    .execute(params![
        tenant,
        kind.code(),
        id,
        row.display,
        row.created,
        row.version,
        deleted.unix_millis(),
        purge_after.unix_millis(),
        row.doc,
        row.provenance
    ])
    .map_err(backend)?;
    Ok(true)
}

type TrashRow = (String, Option<String>, i64, i64, i64, i64, String, String);

fn trash_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TrashRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn trashed(kind: ResourceKind, row: TrashRow) -> StoreResult<Trashed> {
    let (id, display, created, version, deleted, purge_after, doc, provenance) = row;
    Ok(Trashed {
        kind,
        id: ResourceId::parse(&id).ok_or_else(|| StoreError::Backend("bad id in trash".into()))?,
        display,
        created: ts(created)?,
        version: Version(u64::try_from(version).unwrap_or(0)),
        deleted: ts(deleted)?,
        purge_after: ts(purge_after)?,
        doc: serde_json::from_str(&doc)
            .map_err(|e| StoreError::Backend(format!("bad document in trash: {e}")))?,
        provenance: from_text(&provenance)?,
    })
}

const COLUMNS: &str = "id, display, created, version, deleted, purge_after, doc, provenance";

/// A tenant's trashed resources of a kind, newest first.
pub fn list(conn: &Connection, tenant: i64, kind: ResourceKind) -> StoreResult<Vec<Trashed>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM trash WHERE tenant_id = ?1 AND kind = ?2 ORDER BY deleted DESC, id"
        ))
        .map_err(backend)?;
    let rows = stmt
        .query_map(params![tenant, kind.code()], trash_row)
        .map_err(backend)?;
    rows.map(|r| r.map_err(backend).and_then(|r| trashed(kind, r)))
        .collect()
}

/// Puts a trashed resource back; `None` if it is not in the trash.
pub fn restore(
    conn: &Connection,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    keys: &IndexKeys,
    provenance: &Provenance,
    now: Timestamp,
) -> StoreResult<Option<Record>> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM trash WHERE tenant_id = ?1 AND kind = ?2 AND id = ?3"
        ))
        .map_err(backend)?
        .query_row(params![tenant, kind.code(), id], trash_row)
        .optional()
        .map_err(backend)?;
    let Some(row) = found else { return Ok(None) };
    let old = trashed(kind, row)?;
    if kind == ResourceKind::User && keys.active {
        check_seat(conn, tenant)?;
    }
    conn.prepare_cached(
        "INSERT INTO resources (tenant_id, kind, id, version, created, last_modified, unique_key, display, active, doc, provenance)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .map_err(backend)?
    .execute(params![
        tenant,
        kind.code(),
        id,
        i64::try_from(old.version.next().0).unwrap_or(i64::MAX),
        old.created.unix_millis(),
        now.unix_millis(),
        keys.unique,
        keys.display,
        keys.active,
        to_json(&old.doc)?,
        to_text(provenance)?
    ])
    .map_err(map_write(kind))?;
    let seq = conn.last_insert_rowid();
    write_index(conn, tenant, kind, seq, keys, true)?;
    conn.prepare_cached("DELETE FROM trash WHERE tenant_id = ?1 AND kind = ?2 AND id = ?3")
        .map_err(backend)?
        .execute(params![tenant, kind.code(), id])
        .map_err(backend)?;
    Ok(rows::by_id(conn, tenant, kind, id, Load::NONE)?.map(|(_, r)| r))
}

/// Removes one trashed resource now; `false` if it is not in the trash.
pub fn purge_one(
    conn: &Connection,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
) -> StoreResult<bool> {
    let n = conn
        .prepare_cached("DELETE FROM trash WHERE tenant_id = ?1 AND kind = ?2 AND id = ?3")
        .map_err(backend)?
        .execute(params![tenant, kind.code(), id])
        .map_err(backend)?;
    Ok(n > 0)
}

/// Removes every trashed resource whose retention ended at `now`, with
/// an audit entry for each (`audit` completed with its resource).
pub fn purge(conn: &Connection, now: Timestamp, audit: &AuditEntry) -> StoreResult<u64> {
    let gone: Vec<(i64, i64, String)> = {
        let mut stmt = conn
            .prepare_cached(
                "DELETE FROM trash WHERE purge_after <= ?1 RETURNING tenant_id, kind, id",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map([now.unix_millis()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(backend)?;
        rows.collect::<rusqlite::Result<_>>().map_err(backend)?
    };
    for (tenant, kind, id) in &gone {
        let entry = AuditEntry {
            resource_type: ResourceKind::from_code(*kind).map(|k| k.name().to_string()),
            resource_id: Some(id.clone()),
            ..audit.clone()
        };
        let journal = Journal {
            audit: Some(entry),
            ..Journal::default()
        };
        write_journal(conn, *tenant, &journal, true)?;
    }
    Ok(gone.len() as u64)
}
