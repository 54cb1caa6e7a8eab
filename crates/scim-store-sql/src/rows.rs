//! Reading resources: rows into [`Record`]s, with members and groups
//! loaded on request.
//!
//! A resource's groups (direct and through nested groups) are one
//! recursive query where a statement is a round trip ([`GROUPS`]), and a
//! breadth-first walk, one indexed probe per level, where statements run
//! in the process ([`PARENT_GROUPS`], [`DESCRIBE_GROUP`]): a user in no
//! group then costs a single probe.

use crate::exec::{Exec, Fail, Row};
use crate::stmt;
use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use scim_store::{GroupRef, Load, MemberRef, Record, ResourceKind, StoreError, StoreResult};
use serde_json::{Map, Value};

/// A timestamp column.
pub fn ts(ms: i64) -> StoreResult<Timestamp> {
    Timestamp::from_unix_millis(ms)
        .ok_or_else(|| StoreError::Backend(format!("bad timestamp {ms}")))
}

/// A timestamp column that may be NULL.
pub fn opt_ts(ms: Option<i64>) -> StoreResult<Option<Timestamp>> {
    ms.map(ts).transpose()
}

/// A version column.
pub fn version(column: i64) -> Version {
    Version(u64::try_from(column).unwrap_or(0))
}

/// A version for a column.
pub fn version_column(v: Version) -> i64 {
    i64::try_from(v.0).unwrap_or(i64::MAX)
}

pub(crate) fn bad(what: &str) -> Fail {
    Fail::Store(StoreError::Backend(format!("bad {what} in the database")))
}

/// A resource kind column.
pub fn kind(code: i64) -> Result<ResourceKind, Fail> {
    ResourceKind::from_code(code).ok_or_else(|| bad("kind"))
}

/// A resource id column.
pub fn id(text: &str) -> Result<ResourceId, Fail> {
    ResourceId::parse(text).ok_or_else(|| bad("id"))
}

/// A document column.
pub fn doc(text: &str) -> Result<Map<String, Value>, Fail> {
    serde_json::from_str(text).map_err(|_| bad("document"))
}

/// A record from a row of [`crate::Dialect::record_columns`], and its
/// sequence number.
pub fn record(r: &dyn Row) -> Result<(i64, Record), Fail> {
    Ok((
        r.int(0)?,
        Record {
            kind: kind(r.int(1)?)?,
            id: id(r.str(2)?)?,
            version: version(r.int(3)?),
            created: ts(r.int(4)?)?,
            last_modified: ts(r.int(5)?)?,
            doc: doc(r.str(6)?)?,
            provenance: scim_store::policy::from_text(r.str(7)?)?,
            members: None,
            groups: None,
        },
    ))
}

/// The sequence number and record of a resource by id.
pub async fn by_id(
    x: &mut dyn Exec,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    load: Load,
) -> Result<Option<(i64, Record)>, Fail> {
    let sql = format!(
        "SELECT {} FROM resources r WHERE r.tenant_id = $1 AND r.kind = {} AND r.id = $2",
        x.dialect().record_columns(),
        kind.code()
    );
    let Some((seq, mut r)) = x.opt(&stmt!(sql, tenant, id), record).await? else {
        return Ok(None);
    };
    complete(x, seq, &mut r, load).await?;
    Ok(Some((seq, r)))
}

/// Loads members and groups as requested.
pub async fn complete(x: &mut dyn Exec, seq: i64, r: &mut Record, load: Load) -> Result<(), Fail> {
    if load.members && r.kind == ResourceKind::Group {
        r.members = Some(members(x, seq).await?);
    }
    if load.groups {
        r.groups = Some(groups(x, seq).await?);
    }
    Ok(())
}

/// A group's members, with the display each was added with (else its
/// name).
pub async fn members(x: &mut dyn Exec, seq: i64) -> Result<Vec<MemberRef>, Fail> {
    let sql = "SELECT x.id, x.kind, coalesce(m.display, x.display) FROM members m JOIN resources x ON x.seq = m.member_seq WHERE m.group_seq = $1 ORDER BY m.member_seq";
    x.all(&stmt!(sql, seq), |r| {
        Ok(MemberRef {
            id: id(r.str(0)?)?,
            kind: kind(r.int(1)?)?,
            display: r.opt_string(2)?,
        })
    })
    .await
}

/// Direct and indirect groups, in one statement. `UNION` (not `UNION
/// ALL`) ends the walk at cycles; a group reachable both ways is direct.
/// Each group's row is read by its key (`LATERAL … OFFSET 0`, which the
/// planner may not flatten into a join): as a join, a plan prepared while
/// `members` had no statistics hashed the whole `resources` table for
/// every user in a group (700 ms a page of 100 users at 10k).
pub const GROUPS: &str = "WITH RECURSIVE anc(g) AS (
    SELECT group_seq FROM members WHERE member_seq = $1
    UNION
    SELECT m.group_seq FROM members m JOIN anc ON m.member_seq = anc.g
)
SELECT x.id, x.display, EXISTS (SELECT 1 FROM members d WHERE d.member_seq = $1 AND d.group_seq = x.seq)
FROM anc CROSS JOIN LATERAL (SELECT r.seq, r.id, r.display FROM resources r WHERE r.seq = anc.g AND r.seq <> $1 OFFSET 0) x";

/// The groups a resource is a direct member of (index `members_member`).
pub const PARENT_GROUPS: &str = "SELECT group_seq FROM members WHERE member_seq = $1";
/// A group's id and display name, by its sequence number.
pub const DESCRIBE_GROUP: &str = "SELECT id, display FROM resources WHERE seq = $1";

/// Direct and indirect groups, direct first, then by id.
async fn groups(x: &mut dyn Exec, seq: i64) -> Result<Vec<GroupRef>, Fail> {
    let mut out = if x.dialect().arrays() {
        x.all(&stmt!(GROUPS, seq), |r| {
            Ok(GroupRef {
                id: id(r.str(0)?)?,
                display: r.opt_string(1)?,
                direct: r.bool(2)?,
            })
        })
        .await?
    } else {
        walk_groups(x, seq).await?
    };
    out.sort_by(|a, b| b.direct.cmp(&a.direct).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// [`groups`] level by level.
async fn walk_groups(x: &mut dyn Exec, seq: i64) -> Result<Vec<GroupRef>, Fail> {
    let mut found: Vec<(i64, bool)> = Vec::new();
    let mut frontier = vec![seq];
    let mut direct = true;
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for m in frontier {
            for g in x.all(&stmt!(PARENT_GROUPS, m), |r| r.int(0)).await? {
                if g != seq && !found.iter().any(|(s, _)| *s == g) {
                    found.push((g, direct));
                    next.push(g);
                }
            }
        }
        frontier = next;
        direct = false;
    }
    let mut out = Vec::with_capacity(found.len());
    for (g, direct) in found {
        let (gid, display) = x
            .one(&stmt!(DESCRIBE_GROUP, g), |r| {
                Ok((id(r.str(0)?)?, r.opt_string(1)?))
            })
            .await?;
        out.push(GroupRef {
            id: gid,
            display,
            direct,
        });
    }
    Ok(out)
}
