//! Reading resources: rows into [`Record`]s, with members and groups loaded
//! on request (groups through one recursive query that stops at cycles).

use crate::db::Fail;
use deadpool_postgres::GenericClient;
use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use scim_store::{GroupRef, Load, MemberRef, Record, ResourceKind, StoreError, StoreResult};
use serde_json::{Map, Value};
use tokio_postgres::Row;

/// The columns [`record`] reads, in order.
pub const COLUMNS: &str =
    "r.seq, r.kind, r.id, r.version, r.created, r.last_modified, r.body, r.provenance";

pub fn ts(ms: i64) -> StoreResult<Timestamp> {
    Timestamp::from_unix_millis(ms)
        .ok_or_else(|| StoreError::Backend(format!("bad timestamp {ms}")))
}

fn bad(what: &str) -> StoreError {
    StoreError::Backend(format!("bad {what} in the database"))
}

/// A record from a row of [`COLUMNS`], and its sequence number.
pub fn record(row: &Row) -> Result<(i64, Record), Fail> {
    let seq: i64 = row.try_get(0)?;
    let kind: i16 = row.try_get(1)?;
    let id: &str = row.try_get(2)?;
    let version: i64 = row.try_get(3)?;
    let body: &str = row.try_get(6)?;
    let doc: Map<String, Value> = serde_json::from_str(body).map_err(|_| bad("document"))?;
    Ok((
        seq,
        Record {
            kind: ResourceKind::from_code(i64::from(kind)).ok_or_else(|| bad("kind"))?,
            id: ResourceId::parse(id).ok_or_else(|| bad("id"))?,
            version: Version(u64::try_from(version).unwrap_or(0)),
            created: ts(row.try_get(4)?)?,
            last_modified: ts(row.try_get(5)?)?,
            provenance: scim_store::policy::from_text(row.try_get(7)?)?,
            doc,
            members: None,
            groups: None,
        },
    ))
}

/// The sequence number and record of a resource by id; `lock` takes the
/// row lock that makes a read-modify-write atomic (`FOR NO KEY UPDATE`).
pub async fn by_id(
    c: &impl GenericClient,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    load: Load,
    lock: bool,
) -> Result<Option<(i64, Record)>, Fail> {
    let sql = format!(
        "SELECT {COLUMNS} FROM resources r WHERE r.tenant_id = $1 AND r.kind = {} AND r.id = $2{}",
        kind.code(),
        if lock { " FOR NO KEY UPDATE" } else { "" }
    );
    let stmt = c.prepare_cached(&sql).await?;
    let Some(row) = c.query_opt(&stmt, &[&tenant, &id]).await? else {
        return Ok(None);
    };
    let (seq, mut r) = record(&row)?;
    complete(c, seq, &mut r, load).await?;
    Ok(Some((seq, r)))
}

/// The record with this sequence number.
pub async fn by_seq(c: &impl GenericClient, seq: i64, load: Load) -> Result<Record, Fail> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM resources r WHERE r.seq = $1"
        ))
        .await?;
    let row = c.query_one(&stmt, &[&seq]).await?;
    let (_, mut r) = record(&row)?;
    complete(c, seq, &mut r, load).await?;
    Ok(r)
}

/// Loads members and groups as requested.
pub async fn complete(
    c: &impl GenericClient,
    seq: i64,
    r: &mut Record,
    load: Load,
) -> Result<(), Fail> {
    if load.members && r.kind == ResourceKind::Group {
        r.members = Some(members(c, seq).await?);
    }
    if load.groups {
        r.groups = Some(groups(c, seq).await?);
    }
    Ok(())
}

async fn members(c: &impl GenericClient, seq: i64) -> Result<Vec<MemberRef>, Fail> {
    let stmt = c
        .prepare_cached("SELECT x.id, x.kind, coalesce(m.display, x.display) FROM members m JOIN resources x ON x.seq = m.member_seq WHERE m.group_seq = $1 ORDER BY m.member_seq")
        .await?;
    let mut out = Vec::new();
    for row in c.query(&stmt, &[&seq]).await? {
        let id: &str = row.try_get(0)?;
        let kind: i16 = row.try_get(1)?;
        out.push(MemberRef {
            id: ResourceId::parse(id).ok_or_else(|| bad("member id"))?,
            kind: ResourceKind::from_code(i64::from(kind)).ok_or_else(|| bad("member kind"))?,
            display: row.try_get(2)?,
        });
    }
    Ok(out)
}

/// Direct and indirect groups; a group reachable both ways counts as direct.
/// `UNION` (not `UNION ALL`) ends the walk at cycles.
pub(crate) const GROUPS: &str = "WITH RECURSIVE anc(g) AS (
    SELECT group_seq FROM members WHERE member_seq = $1
    UNION
    SELECT m.group_seq FROM members m JOIN anc ON m.member_seq = anc.g
)
SELECT x.id, x.display, EXISTS (SELECT 1 FROM members d WHERE d.member_seq = $1 AND d.group_seq = x.seq)
FROM anc JOIN resources x ON x.seq = anc.g WHERE x.seq <> $1";

async fn groups(c: &impl GenericClient, seq: i64) -> Result<Vec<GroupRef>, Fail> {
    let stmt = c.prepare_cached(GROUPS).await?;
    let mut out = Vec::new();
    for row in c.query(&stmt, &[&seq]).await? {
        let id: &str = row.try_get(0)?;
        out.push(GroupRef {
            id: ResourceId::parse(id).ok_or_else(|| bad("group id"))?,
            display: row.try_get(1)?,
            direct: row.try_get(2)?,
        });
    }
    out.sort_by(|a, b| b.direct.cmp(&a.direct).then(a.id.cmp(&b.id)));
    Ok(out)
}
