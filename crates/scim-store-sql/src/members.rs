//! Group memberships: applying a write's `MemberChange`s and collecting
//! the members actually added or removed ([`MemberDeltas`]: the work is
//! the size of the change, not of the group), for whom the write records
//! an entry on each member's own timeline. A member already in the group
//! keeps the display it was added with.
//!
//! With array parameters each change is one statement that returns the
//! members it changed; without, one statement per member.

use crate::exec::{Exec, Fail, Param, Stmt};
use crate::rows::kind;
use crate::stmt;
use scim_core::resource::ResourceId;
use scim_store::{MemberChange, MemberDeltas, NewMember, ResourceKind, StoreError};
use std::collections::{HashMap, HashSet};

/// Finds a member of the tenant by id: `$1` tenant, `$2` id.
const FIND: &str =
    "SELECT seq, kind FROM resources WHERE tenant_id = $1 AND kind IN (0, 1) AND id = $2";

/// Applies membership changes to the group `group`; returns the members
/// added and removed.
pub async fn apply(
    x: &mut dyn Exec,
    tenant: i64,
    group: i64,
    changes: &[MemberChange],
) -> Result<MemberDeltas, Fail> {
    let mut deltas = MemberDeltas::default();
    for change in changes {
        if x.dialect().arrays() {
            apply_set(x, tenant, group, change, &mut deltas).await?;
        } else {
            apply_rows(x, tenant, group, change, &mut deltas).await?;
        }
    }
    Ok(deltas)
}

/// The seq and kind of each member, or [`StoreError::MissingMember`].
async fn resolve(
    x: &mut dyn Exec,
    tenant: i64,
    members: &[NewMember],
) -> Result<Vec<(i64, ResourceKind)>, Fail> {
    let mut out = Vec::with_capacity(members.len());
    if x.dialect().arrays() {
        let ids: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
        let sql = "SELECT id, seq, kind FROM resources WHERE tenant_id = $1 AND kind IN (0, 1) AND id = ANY($2::text[])";
        let s = Stmt::new(sql, vec![tenant.into(), Param::Texts(ids)]);
        let found: HashMap<String, (i64, ResourceKind)> = x
            .all(&s, |r| Ok((r.string(0)?, (r.int(1)?, kind(r.int(2)?)?))))
            .await?
            .into_iter()
            .collect();
        for m in members {
            out.push(*found.get(m.id.as_str()).ok_or_else(|| missing(&m.id))?);
        }
        return Ok(out);
    }
    for m in members {
        let s = stmt!(FIND, tenant, m.id.as_str());
        let found = x.opt(&s, |r| Ok((r.int(0)?, kind(r.int(1)?)?))).await?;
        out.push(found.ok_or_else(|| missing(&m.id))?);
    }
    Ok(out)
}

fn missing(id: &ResourceId) -> Fail {
    Fail::Store(StoreError::MissingMember(id.to_string()))
}

/// Notes the `(kind, id)` rows a statement returned.
async fn note(
    x: &mut dyn Exec,
    s: &Stmt<'_>,
    deltas: &mut MemberDeltas,
    added: bool,
) -> Result<(), Fail> {
    for (k, id) in x.all(s, |r| Ok((kind(r.int(0)?)?, r.string(1)?))).await? {
        if added {
            deltas.added(k, &id);
        } else {
            deltas.removed(k, &id);
        }
    }
    Ok(())
}

/// Inserts members (`DISTINCT ON` keeps the first of a member listed
/// twice), returning those that were not in the group.
const ADD: &str = "WITH added AS (INSERT INTO members (group_seq, member_seq, display)
       SELECT DISTINCT ON (n.seq) $1, n.seq, n.display FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS n(seq, display, i) ORDER BY n.seq, n.i
       ON CONFLICT DO NOTHING RETURNING member_seq)
   SELECT x.kind, x.id FROM added a JOIN resources x ON x.seq = a.member_seq";

/// Deletes members, returning them: `$1` the group, then a condition.
const REMOVE: &str =
    "DELETE FROM members m USING resources x WHERE m.group_seq = $1 AND x.seq = m.member_seq";

/// [`ADD`] of `members` (at `seqs`) to `group`.
fn add(group: i64, seqs: Vec<i64>, members: &[NewMember]) -> Stmt<'_> {
    let displays = members.iter().map(|m| m.display.as_deref()).collect();
    let params = vec![group.into(), Param::Ints(seqs), Param::OptTexts(displays)];
    Stmt::new(ADD, params)
}

