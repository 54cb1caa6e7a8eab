//! Group memberships on SQLite: applying a write's `MemberChange`s and
//! collecting the members actually added or removed (`MemberDeltas`: the
//! work is the size of the change, not of the group), for whom the plan's
//! executor (`plan.rs`) records an entry on each member's own timeline.

use crate::writer::backend;
use rusqlite::{params, Connection, OptionalExtension};
use scim_store::*;

/// The seq and kind of each member, or `MissingMember`.
fn member_refs(
    conn: &Connection,
    tenant: i64,
    members: &[NewMember],
) -> StoreResult<Vec<(i64, ResourceKind)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, kind FROM resources WHERE tenant_id = ?1 AND kind IN (0, 1) AND id = ?2",
        )
        .map_err(backend)?;
    members
        .iter()
        .map(|NewMember { id, .. }| {
            let (seq, code): (i64, i64) = stmt
                .query_row(params![tenant, id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => {
                        StoreError::MissingMember(id.to_string())
                    }
                    other => backend(other),
                })?;
            let kind = ResourceKind::from_code(code)
                .ok_or_else(|| StoreError::Backend(format!("bad kind {code}")))?;
            Ok((seq, kind))
        })
        .collect()
}

/// A group's current members: seq, kind and id.
fn current_members(conn: &Connection, group: i64) -> StoreResult<Vec<(i64, ResourceKind, String)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT m.member_seq, r.kind, r.id FROM members m JOIN resources r ON r.seq = m.member_seq WHERE m.group_seq = ?1",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map([group], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(backend)?;
    rows.map(|r| {
        let (seq, code, id) = r.map_err(backend)?;
        let kind = ResourceKind::from_code(code)
            .ok_or_else(|| StoreError::Backend(format!("bad kind {code}")))?;
        Ok((seq, kind, id))
    })
    .collect()
}

/// Applies membership changes; returns the members added and removed.
pub(crate) fn apply_members(
    conn: &Connection,
    tenant: i64,
    group: i64,
    changes: &[MemberChange],
) -> StoreResult<MemberDeltas> {
    let mut deltas = MemberDeltas::default();
    // A member already in the group keeps the display it was added with.
    let insert =
        "INSERT OR IGNORE INTO members (group_seq, member_seq, display) VALUES (?1, ?2, ?3)";
    let delete = "DELETE FROM members WHERE group_seq = ?1 AND member_seq = ?2";
    for change in changes {
        match change {
            MemberChange::Add(ids) => {
                let mut stmt = conn.prepare_cached(insert).map_err(backend)?;
                for (new, (m, kind)) in ids.iter().zip(member_refs(conn, tenant, ids)?) {
                    if stmt
                        .execute(params![group, m, new.display])
                        .map_err(backend)?
                        > 0
                    {
                        deltas.added(kind, new.id.as_str());
                    }
                }
            }
            MemberChange::Remove(ids) => {
                let mut find = conn
                    .prepare_cached("SELECT seq, kind FROM resources WHERE tenant_id = ?1 AND kind IN (0, 1) AND id = ?2")
                    .map_err(backend)?;
                let mut del = conn.prepare_cached(delete).map_err(backend)?;
                for id in ids {
                    let found: Option<(i64, i64)> = find
                        .query_row(params![tenant, id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                        .map_err(backend)?;
                    let Some((m, code)) = found else { continue };
                    if del.execute(params![group, m]).map_err(backend)? > 0 {
                        if let Some(kind) = ResourceKind::from_code(code) {
                            deltas.removed(kind, id.as_str());
                        }
                    }
                }
            }
            MemberChange::RemoveAll => {
                for (_, kind, id) in current_members(conn, group)? {
                    deltas.removed(kind, &id);
                }
                conn.execute("DELETE FROM members WHERE group_seq = ?1", [group])
                    .map_err(backend)?;
            }
            MemberChange::ReplaceAll(ids) => {
                let wanted: Vec<(i64, ResourceKind, &NewMember)> = ids
                    .iter()
                    .zip(member_refs(conn, tenant, ids)?)
                    .map(|(new, (m, kind))| (m, kind, new))
                    .collect();
                let wanted_seqs: std::collections::HashSet<i64> =
                    wanted.iter().map(|w| w.0).collect();
                let current = current_members(conn, group)?;
                let current_seqs: std::collections::HashSet<i64> =
                    current.iter().map(|c| c.0).collect();
                let mut del = conn.prepare_cached(delete).map_err(backend)?;
                for (m, kind, id) in &current {
                    if !wanted_seqs.contains(m)
                        && del.execute(params![group, m]).map_err(backend)? > 0
                    {
                        deltas.removed(*kind, id);
                    }
                }
                let mut ins = conn.prepare_cached(insert).map_err(backend)?;
                for (m, kind, new) in wanted {
                    if !current_seqs.contains(&m)
                        && ins
                            .execute(params![group, m, new.display])
                            .map_err(backend)?
                            > 0
                    {
                        deltas.added(kind, new.id.as_str());
                    }
                }
            }
        }
    }
    Ok(deltas)
}
