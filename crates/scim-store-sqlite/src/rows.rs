//! Reading resources: rows into [`Record`]s, with members and groups loaded
//! on request. Shared by the readers and the writer (which reads the current
//! record inside its transaction).

use crate::writer::backend;
use rusqlite::{params, Connection, OptionalExtension, Row};
use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use scim_store::{GroupRef, Load, MemberRef, Record, ResourceKind, StoreError, StoreResult};
use serde_json::{Map, Value};

/// The columns [`record`] reads, in order.
pub const COLUMNS: &str =
    "r.seq, r.kind, r.id, r.version, r.created, r.last_modified, r.doc, r.provenance";

fn ts(ms: i64) -> StoreResult<Timestamp> {
    Timestamp::from_unix_millis(ms)
        .ok_or_else(|| StoreError::Backend(format!("bad timestamp {ms}")))
}

/// A record from a row of [`COLUMNS`]; returns its sequence number too.
pub fn record(row: &Row<'_>) -> rusqlite::Result<(i64, RawRecord)> {
    Ok((
        row.get(0)?,
        RawRecord {
            kind: row.get(1)?,
            id: row.get(2)?,
            version: row.get(3)?,
            created: row.get(4)?,
            last_modified: row.get(5)?,
            doc: row.get(6)?,
            provenance: row.get(7)?,
        },
    ))
}

/// A row before parsing.
pub struct RawRecord {
    kind: i64,
    id: String,
    version: i64,
    created: i64,
    last_modified: i64,
    doc: String,
    provenance: String,
}

impl RawRecord {
    /// Parses the row into a record (members and groups not loaded).
    pub fn parse(self) -> StoreResult<Record> {
        let doc: Map<String, Value> = serde_json::from_str(&self.doc)
            .map_err(|e| StoreError::Backend(format!("bad document: {e}")))?;
        Ok(Record {
            kind: ResourceKind::from_code(self.kind)
                .ok_or_else(|| StoreError::Backend(format!("bad kind {}", self.kind)))?,
            id: ResourceId::parse(&self.id)
                .ok_or_else(|| StoreError::Backend(format!("bad id {:?}", self.id)))?,
            version: Version(u64::try_from(self.version).unwrap_or(0)),
            created: ts(self.created)?,
            last_modified: ts(self.last_modified)?,
            provenance: scim_store::policy::from_text(&self.provenance)?,
            doc,
            members: None,
            groups: None,
        })
    }
}

/// The sequence number and record of a resource by id.
pub fn by_id(
    conn: &Connection,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    load: Load,
) -> StoreResult<Option<(i64, Record)>> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM resources r WHERE r.tenant_id = ?1 AND r.kind = ?2 AND r.id = ?3"))
        .map_err(backend)?;
    let raw = stmt
        .query_row(params![tenant, kind.code(), id], record)
        .optional()
        .map_err(backend)?;
    match raw {
        None => Ok(None),
        Some((seq, raw)) => {
            let mut r = raw.parse()?;
            complete(conn, seq, &mut r, load)?;
            Ok(Some((seq, r)))
        }
    }
}

/// Loads members and groups as requested.
pub fn complete(conn: &Connection, seq: i64, r: &mut Record, load: Load) -> StoreResult<()> {
    if load.members && r.kind == ResourceKind::Group {
        r.members = Some(members(conn, seq)?);
    }
    if load.groups {
        r.groups = Some(groups(conn, seq)?);
    }
    Ok(())
}

pub(crate) fn members(conn: &Connection, seq: i64) -> StoreResult<Vec<MemberRef>> {
    let mut stmt = conn
        .prepare_cached("SELECT x.id, x.kind, coalesce(m.display, x.display) FROM members m JOIN resources x ON x.seq = m.member_seq WHERE m.group_seq = ?1 ORDER BY m.member_seq")
        .map_err(backend)?;
    let rows = stmt
        .query_map([seq], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(backend)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, kind, display) = row.map_err(backend)?;
        out.push(MemberRef {
            id: ResourceId::parse(&id)
                .ok_or_else(|| StoreError::Backend("bad member id".into()))?,
            kind: ResourceKind::from_code(kind)
                .ok_or_else(|| StoreError::Backend("bad member kind".into()))?,
            display,
        });
    }
    Ok(out)
}

/// The groups a resource is a direct member of (index `members_member`).
pub(crate) const PARENT_GROUPS: &str = "SELECT group_seq FROM members WHERE member_seq = ?1";
/// A group's id and display name, by rowid.
pub(crate) const DESCRIBE_GROUP: &str = "SELECT id, display FROM resources WHERE seq = ?1";

/// Direct and indirect groups; a group reachable both ways counts as direct.
/// A breadth-first walk over `members_member`, one indexed lookup per
/// level, so that a user in no group costs a single probe.
fn groups(conn: &Connection, seq: i64) -> StoreResult<Vec<GroupRef>> {
    let mut parents = conn.prepare_cached(PARENT_GROUPS).map_err(backend)?;
    let mut found: Vec<(i64, bool)> = Vec::new();
    let mut frontier = vec![seq];
    let mut direct = true;
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for m in frontier {
            let rows = parents
                .query_map([m], |r| r.get::<_, i64>(0))
                .map_err(backend)?;
            for g in rows {
                let g = g.map_err(backend)?;
                if g != seq && !found.iter().any(|(s, _)| *s == g) {
                    found.push((g, direct));
                    next.push(g);
                }
            }
        }
        frontier = next;
        direct = false;
    }
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let mut describe = conn.prepare_cached(DESCRIBE_GROUP).map_err(backend)?;
    let mut out = Vec::with_capacity(found.len());
    for (g, is_direct) in found {
        let (id, display): (String, Option<String>) = describe
            .query_row([g], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(backend)?;
        out.push(GroupRef {
            id: ResourceId::parse(&id).ok_or_else(|| StoreError::Backend("bad group id".into()))?,
            display,
            direct: is_direct,
        });
    }
    out.sort_by(|a, b| b.direct.cmp(&a.direct).then(a.id.cmp(&b.id)));
    Ok(out)
}
