//! The tenant-scoped resource store on PostgreSQL.
//!
//! - Uniqueness (userName, group names, ids) is the unique indexes' job:
//!   of concurrent inserts of one key, every replica's but one fail with a
//!   unique violation, which is [`StoreError::Uniqueness`].
//! - An update locks its row (`SELECT … FOR NO KEY UPDATE`) before it reads
//!   the record for the update function, so read-modify-write is atomic
//!   across connections and replicas; membership inserts only take key-share
//!   locks on members, which do not conflict with it.
//! - Memberships and index entries reference `resources(seq)` with
//!   `ON DELETE CASCADE`: a member deleted concurrently with its addition is
//!   a foreign-key violation, reported as [`StoreError::MissingMember`].
//! - Deadlocks and serialization failures are retried ([`MAX_TRIES`]). An
//!   update function runs once; a retry reuses its result if the record
//!   still has the version it saw, and fails otherwise.

use crate::db::{backend, Fail, MAX_TRIES};
use crate::journal::{write_audit, write_journal};
use crate::members::{apply_members, write_member_entries};
use crate::query;
use crate::rows;
use crate::sql_filter::attr_code;
use async_trait::async_trait;
use deadpool_postgres::{GenericClient, Pool};
use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use scim_store::memory::unique_message;
use scim_store::*;

/// One tenant's resources.
pub struct PgResources {
    pub(crate) tenant: i64,
    pub(crate) pool: Pool,
}

/// A policy value as column text.
pub(crate) fn to_text<T: serde::Serialize>(v: &T) -> Result<String, Fail> {
    scim_store::policy::to_text(v).map_err(Fail::Store)
}

/// Fails with [`StoreError::NoSeat`] unless one more user of the tenant may
/// be active. With a limit, it locks the tenant's row first: every write
/// that takes a seat holds that lock until it commits, so concurrent writes
/// through any replica are counted one after another.
pub(crate) async fn check_seat(c: &impl GenericClient, tenant: i64) -> Result<(), Fail> {
    let limited = c
        .prepare_cached("SELECT seat_limit IS NOT NULL FROM tenants WHERE id = $1")
        .await?;
    let is_limited: bool = match c.query_opt(&limited, &[&tenant]).await? {
        Some(row) => row.try_get(0)?,
        None => false,
    };
    if !is_limited {
        return Ok(());
    }
    let lock = c
        .prepare_cached("SELECT seat_limit FROM tenants WHERE id = $1 FOR NO KEY UPDATE")
        .await?;
    let limit: Option<i64> = match c.query_opt(&lock, &[&tenant]).await? {
        Some(row) => row.try_get(0)?,
        None => None,
    };
    let Some(limit) = limit else { return Ok(()) };
    let used = c
        .prepare_cached(
            "SELECT count(*) FROM resources WHERE tenant_id = $1 AND kind = 0 AND active",
        )
        .await?;
    let used: i64 = c.query_one(&used, &[&tenant]).await?.try_get(0)?;
    if used >= limit {
        return Err(Fail::Store(StoreError::NoSeat(
            u64::try_from(limit).unwrap_or(0),
        )));
    }
    Ok(())
}

pub(crate) fn to_json(doc: &serde_json::Map<String, serde_json::Value>) -> Result<String, Fail> {
    serde_json::to_string(doc)
        .map_err(|e| Fail::Store(StoreError::Backend(format!("cannot encode document: {e}"))))
}

/// [`StoreError::Stale`] unless the resource is gone or has version `base`
/// (its row locked until the transaction ends).
pub(crate) async fn check_base(
    c: &impl GenericClient,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
    base: Option<Version>,
) -> Result<(), Fail> {
    let Some(base) = base else { return Ok(()) };
    let stmt = c
        .prepare_cached(&format!(
            "SELECT version FROM resources WHERE tenant_id = $1 AND kind = {} AND id = $2 FOR NO KEY UPDATE",
            kind.code()
        ))
        .await?;
    if let Some(row) = c.query_opt(&stmt, &[&tenant, &id]).await? {
        let v: i64 = row.try_get(0)?;
        if Version(u64::try_from(v).unwrap_or(0)) != base {
            return Err(Fail::Store(StoreError::Stale));
        }
    }
    Ok(())
}

