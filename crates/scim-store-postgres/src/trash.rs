//! The soft-delete trash on PostgreSQL (provisioning policies): a deleted
//! resource moves into `trash` in the same statement that removes it (its
//! memberships and index entries go by cascade), keeps its document and
//! provenance until `purge_after`, and can be restored with its id,
//! creation time and a newer version. Memberships are not kept.

use crate::db::Fail;
use crate::journal::write_journal;
use crate::resources::{check_seat, to_json, to_text, write_index, PgResources};
use crate::rows::{self, ts};
use deadpool_postgres::GenericClient;
use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use scim_store::policy::from_text;
use scim_store::*;
use tokio_postgres::Row;

/// Moves a resource into the trash; `false` if there is none.
pub async fn trash(
    r: &PgResources,
    kind: ResourceKind,
    id: &str,
    base: Option<scim_core::resource::Version>,
    deleted: Timestamp,
    purge_after: Timestamp,
    journal: &Journal,
) -> Result<bool, Fail> {
    let mut client = r.pool.get().await?;
    let tx = client.transaction().await?;
    crate::resources::check_base(&tx, r.tenant, kind, id, base).await?;
    let stmt = tx
        .prepare_cached(&format!(
            "WITH gone AS (
                DELETE FROM resources WHERE tenant_id = $1 AND kind = {k} AND id = $2
                RETURNING id, display, created, version, body, provenance
             )
             INSERT INTO trash (tenant_id, kind, id, display, created, version, deleted, purge_after, body, provenance)
             SELECT $1, {k}, id, display, created, version, $3, $4, body, provenance FROM gone
             ON CONFLICT (tenant_id, kind, id) DO UPDATE SET
                display = EXCLUDED.display, created = EXCLUDED.created, version = EXCLUDED.version,
                deleted = EXCLUDED.deleted, purge_after = EXCLUDED.purge_after,
                body = EXCLUDED.body, provenance = EXCLUDED.provenance",
            k = kind.code()
        ))
        .await?;
    let n = tx
        .execute(
            &stmt,
            &[
                &r.tenant,
                &id,
                &deleted.unix_millis(),
                &purge_after.unix_millis(),
            ],
        )
        .await?;
    if n > 0 {
        crate::breaker::count(&tx, r.tenant, journal).await?;
        write_journal(&tx, r.tenant, journal, true).await?;
    }
    tx.commit().await?;
    Ok(n > 0)
}

const COLUMNS: &str = "id, display, created, version, deleted, purge_after, body, provenance";

fn trashed(kind: ResourceKind, row: &Row) -> Result<Trashed, Fail> {
    let bad = |what: &str| Fail::Store(StoreError::Backend(format!("bad {what} in trash")));
    let id: &str = row.try_get(0)?;
    let version: i64 = row.try_get(3)?;
    let body: &str = row.try_get(6)?;
    Ok(Trashed {
        kind,
        id: ResourceId::parse(id).ok_or_else(|| bad("id"))?,
        display: row.try_get(1)?,
        created: ts(row.try_get(2)?)?,
        version: Version(u64::try_from(version).unwrap_or(0)),
        deleted: ts(row.try_get(4)?)?,
        purge_after: ts(row.try_get(5)?)?,
        doc: serde_json::from_str(body).map_err(|_| bad("document"))?,
        provenance: from_text(row.try_get(7)?)?,
    })
}

/// A tenant's trashed resources of a kind, newest first.
pub async fn list(r: &PgResources, kind: ResourceKind) -> Result<Vec<Trashed>, Fail> {
    let client = r.pool.get().await?;
    let stmt = client
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM trash WHERE tenant_id = $1 AND kind = {} ORDER BY deleted DESC, id",
            kind.code()
        ))
        .await?;
    client
        .query(&stmt, &[&r.tenant])
        .await?
        .iter()
        .map(|row| trashed(kind, row))
        .collect()
}

