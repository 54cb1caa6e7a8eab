//! The soft-delete trash (provisioning policies): a deleted resource moves
//! into `trash` in the transaction that removes it, keeps its document and
//! provenance until `purge_after`, and can be restored with its id,
//! creation time and a newer version. Memberships are not kept.

use crate::breaker::{check_seat, count};
use crate::exec::{Exec, Fail, Row};
use crate::journal::{write_journal, write_prepared};
use crate::rows::{self, ts, version, version_column};
use crate::write::{check_base, remove, Known};
use crate::{idx, stmt};
use scim_core::resource::Version;
use scim_core::timestamp::Timestamp;
use scim_store::memory::unique_message;
use scim_store::policy::from_text;
use scim_store::*;

/// Moves a resource into the trash (`deleted` now, kept until
/// `purge_after`); `false` if there is none.
#[allow(clippy::too_many_arguments)]
pub async fn trash(
    x: &mut dyn Exec,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    base: Option<Version>,
    (deleted, purge_after): (Timestamp, Timestamp),
    known: Option<&Known>,
    journal: &PreparedJournal,
) -> Result<bool, Fail> {
    check_base(x, tenant, kind, id, base).await?;
    let d = x.dialect();
    let (k, body) = (kind.code(), d.body());
    let upsert = format!(
        "ON CONFLICT (tenant_id, kind, id) DO UPDATE SET
            display = excluded.display, created = excluded.created, version = excluded.version,
            deleted = excluded.deleted, purge_after = excluded.purge_after,
            {body} = excluded.{body}, provenance = excluded.provenance"
    );
    let columns = format!(
        "tenant_id, kind, id, display, created, version, deleted, purge_after, {body}, provenance"
    );
    let (t, del, purge) = (tenant, deleted.unix_millis(), purge_after.unix_millis());
    let gone = if d.dml_in_with() {
        // One statement: the row moves, its index rows and memberships go
        // by cascade.
        let sql = format!(
            "WITH gone AS (
                DELETE FROM resources WHERE tenant_id = $1 AND kind = {k} AND id = $2
                RETURNING id, display, created, version, {body}, provenance
             )
             INSERT INTO trash ({columns})
             SELECT $1, {k}, id, display, created, version, $3, $4, {body}, provenance FROM gone
             {upsert}"
        );
        x.execute(&stmt!(sql, t, id, del, purge)).await? > 0
    } else {
        let Some(row) = remove(x, tenant, kind, id, known).await? else {
            return Ok(false);
        };
        let sql = format!(
            "INSERT INTO trash ({columns}) VALUES ($1, {k}, $2, $3, $4, $5, $6, $7, $8, $9) {upsert}"
        );
        let s = stmt!(
            sql,
            t,
            id,
            row.display,
            row.created,
            row.version,
            del,
            purge,
            row.doc,
            row.provenance
        );
        x.execute(&s).await?;
        true
    };
    if gone {
        count(x, tenant, &journal.journal).await?;
        write_prepared(x, tenant, journal, true).await?;
    }
    Ok(gone)
}

fn columns(body: &str) -> String {
    format!("id, display, created, version, deleted, purge_after, {body}, provenance")
}

fn trashed(kind: ResourceKind, r: &dyn Row) -> Result<Trashed, Fail> {
    Ok(Trashed {
        kind,
        id: rows::id(r.str(0)?)?,
        display: r.opt_string(1)?,
        created: ts(r.int(2)?)?,
        version: version(r.int(3)?),
        deleted: ts(r.int(4)?)?,
        purge_after: ts(r.int(5)?)?,
        doc: rows::doc(r.str(6)?)?,
        provenance: from_text(r.str(7)?)?,
    })
}

/// A tenant's trashed resources of a kind, newest first.
pub async fn list(x: &mut dyn Exec, tenant: i64, kind: ResourceKind) -> Result<Vec<Trashed>, Fail> {
    let sql = format!(
        "SELECT {} FROM trash WHERE tenant_id = $1 AND kind = {} ORDER BY deleted DESC, id",
        columns(x.dialect().body()),
        kind.code()
    );
    x.all(&stmt!(sql, tenant), |r| trashed(kind, r)).await
}

/// What a restore needs to put a resource back.
#[derive(Debug, Clone)]
pub struct Restore {
    pub kind: ResourceKind,
    pub id: String,
    pub keys: IndexKeys,
    pub provenance: String,
    pub now: Timestamp,
    pub journal: PreparedJournal,
}

/// A restored resource's row: its version, creation time and document
/// text (parsed after the commit).
pub type Restored = (Version, i64, String);

/// Puts a trashed resource back; `None` if it is not in the trash.
pub async fn restore(x: &mut dyn Exec, tenant: i64, r: &Restore) -> Result<Option<Restored>, Fail> {
    let (kind, body) = (r.kind, x.dialect().body());
    let sql = format!(
        "DELETE FROM trash WHERE tenant_id = $1 AND kind = {} AND id = $2 RETURNING version, created, {body}",
        kind.code()
    );
    let row = x
        .opt(&stmt!(sql, tenant, r.id.as_str()), |row| {
            Ok((version(row.int(0)?).next(), row.int(1)?, row.string(2)?))
        })
        .await?;
    let Some((v, created, doc)) = row else {
        return Ok(None);
    };
    let keys = &r.keys;
    if kind == ResourceKind::User && keys.active {
        check_seat(x, tenant).await?;
    }
    let sql = format!(
        "INSERT INTO resources (tenant_id, kind, id, version, created, last_modified, unique_key, display, active, {body}, provenance)
         VALUES ($1, {}, $2, $3, $4, $5, $6, $7, $8, $9, $10){}",
        kind.code(),
        x.dialect().returning("seq")
    );
    let s = stmt!(
        sql,
        tenant,
        r.id.as_str(),
        version_column(v),
        created,
        r.now.unix_millis(),
        keys.unique.as_deref(),
        keys.display.as_deref(),
        keys.active,
        doc.as_str(),
        r.provenance.as_str()
    );
    let seq = x
        .insert(&s)
        .await
        .map_err(|e| e.unique(|| unique_message(kind)))?;
    idx::write_delta(x, tenant, kind, seq, &IndexDelta::all(keys)).await?;
    write_prepared(x, tenant, &r.journal, true).await?;
    Ok(Some((v, created, doc)))
}

/// Removes every trashed resource whose retention ended at `now`, with an
/// audit entry for each (`audit` completed with its resource).
pub async fn purge(x: &mut dyn Exec, now: Timestamp, audit: &AuditEntry) -> Result<u64, Fail> {
    let sql = "DELETE FROM trash WHERE purge_after <= $1 RETURNING tenant_id, kind, id";
    let gone = x
        .all(&stmt!(sql, now.unix_millis()), |r| {
            Ok((r.int(0)?, r.int(1)?, r.string(2)?))
        })
        .await?;
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
        write_journal(x, *tenant, &journal, true).await?;
    }
    Ok(gone.len() as u64)
}
