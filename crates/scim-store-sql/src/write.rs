//! Writing resources: inserting one, executing a write plan
//! (`scim_store::plan`), and deleting one. Each runs inside the write's
//! transaction and only executes statements: documents, provenance and
//! journals arrive encoded ([`Insert::new`], [`Plan`], [`PreparedJournal`]),
//! so no JSON is encoded there (SQLite's writer thread runs these).
//!
//! Executing a plan: lock the row (where the dialect locks) and check the
//! version the plan was computed from (a moved version is
//! [`StoreError::Stale`], nothing changed); apply the membership changes
//! first (an unknown member fails before anything changed); take a seat
//! if the rewrite activates a user; write the index delta and the
//! document; move the version; count a deprovisioning for the circuit
//! breaker; write the journal and the members' timeline entries.
//!
//! Deleting, where index rows do not go by cascade, takes the rows the
//! caller read before the transaction ([`Known`]), so that the
//! transaction parses no document either (unless the resource moved in
//! between).

use crate::breaker::{check_seat, count};
use crate::exec::{Exec, Fail};
use crate::journal::{write_member_entries, write_prepared};
use crate::rows::{self, version, version_column};
use crate::{idx, members, stmt};
use scim_core::resource::{ResourceId, Version};
use scim_store::index::keys as index_keys;
use scim_store::memory::unique_message;
use scim_store::policy::to_text;
use scim_store::*;

/// An insert with its texts encoded, ready for the transaction.
#[derive(Debug, Clone)]
pub struct Insert {
    pub kind: ResourceKind,
    pub id: ResourceId,
    pub created: scim_core::timestamp::Timestamp,
    pub keys: IndexKeys,
    pub members: Vec<NewMember>,
    pub doc: String,
    pub provenance: String,
    pub index: IndexDelta,
    pub journal: PreparedJournal,
    /// The group's `displayName` (for the members' timeline entries).
    pub display: Option<String>,
}

impl Insert {
    /// Encodes `rec` (its journal is taken).
    pub fn new(rec: &mut NewRecord) -> StoreResult<Insert> {
        Ok(Insert {
            kind: rec.kind,
            id: rec.id.clone(),
            created: rec.created,
            keys: rec.keys.clone(),
            members: std::mem::take(&mut rec.members),
            doc: serde_json::to_string(&rec.doc)
                .map_err(|e| StoreError::Backend(format!("cannot encode document: {e}")))?,
            provenance: to_text(&rec.provenance)?,
            index: IndexDelta::all(&rec.keys),
            journal: PreparedJournal::new(std::mem::take(&mut rec.journal))?,
            display: rec
                .doc
                .get("displayName")
                .and_then(serde_json::Value::as_str)
                .map(str::to_string),
        })
    }

    /// A rough count of the rows it writes.
    pub fn cost(&self) -> usize {
        2 + self.index.len() + self.members.len() + self.doc.len() / 1024
    }
}

/// Inserts a resource; a group's members as stored.
pub async fn insert(
    x: &mut dyn Exec,
    tenant: i64,
    i: &Insert,
) -> Result<Option<Vec<MemberRef>>, Fail> {
    let kind = i.kind;
    if kind == ResourceKind::User && i.keys.active {
        check_seat(x, tenant).await?;
    }
    let d = x.dialect();
    let sql = format!(
        "INSERT INTO resources (tenant_id, kind, id, version, created, last_modified, unique_key, display, active, {}, provenance)
         VALUES ($1, {}, $2, 1, $3, $3, $4, $5, $6, $7, $8){}",
        d.body(),
        kind.code(),
        d.returning("seq")
    );
    let keys = &i.keys;
    let s = stmt!(
        sql,
        tenant,
        i.id.as_str(),
        i.created.unix_millis(),
        keys.unique.as_deref(),
        keys.display.as_deref(),
        keys.active,
        i.doc.as_str(),
        i.provenance.as_str()
    );
    let seq = match x.insert(&s).await {
        Err(e) if e.is_id_conflict() => {
            return Err(StoreError::Uniqueness(format!("id {} exists", i.id)).into())
        }
        other => other.map_err(|e| e.unique(|| unique_message(kind)))?,
    };
    idx::write_delta(x, tenant, kind, seq, &i.index).await?;
    write_prepared(x, tenant, &i.journal, true).await?;
    if !i.members.is_empty() {
        let deltas =
            members::apply(x, tenant, seq, &[MemberChange::Add(i.members.clone())]).await?;
        let group = i.journal.entry();
        write_member_entries(x, tenant, &deltas, group, i.display.as_deref()).await?;
    }
    if kind == ResourceKind::Group {
        return Ok(Some(rows::members(x, seq).await?));
    }
    Ok(None)
}