/// Puts a trashed resource back; `None` if it is not in the trash.
pub async fn restore(
    r: &PgResources,
    kind: ResourceKind,
    id: &str,
    keys: &IndexKeys,
    provenance: &Provenance,
    now: Timestamp,
    journal: &Journal,
) -> Result<Option<Record>, Fail> {
    let mut client = r.pool.get().await?;
    let tx = client.transaction().await?;
    let stmt = tx
        .prepare_cached(&format!(
            "DELETE FROM trash WHERE tenant_id = $1 AND kind = {} AND id = $2 RETURNING {COLUMNS}",
            kind.code()
        ))
        .await?;
    let Some(row) = tx.query_opt(&stmt, &[&r.tenant, &id]).await? else {
        return Ok(None);
    };
    let old = trashed(kind, &row)?;
    if kind == ResourceKind::User && keys.active {
        check_seat(&tx, r.tenant).await?;
    }
    let stmt = tx
        .prepare_cached(&format!(
            "INSERT INTO resources (tenant_id, kind, id, version, created, last_modified, unique_key, display, active, body, provenance)
             VALUES ($1, {}, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq",
            kind.code()
        ))
        .await?;
    let version = i64::try_from(old.version.next().0).unwrap_or(i64::MAX);
    let seq: i64 = tx
        .query_one(
            &stmt,
            &[
                &r.tenant,
                &id,
                &version,
                &old.created.unix_millis(),
                &now.unix_millis(),
                &keys.unique,
                &keys.display,
                &keys.active,
                &to_json(&old.doc)?,
                &to_text(provenance)?,
            ],
        )
        .await?
        .try_get(0)?;
    write_index(&tx, r.tenant, kind, seq, keys).await?;
    let record = rows::by_seq(&tx, seq, Load::NONE).await?;
    write_journal(&tx, r.tenant, journal, true).await?;
    tx.commit().await?;
    Ok(Some(record))
}

/// Removes one trashed resource now, with `journal`, in one transaction;
/// `false` if it is not in the trash.
pub async fn purge_one(
    r: &PgResources,
    kind: ResourceKind,
    id: &str,
    journal: &Journal,
) -> Result<bool, Fail> {
    let mut client = r.pool.get().await?;
    let tx = client.transaction().await?;
    let stmt = tx
        .prepare_cached(&format!(
            "DELETE FROM trash WHERE tenant_id = $1 AND kind = {} AND id = $2",
            kind.code()
        ))
        .await?;
    let gone = tx.execute(&stmt, &[&r.tenant, &id]).await? > 0;
    if gone {
        write_journal(&tx, r.tenant, journal, true).await?;
    }
    tx.commit().await?;
    Ok(gone)
}

/// Removes every trashed resource whose retention ended at `now`, with
/// an audit entry for each (`audit` completed with its resource), in one
/// transaction.
pub async fn purge(
    c: &mut deadpool_postgres::Object,
    now: Timestamp,
    audit: &AuditEntry,
) -> Result<u64, Fail> {
    let tx = c.transaction().await?;
    let stmt = tx
        .prepare_cached(
            "DELETE FROM trash WHERE purge_after <= $1 RETURNING tenant_id, kind::bigint, id",
        )
        .await?;
    let gone = tx.query(&stmt, &[&now.unix_millis()]).await?;
    for row in &gone {
        let tenant: i64 = row.try_get(0)?;
        let kind: i64 = row.try_get(1)?;
        let id: &str = row.try_get(2)?;
        let entry = AuditEntry {
            resource_type: ResourceKind::from_code(kind).map(|k| k.name().to_string()),
            resource_id: Some(id.to_string()),
            ..audit.clone()
        };
        let journal = Journal {
            audit: Some(entry),
            ..Journal::default()
        };
        write_journal(&tx, tenant, &journal, true).await?;
    }
    tx.commit().await?;
    Ok(gone.len() as u64)
}