/// Deletes and inserts the index rows of a plan.
pub(crate) async fn write_index_delta(
    c: &impl GenericClient,
    tenant: i64,
    kind: ResourceKind,
    seq: i64,
    delta: &IndexDelta,
) -> Result<(), Fail> {
    let codes = |rows: &[(String, String)]| -> (Vec<i16>, Vec<String>) {
        rows.iter()
            .filter_map(|(p, v)| attr_code(kind, p).map(|c| (c, v.clone())))
            .unzip()
    };
    let (attrs, values) = codes(&delta.removed);
    if !attrs.is_empty() {
        let stmt = c
            .prepare_cached(&format!(
                "DELETE FROM idx i USING unnest($3::smallint[], $4::text[]) AS t(a, v)
                 WHERE i.tenant_id = $1 AND i.kind = {} AND i.attr = t.a AND i.value = t.v AND i.seq = $2",
                kind.code()
            ))
            .await?;
        c.execute(&stmt, &[&tenant, &seq, &attrs, &values]).await?;
    }
    let (attrs, values) = codes(&delta.added);
    if !attrs.is_empty() {
        let stmt = c
            .prepare_cached(&format!(
                "INSERT INTO idx (tenant_id, kind, attr, value, seq) SELECT $1, {}, a, v, $2 FROM unnest($3::smallint[], $4::text[]) AS t(a, v) ON CONFLICT DO NOTHING",
                kind.code()
            ))
            .await?;
        c.execute(&stmt, &[&tenant, &seq, &attrs, &values]).await?;
    }
    Ok(())
}

pub(crate) async fn write_index(
    c: &impl GenericClient,
    tenant: i64,
    kind: ResourceKind,
    seq: i64,
    keys: &IndexKeys,
) -> Result<(), Fail> {
    let (mut attrs, mut values): (Vec<i16>, Vec<&str>) = (Vec::new(), Vec::new());
    for (path, value) in &keys.entries {
        if let Some(code) = attr_code(kind, path) {
            attrs.push(code);
            values.push(value);
        }
    }
    if attrs.is_empty() {
        return Ok(());
    }
    let stmt = c
        .prepare_cached(&format!(
            "INSERT INTO idx (tenant_id, kind, attr, value, seq) SELECT $1, {}, a, v, $2 FROM unnest($3::smallint[], $4::text[]) AS t(a, v) ON CONFLICT DO NOTHING",
            kind.code()
        ))
        .await?;
    c.execute(&stmt, &[&tenant, &seq, &attrs, &values]).await?;
    Ok(())
}

