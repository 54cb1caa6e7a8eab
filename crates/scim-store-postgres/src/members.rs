//! Group memberships on PostgreSQL: applying a write's `MemberChange`s
//! (each statement returns the members it actually added or removed) and
//! recording, for each of them, an audit entry on that member's own
//! timeline, in the write's transaction (`MemberDeltas`: the work is the
//! size of the change, not of the group).

use crate::db::Fail;
use crate::journal::write_audit;
use deadpool_postgres::GenericClient;
use scim_core::resource::ResourceId;
use scim_store::*;
use std::collections::HashMap;

/// Resolves members to sequence numbers within the tenant.
async fn member_seqs(
    c: &impl GenericClient,
    tenant: i64,
    members: &[NewMember],
) -> Result<Vec<i64>, Fail> {
    let wanted: Vec<&str> = members.iter().map(|m| m.id.as_str()).collect();
    let stmt = c
        .prepare_cached(
            "SELECT id, seq FROM resources WHERE tenant_id = $1 AND kind IN (0, 1) AND id = ANY($2::text[])",
        )
        .await?;
    let found: HashMap<String, i64> = c
        .query(&stmt, &[&tenant, &wanted])
        .await?
        .iter()
        .map(|r| Ok((r.try_get::<_, String>(0)?, r.try_get(1)?)))
        .collect::<Result<_, tokio_postgres::Error>>()?;
    members
        .iter()
        .map(|m| {
            found
                .get(m.id.as_str())
                .copied()
                .ok_or_else(|| Fail::Store(StoreError::MissingMember(m.id.to_string())))
        })
        .collect()
}

/// Adds the (kind, id) rows a statement returned to `deltas`.
fn note(rows: &[tokio_postgres::Row], deltas: &mut MemberDeltas, added: bool) -> Result<(), Fail> {
    for r in rows {
        let code: i16 = r.try_get(0)?;
        let id: &str = r.try_get(1)?;
        if let Some(kind) = ResourceKind::from_code(i64::from(code)) {
            if added {
                deltas.added(kind, id);
            } else {
                deltas.removed(kind, id);
            }
        }
    }
    Ok(())
}

/// Applies membership changes; returns the members added and removed.
pub(crate) async fn apply_members(
    c: &impl GenericClient,
    tenant: i64,
    group: i64,
    changes: &[MemberChange],
) -> Result<MemberDeltas, Fail> {
    let mut deltas = MemberDeltas::default();
    // A member already in the group keeps the display it was added with;
    // `DISTINCT ON` keeps the first of a member listed twice.
    let add = "WITH added AS (INSERT INTO members (group_seq, member_seq, display)
                   SELECT DISTINCT ON (n.seq) $1, n.seq, n.display FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS n(seq, display, i) ORDER BY n.seq, n.i
                   ON CONFLICT DO NOTHING RETURNING member_seq)
               SELECT x.kind, x.id FROM added a JOIN resources x ON x.seq = a.member_seq";
    let displays = |ids: &[NewMember]| -> Vec<Option<String>> {
        ids.iter().map(|m| m.display.clone()).collect()
    };
    for change in changes {
        match change {
            MemberChange::Add(ids) => {
                let seqs = member_seqs(c, tenant, ids).await?;
                let rows = c.query(add, &[&group, &seqs, &displays(ids)]).await?;
                note(&rows, &mut deltas, true)?;
            }
            MemberChange::Remove(ids) => {
                let ids: Vec<&str> = ids.iter().map(ResourceId::as_str).collect();
                let rows = c
                    .query(
                        "DELETE FROM members m USING resources x WHERE m.group_seq = $1 AND x.seq = m.member_seq AND x.id = ANY($2::text[]) RETURNING x.kind, x.id",
                        &[&group, &ids],
                    )
                    .await?;
                note(&rows, &mut deltas, false)?;
            }
            MemberChange::RemoveAll => {
                let rows = c
                    .query(
                        "DELETE FROM members m USING resources x WHERE m.group_seq = $1 AND x.seq = m.member_seq RETURNING x.kind, x.id",
                        &[&group],
                    )
                    .await?;
                note(&rows, &mut deltas, false)?;
            }
            MemberChange::ReplaceAll(ids) => {
                let seqs = member_seqs(c, tenant, ids).await?;
                let rows = c
                    .query(
                        "DELETE FROM members m USING resources x WHERE m.group_seq = $1 AND x.seq = m.member_seq AND NOT (m.member_seq = ANY($2::bigint[])) RETURNING x.kind, x.id",
                        &[&group, &seqs],
                    )
                    .await?;
                note(&rows, &mut deltas, false)?;
                let rows = c.query(add, &[&group, &seqs, &displays(ids)]).await?;
                note(&rows, &mut deltas, true)?;
            }
        }
    }
    Ok(deltas)
}

/// Writes the audit entries of a group write's members.
pub(crate) async fn write_member_entries(
    c: &impl GenericClient,
    tenant: i64,
    deltas: &MemberDeltas,
    journal: &Journal,
    doc: &serde_json::Map<String, serde_json::Value>,
) -> Result<(), Fail> {
    for e in deltas.entries(journal, doc) {
        write_audit(c, tenant, &e).await?;
    }
    Ok(())
}