async fn apply_set(
    x: &mut dyn Exec,
    tenant: i64,
    group: i64,
    change: &MemberChange,
    deltas: &mut MemberDeltas,
) -> Result<(), Fail> {
    match change {
        MemberChange::Add(members) => {
            let seqs = resolve(x, tenant, members).await?;
            let s = add(group, seqs.iter().map(|m| m.0).collect(), members);
            note(x, &s, deltas, true).await
        }
        MemberChange::Remove(ids) => {
            let ids = ids.iter().map(ResourceId::as_str).collect();
            let sql = format!("{REMOVE} AND x.id = ANY($2::text[]) RETURNING x.kind, x.id");
            let s = Stmt::new(sql, vec![group.into(), Param::Texts(ids)]);
            note(x, &s, deltas, false).await
        }
        MemberChange::RemoveAll => {
            let sql = format!("{REMOVE} RETURNING x.kind, x.id");
            note(x, &stmt!(sql, group), deltas, false).await
        }
        MemberChange::ReplaceAll(members) => {
            let seqs: Vec<i64> = resolve(x, tenant, members)
                .await?
                .iter()
                .map(|m| m.0)
                .collect();
            let sql = format!(
                "{REMOVE} AND NOT (m.member_seq = ANY($2::bigint[])) RETURNING x.kind, x.id"
            );
            let s = Stmt::new(sql, vec![group.into(), Param::Ints(seqs.clone())]);
            note(x, &s, deltas, false).await?;
            note(x, &add(group, seqs, members), deltas, true).await
        }
    }
}

async fn apply_rows(
    x: &mut dyn Exec,
    tenant: i64,
    group: i64,
    change: &MemberChange,
    deltas: &mut MemberDeltas,
) -> Result<(), Fail> {
    let insert = "INSERT INTO members (group_seq, member_seq, display) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
    let delete = "DELETE FROM members WHERE group_seq = $1 AND member_seq = $2";
    match change {
        MemberChange::Add(members) => {
            for (new, (m, k)) in members.iter().zip(resolve(x, tenant, members).await?) {
                let s = stmt!(insert, group, m, new.display.as_deref());
                if x.execute(&s).await? > 0 {
                    deltas.added(k, new.id.as_str());
                }
            }
        }
        MemberChange::Remove(ids) => {
            for id in ids {
                let found = x
                    .opt(&stmt!(FIND, tenant, id.as_str()), |r| {
                        Ok((r.int(0)?, kind(r.int(1)?)?))
                    })
                    .await?;
                let Some((m, k)) = found else { continue };
                if x.execute(&stmt!(delete, group, m)).await? > 0 {
                    deltas.removed(k, id.as_str());
                }
            }
        }
        MemberChange::RemoveAll => {
            for (_, k, id) in current(x, group).await? {
                deltas.removed(k, &id);
            }
            x.execute(&stmt!("DELETE FROM members WHERE group_seq = $1", group))
                .await?;
        }
        MemberChange::ReplaceAll(members) => {
            let wanted = resolve(x, tenant, members).await?;
            let wanted_seqs: HashSet<i64> = wanted.iter().map(|w| w.0).collect();
            let current = current(x, group).await?;
            let current_seqs: HashSet<i64> = current.iter().map(|c| c.0).collect();
            for (m, k, id) in &current {
                if !wanted_seqs.contains(m) && x.execute(&stmt!(delete, group, *m)).await? > 0 {
                    deltas.removed(*k, id);
                }
            }
            for (new, (m, k)) in members.iter().zip(wanted) {
                if !current_seqs.contains(&m)
                    && x.execute(&stmt!(insert, group, m, new.display.as_deref()))
                        .await?
                        > 0
                {
                    deltas.added(k, new.id.as_str());
                }
            }
        }
    }
    Ok(())
}

/// A group's current members: seq, kind and id.
async fn current(x: &mut dyn Exec, group: i64) -> Result<Vec<(i64, ResourceKind, String)>, Fail> {
    let sql = "SELECT m.member_seq, r.kind, r.id FROM members m JOIN resources r ON r.seq = m.member_seq WHERE m.group_seq = $1";
    x.all(&stmt!(sql, group), |r| {
        Ok((r.int(0)?, kind(r.int(1)?)?, r.string(2)?))
    })
    .await
}