/// Executes `plan` against the resource `id`; `None` when it is gone.
pub async fn apply(
    x: &mut dyn Exec,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    plan: &Plan,
) -> Result<Option<Applied>, Fail> {
    let d = x.dialect();
    let sql = format!(
        "SELECT seq, version, active FROM resources WHERE tenant_id = $1 AND kind = {} AND id = $2{}",
        kind.code(),
        d.lock()
    );
    let row = x
        .opt(&stmt!(sql, tenant, id), |r| {
            Ok((r.int(0)?, r.int(1)?, r.bool(2)?))
        })
        .await?;
    let Some((seq, current, active)) = row else {
        return Ok(None);
    };
    if version(current) != plan.base {
        return Err(StoreError::Stale.into());
    }
    let deltas = members::apply(x, tenant, seq, &plan.members).await?;
    let mut changed = !deltas.is_empty();
    if let Some(rewrite) = &plan.doc {
        let keys = &rewrite.keys;
        if kind == ResourceKind::User && keys.active && !active {
            check_seat(x, tenant).await?;
        }
        idx::write_delta(x, tenant, kind, seq, &rewrite.index).await?;
        let sql = format!(
            "UPDATE resources SET {} = $1, unique_key = $2, display = $3, active = $4 WHERE seq = $5",
            d.body()
        );
        let s = stmt!(
            sql,
            rewrite.text.as_str(),
            keys.unique.as_deref(),
            keys.display.as_deref(),
            keys.active,
            seq
        );
        x.execute(&s)
            .await
            .map_err(|e| e.unique(|| unique_message(kind)))?;
        changed = true;
    }
    let mut now = plan.base;
    if changed || plan.force {
        now = plan.base.next();
        let sql = "UPDATE resources SET version = $1, last_modified = $2, provenance = coalesce($3, provenance) WHERE seq = $4";
        let s = stmt!(
            sql,
            version_column(now),
            plan.now.unix_millis(),
            plan.provenance_text.as_deref(),
            seq
        );
        x.execute(&s).await?;
        changed = true;
    }
    if changed {
        count(x, tenant, &plan.journal.journal).await?;
    }
    write_prepared(x, tenant, &plan.journal, changed).await?;
    let group = plan.journal.entry();
    write_member_entries(x, tenant, &deltas, group, plan.display.as_deref()).await?;
    Ok(Some(Applied {
        version: now,
        changed,
    }))
}

/// [`StoreError::Stale`] unless the resource is gone or has version
/// `base` (its row locked, where the dialect locks).
pub async fn check_base(
    x: &mut dyn Exec,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    base: Option<Version>,
) -> Result<(), Fail> {
    let Some(base) = base else { return Ok(()) };
    let sql = format!(
        "SELECT version FROM resources WHERE tenant_id = $1 AND kind = {} AND id = $2{}",
        kind.code(),
        x.dialect().lock()
    );
    match x.opt(&stmt!(sql, tenant, id), |r| r.int(0)).await? {
        Some(v) if version(v) != base => Err(StoreError::Stale.into()),
        _ => Ok(()),
    }
}

/// A removed resource: what the trash keeps of it.
pub struct Removed {
    pub display: Option<String>,
    pub created: i64,
    pub version: i64,
    pub doc: String,
    pub provenance: String,
}

/// What a delete read before its transaction, where index rows do not go
/// by cascade: the version and its index rows, so that the transaction
/// need not parse the document to find them.
#[derive(Debug, Clone)]
pub struct Known {
    pub version: Version,
    pub index: Vec<(String, String)>,
}

impl Known {
    /// What `record` tells of its index rows.
    pub fn of(record: &Record) -> Known {
        Known {
            version: record.version,
            index: index_keys(record.kind, &record.doc, false).entries,
        }
    }
}

/// Removes a resource with its index rows and memberships, where deleting
/// its row does not (see [`crate::Dialect::cascades`]); returns its row.
/// The index rows are those of `known` if the resource still has its
/// version, else (it moved meanwhile) read from the document.
pub async fn remove(
    x: &mut dyn Exec,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    known: Option<&Known>,
) -> Result<Option<Removed>, Fail> {
    let sql = format!(
        "SELECT seq, display, created, version, {}, provenance FROM resources WHERE tenant_id = $1 AND kind = {} AND id = $2",
        x.dialect().body(),
        kind.code()
    );
    let found = x
        .opt(&stmt!(sql, tenant, id), |r| {
            let removed = Removed {
                display: r.opt_string(1)?,
                created: r.int(2)?,
                version: r.int(3)?,
                doc: r.string(4)?,
                provenance: r.string(5)?,
            };
            Ok((r.int(0)?, removed))
        })
        .await?;
    let Some((seq, row)) = found else {
        return Ok(None);
    };
    let removed = match known {
        Some(k) if k.version == version(row.version) => k.index.clone(),
        _ => index_keys(kind, &rows::doc(&row.doc)?, false).entries,
    };
    let old = IndexDelta {
        removed,
        added: Vec::new(),
    };
    idx::write_delta(x, tenant, kind, seq, &old).await?;
    // Extension attributes' rows: neither `known` nor the document tells
    // which the tenant indexes.
    for sql in [
        "DELETE FROM idx WHERE seq = $1 AND attr >= 1000",
        "DELETE FROM members WHERE group_seq = $1",
        "DELETE FROM members WHERE member_seq = $1",
        "DELETE FROM resources WHERE seq = $1",
    ] {
        x.execute(&stmt!(sql, seq)).await?;
    }
    Ok(Some(row))
}

/// Deletes a resource (with `base`, only at that version); whether it
/// existed. The breaker counts a deprovisioning the journal carries.
pub async fn delete(
    x: &mut dyn Exec,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    base: Option<Version>,
    known: Option<&Known>,
    journal: &PreparedJournal,
) -> Result<bool, Fail> {
    check_base(x, tenant, kind, id, base).await?;
    let gone = if x.dialect().cascades() {
        let sql = format!(
            "DELETE FROM resources WHERE tenant_id = $1 AND kind = {} AND id = $2",
            kind.code()
        );
        x.execute(&stmt!(sql, tenant, id)).await? > 0
    } else {
        remove(x, tenant, kind, id, known).await?.is_some()
    };
    if gone {
        count(x, tenant, &journal.journal).await?;
        write_prepared(x, tenant, journal, true).await?;
    }
    Ok(gone)
}