impl PgResources {
    async fn try_insert(&self, rec: &NewRecord) -> Result<Record, Fail> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let kind = rec.kind;
        let ms = rec.created.unix_millis();
        if kind == ResourceKind::User && rec.keys.active {
            check_seat(&tx, self.tenant).await?;
        }
        let stmt = tx
            .prepare_cached(&format!(
                "INSERT INTO resources (tenant_id, kind, id, version, created, last_modified, unique_key, display, active, body, provenance)
                 VALUES ($1, {}, $2, 1, $3, $3, $4, $5, $6, $7, $8) RETURNING seq",
                kind.code()
            ))
            .await?;
        let seq: i64 = tx
            .query_one(
                &stmt,
                &[
                    &self.tenant,
                    &rec.id.as_str(),
                    &ms,
                    &rec.keys.unique,
                    &rec.keys.display,
                    &rec.keys.active,
                    &to_json(&rec.doc)?,
                    &to_text(&rec.provenance)?,
                ],
            )
            .await?
            .try_get(0)?;
        write_index(&tx, self.tenant, kind, seq, &rec.keys).await?;
        let deltas = if rec.members.is_empty() {
            MemberDeltas::default()
        } else {
            apply_members(
                &tx,
                self.tenant,
                seq,
                &[MemberChange::Add(rec.members.clone())],
            )
            .await?
        };
        let mut record = Record {
            kind,
            id: rec.id.clone(),
            version: Version::FIRST,
            created: rec.created,
            last_modified: rec.created,
            provenance: rec.provenance.clone(),
            doc: rec.doc.clone(),
            members: None,
            groups: None,
        };
        let load = Load {
            members: kind == ResourceKind::Group,
            groups: false,
        };
        rows::complete(&tx, seq, &mut record, load).await?;
        write_journal(&tx, self.tenant, &rec.journal, true).await?;
        write_member_entries(&tx, self.tenant, &deltas, &rec.journal, &rec.doc).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn try_apply(
        &self,
        kind: ResourceKind,
        id: &str,
        plan: &Plan,
    ) -> Result<Option<Applied>, Fail> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let lock = tx
            .prepare_cached(&format!(
                "SELECT seq, version, active FROM resources WHERE tenant_id = $1 AND kind = {} AND id = $2 FOR NO KEY UPDATE",
                kind.code()
            ))
            .await?;
        let Some(row) = tx.query_opt(&lock, &[&self.tenant, &id]).await? else {
            return Ok(None);
        };
        let seq: i64 = row.try_get(0)?;
        let version: i64 = row.try_get(1)?;
        let active: bool = row.try_get(2)?;
        if Version(u64::try_from(version).unwrap_or(0)) != plan.base {
            return Err(Fail::Store(StoreError::Stale));
        }
        let deltas = apply_members(&tx, self.tenant, seq, &plan.members).await?;
        let mut changed = !deltas.is_empty();
        let now = plan.now.unix_millis();
        let next = i64::try_from(plan.base.next().0).unwrap_or(i64::MAX);
        if let Some(rewrite) = &plan.doc {
            let keys = &rewrite.keys;
            if kind == ResourceKind::User && keys.active && !active {
                check_seat(&tx, self.tenant).await?;
            }
            write_index_delta(&tx, self.tenant, kind, seq, &rewrite.index).await?;
            let stmt = tx
                .prepare_cached("UPDATE resources SET body = $1, unique_key = $2, display = $3, active = $4 WHERE seq = $5")
                .await?;
            tx.execute(
                &stmt,
                &[
                    &rewrite.text,
                    &keys.unique,
                    &keys.display,
                    &keys.active,
                    &seq,
                ],
            )
            .await?;
            changed = true;
        }
        let mut version = plan.base;
        if changed || plan.force {
            version = plan.base.next();
            let stmt = tx
                .prepare_cached("UPDATE resources SET version = $1, last_modified = $2, provenance = coalesce($3, provenance) WHERE seq = $4")
                .await?;
            tx.execute(&stmt, &[&next, &now, &plan.provenance_text, &seq])
                .await?;
            changed = true;
        }
        if changed {
            crate::breaker::count(&tx, self.tenant, &plan.journal.journal).await?;
        }
        write_journal(&tx, self.tenant, &plan.journal.journal, changed).await?;
        if let Some(group) = plan.journal.entry() {
            for d in deltas.iter() {
                write_audit(
                    &tx,
                    self.tenant,
                    &group.for_member(&d, plan.display.as_deref()),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(Some(Applied { version, changed }))
    }

    async fn try_delete(
        &self,
        kind: ResourceKind,
        id: &str,
        base: Option<Version>,
        journal: &Journal,
    ) -> Result<bool, Fail> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        check_base(&tx, self.tenant, kind, id, base).await?;
        let stmt = tx
            .prepare_cached(&format!(
                "DELETE FROM resources WHERE tenant_id = $1 AND kind = {} AND id = $2",
                kind.code()
            ))
            .await?;
        let gone = tx.execute(&stmt, &[&self.tenant, &id]).await? > 0;
        if gone {
            crate::breaker::count(&tx, self.tenant, journal).await?;
            write_journal(&tx, self.tenant, journal, true).await?;
        }
        tx.commit().await?;
        Ok(gone)
    }
}

#[async_trait]
impl ResourceStore for PgResources {
    async fn insert(&self, rec: NewRecord) -> StoreResult<Record> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_insert(&rec).await {
                Err(e) if e.retryable() && attempt < MAX_TRIES => continue,
                Err(e) if e.is_unique_violation() && e.constraint() == Some("resources_id") => {
                    return Err(StoreError::Uniqueness(format!("id {} exists", rec.id)))
                }
                other => return other.map_err(|e| e.into_store(|| unique_message(rec.kind))),
            }
        }
    }

    async fn get(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        load: Load,
    ) -> StoreResult<Option<Record>> {
        let client = self
            .pool
            .get()
            .await
            .map_err(|e| Fail::from(e).into_store(String::new))?;
        rows::by_id(&client, self.tenant, kind, id.as_str(), load, false)
            .await
            .map(|r| r.map(|(_, r)| r))
            .map_err(|e| e.into_store(String::new))
    }

    async fn apply(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        plan: Plan,
    ) -> StoreResult<Option<Applied>> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_apply(kind, id.as_str(), &plan).await {
                Err(e) if e.retryable() && attempt < MAX_TRIES => continue,
                other => return other.map_err(|e| e.into_store(|| unique_message(kind))),
            }
        }
    }

    async fn delete(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        base: Option<Version>,
        journal: Journal,
    ) -> StoreResult<bool> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.try_delete(kind, id.as_str(), base, &journal).await {
                Err(e) if e.retryable() && attempt < MAX_TRIES => continue,
                other => return other.map_err(|e| e.into_store(String::new)),
            }
        }
    }

    async fn query(&self, kind: ResourceKind, q: &Query) -> StoreResult<Page> {
        let client = self
            .pool
            .get()
            .await
            .map_err(|e| Fail::from(e).into_store(String::new))?;
        query::run(&client, self.tenant, kind, q)
            .await
            .map_err(|e| e.into_store(String::new))
    }

    async fn trash(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        base: Option<Version>,
        deleted: Timestamp,
        purge_after: Timestamp,
        journal: Journal,
    ) -> StoreResult<bool> {
        crate::trash::trash(
            self,
            kind,
            id.as_str(),
            base,
            deleted,
            purge_after,
            &journal,
        )
        .await
        .map_err(|e| e.into_store(String::new))
    }

    async fn list_trash(&self, kind: ResourceKind) -> StoreResult<Vec<Trashed>> {
        crate::trash::list(self, kind)
            .await
            .map_err(|e| e.into_store(String::new))
    }

    async fn restore(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        keys: IndexKeys,
        provenance: Provenance,
        now: Timestamp,
        journal: Journal,
    ) -> StoreResult<Option<Record>> {
        crate::trash::restore(self, kind, id.as_str(), &keys, &provenance, now, &journal)
            .await
            .map_err(|e| e.into_store(|| unique_message(kind)))
    }

    async fn purge_trashed(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        journal: Journal,
    ) -> StoreResult<bool> {
        crate::trash::purge_one(self, kind, id.as_str(), &journal)
            .await
            .map_err(|e| e.into_store(String::new))
    }

    async fn count(&self, kind: ResourceKind, active_only: bool) -> StoreResult<u64> {
        let client = self
            .pool
            .get()
            .await
            .map_err(|e| Fail::from(e).into_store(String::new))?;
        let sql = format!(
            "SELECT count(*) FROM resources WHERE tenant_id = $1 AND kind = {}{}",
            kind.code(),
            if active_only { " AND active" } else { "" }
        );
        let stmt = client.prepare_cached(&sql).await.map_err(backend)?;
        let n: i64 = client
            .query_one(&stmt, &[&self.tenant])
            .await
            .and_then(|r| r.try_get(0))
            .map_err(backend)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
