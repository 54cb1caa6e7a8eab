//! The tenant-scoped resource store on SQLite.

use crate::journal::write_audit;
use crate::members::apply_members;
use crate::plan::{check_base, write_index_delta, write_prepared};
use crate::readers::Readers;
use crate::rows;
use crate::sql_filter::attr_code;
use crate::sql_query::{count_statement, page_statement, where_clause};
use crate::writer::{backend, Writer};
use async_trait::async_trait;
use rusqlite::{params, params_from_iter, Connection, ErrorCode, OptionalExtension};
use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use scim_store::index::keys as index_keys;
use scim_store::memory::unique_message;
use scim_store::policy::to_text;
use scim_store::query::cursor::{self, Position};
use scim_store::*;

/// One tenant's resources.
pub struct SqliteResources {
    pub(crate) tenant: i64,
    pub(crate) writer: Writer,
    pub(crate) readers: Readers,
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

pub(crate) fn map_write(kind: ResourceKind) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| {
        if is_unique_violation(&e) {
            StoreError::Uniqueness(unique_message(kind))
        } else {
            backend(e)
        }
    }
}

pub(crate) fn write_index(
    conn: &Connection,
    tenant: i64,
    kind: ResourceKind,
    seq: i64,
    keys: &IndexKeys,
    insert: bool,
) -> StoreResult<()> {
    let sql = if insert {
        "INSERT OR IGNORE INTO idx (tenant_id, kind, attr, value, seq) VALUES (?1, ?2, ?3, ?4, ?5)"
    } else {
        "DELETE FROM idx WHERE tenant_id = ?1 AND kind = ?2 AND attr = ?3 AND value = ?4 AND seq = ?5"
    };
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    for (path, value) in &keys.entries {
        if let Some(code) = attr_code(kind, path) {
            stmt.execute(params![tenant, kind.code(), code, value, seq])
                .map_err(backend)?;
        }
    }
    Ok(())
}

pub(crate) fn to_json(doc: &serde_json::Map<String, serde_json::Value>) -> StoreResult<String> {
    serde_json::to_string(doc)
        .map_err(|e| StoreError::Backend(format!("cannot encode document: {e}")))
}

#[async_trait]
impl ResourceStore for SqliteResources {
    async fn insert(&self, rec: NewRecord) -> StoreResult<Record> {
        let tenant = self.tenant;
        // Encoded before the writer's turn: the job only runs statements.
        let doc = to_json(&rec.doc)?;
        let provenance = to_text(&rec.provenance)?;
        let index = IndexDelta::all(&rec.keys);
        let cost = 2 + index.len() + rec.members.len() + doc.len() / 1024;
        let journal = PreparedJournal::new(rec.journal)?;
        let (kind, id, keys, members) = (rec.kind, rec.id.clone(), rec.keys, rec.members);
        let group_display = rec
            .doc
            .get("displayName")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string);
        self.writer
            .write_as(tenant, cost, move |conn| {
                let ms = rec.created.unix_millis();
                if kind == ResourceKind::User && keys.active {
                    check_seat(conn, tenant)?;
                }
                let mut stmt = conn
                    .prepare_cached(
                        "INSERT INTO resources (tenant_id, kind, id, version, created, last_modified, unique_key, display, active, doc, provenance)
                         VALUES (?1, ?2, ?3, 1, ?4, ?4, ?5, ?6, ?7, ?8, ?9)",
                    )
                    .map_err(backend)?;
                stmt.execute(params![tenant, kind.code(), id.as_str(), ms, keys.unique, keys.display, keys.active, doc, provenance])
                    .map_err(|e| {
                        if is_unique_violation(&e) && e.to_string().contains("resources.id") {
                            StoreError::Uniqueness(format!("id {id} exists"))
                        } else {
                            map_write(kind)(e)
                        }
                    })?;
                let seq = conn.last_insert_rowid();
                write_index_delta(conn, tenant, kind, seq, &index)?;
                write_prepared(conn, tenant, &journal, true)?;
                if !members.is_empty() {
                    let deltas = apply_members(conn, tenant, seq, &[MemberChange::Add(members)])?;
                    if let Some(group) = journal.entry() {
                        for d in deltas.iter() {
                            write_audit(conn, tenant, &group.for_member(&d, group_display.as_deref()))?;
                        }
                    }
                }
                let members = if kind == ResourceKind::Group { Some(rows::members(conn, seq)?) } else { None };
                Ok(members)
            })
            .await
            .map(|members| Record {
                kind: rec.kind,
                id: rec.id,
                version: Version::FIRST,
                created: rec.created,
                last_modified: rec.created,
                provenance: rec.provenance,
                doc: rec.doc,
                members,
                groups: None,
            })
    }

    async fn get(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        load: Load,
    ) -> StoreResult<Option<Record>> {
        let (tenant, id) = (self.tenant, id.to_string());
        // A point read by a unique index: inline (see `Readers::read_now`).
        self.readers
            .read_now(move |conn| Ok(rows::by_id(conn, tenant, kind, &id, load)?.map(|(_, r)| r)))
    }

    async fn apply(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        plan: Plan,
    ) -> StoreResult<Option<Applied>> {
        let (tenant, id) = (self.tenant, id.to_string());
        self.writer
            .write_as(tenant, plan.cost(), move |conn| {
                crate::plan::execute(conn, tenant, kind, &id, &plan)
            })
            .await
    }

    async fn delete(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        base: Option<Version>,
        journal: Journal,
    ) -> StoreResult<bool> {
        let (tenant, id) = (self.tenant, id.to_string());
        let journal = PreparedJournal::new(journal)?;
        self.writer
            .write_as(tenant, 4, move |conn| {
                check_base(conn, tenant, kind, &id, base)?;
                let gone = remove(conn, tenant, kind, &id)?.is_some();
                if gone {
                    crate::breaker::count(conn, tenant, &journal.journal)?;
                    write_prepared(conn, tenant, &journal, true)?;
                }
                Ok(gone)
            })
            .await
    }

    async fn query(&self, kind: ResourceKind, q: &Query) -> StoreResult<Page> {
        let tenant = self.tenant;
        // Lookups driven by an index (the IdPs' `userName eq` …) touch a few
        // rows: run them inline. Scans and sorts go to the blocking pool.
        let point = q
            .filter
            .as_ref()
            .is_some_and(|f| scim_store::index::driven_by_index(f, kind))
            && q.sort.is_none();
        if point {
            return self
                .readers
                .read_now(|conn| run_query(conn, tenant, kind, q));
        }
        let q = q.clone();
        self.readers
            .read(move |conn| run_query(conn, tenant, kind, &q))
            .await
    }

    async fn count(&self, kind: ResourceKind, active_only: bool) -> StoreResult<u64> {
        let tenant = self.tenant;
        self.readers
            .read(move |conn| {
                let sql = if active_only {
                    "SELECT count(*) FROM resources WHERE tenant_id = ?1 AND kind = ?2 AND active = 1"
                } else {
                    "SELECT count(*) FROM resources WHERE tenant_id = ?1 AND kind = ?2"
                };
                let n: i64 = conn.prepare_cached(sql).map_err(backend)?.query_row(params![tenant, kind.code()], |r| r.get(0)).map_err(backend)?;
                Ok(u64::try_from(n).unwrap_or(0))
            })
            .await
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
        let (tenant, id) = (self.tenant, id.to_string());
        let journal = PreparedJournal::new(journal)?;
        self.writer
            .write_as(tenant, 4, move |conn| {
                check_base(conn, tenant, kind, &id, base)?;
                let gone = crate::trash::trash(conn, tenant, kind, &id, deleted, purge_after)?;
                if gone {
                    crate::breaker::count(conn, tenant, &journal.journal)?;
                    write_prepared(conn, tenant, &journal, true)?;
                }
                Ok(gone)
            })
            .await
    }

    async fn list_trash(&self, kind: ResourceKind) -> StoreResult<Vec<Trashed>> {
        let tenant = self.tenant;
        self.readers
            .read(move |conn| crate::trash::list(conn, tenant, kind))
            .await
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
        let (tenant, id) = (self.tenant, id.to_string());
        let journal = PreparedJournal::new(journal)?;
        self.writer
            .write_as(tenant, 2 + keys.entries.len(), move |conn| {
                let back = crate::trash::restore(conn, tenant, kind, &id, &keys, &provenance, now)?;
                if back.is_some() {
                    write_prepared(conn, tenant, &journal, true)?;
                }
                Ok(back)
            })
            .await
    }

    async fn purge_trashed(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        journal: Journal,
    ) -> StoreResult<bool> {
        let (tenant, id) = (self.tenant, id.to_string());
        let journal = PreparedJournal::new(journal)?;
        self.writer
            .write_as(tenant, 1, move |conn| {
                let gone = crate::trash::purge_one(conn, tenant, kind, &id)?;
                if gone {
                    write_prepared(conn, tenant, &journal, true)?;
                }
                Ok(gone)
            })
            .await
    }
}

/// Fails with [`StoreError::NoSeat`] unless one more user of the tenant may
/// be active. Runs inside the writer's transaction, so concurrent creates
/// are counted one after another.
pub(crate) fn check_seat(conn: &Connection, tenant: i64) -> StoreResult<()> {
    let limit: Option<i64> = conn
        .prepare_cached("SELECT seat_limit FROM tenants WHERE id = ?1")
        .map_err(backend)?
        .query_row([tenant], |r| r.get(0))
        .optional()
        .map_err(backend)?
        .flatten();
    let Some(limit) = limit else { return Ok(()) };
    let used: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM resources WHERE tenant_id = ?1 AND kind = 0 AND active = 1",
        )
        .map_err(backend)?
        .query_row([tenant], |r| r.get(0))
        .map_err(backend)?;
    if used >= limit {
        return Err(StoreError::NoSeat(u64::try_from(limit).unwrap_or(0)));
    }
    Ok(())
}

/// A removed resource: what the trash keeps of it.
pub(crate) struct Removed {
    pub seq: i64,
    pub display: Option<String>,
    pub created: i64,
    pub version: i64,
    pub doc: String,
    pub provenance: String,
}

/// Removes a resource, its index entries and memberships; returns its row.
pub(crate) fn remove(
    conn: &Connection,
    tenant: i64,
    kind: ResourceKind,
    id: &str,
) -> StoreResult<Option<Removed>> {
    let found = conn
        .prepare_cached("SELECT seq, display, created, version, doc, provenance FROM resources WHERE tenant_id = ?1 AND kind = ?2 AND id = ?3")
        .map_err(backend)?
        .query_row(params![tenant, kind.code(), id], |r| {
            Ok(Removed {
                seq: r.get(0)?,
                display: r.get(1)?,
                created: r.get(2)?,
                version: r.get(3)?,
                doc: r.get(4)?,
                provenance: r.get(5)?,
            })
        })
        .optional()
        .map_err(backend)?;
    let Some(row) = found else { return Ok(None) };
    let doc = serde_json::from_str(&row.doc)
        .map_err(|e| StoreError::Backend(format!("bad document: {e}")))?;
    write_index(
        conn,
        tenant,
        kind,
        row.seq,
        &index_keys(kind, &doc, false),
        false,
    )?;
    for sql in [
        "DELETE FROM members WHERE group_seq = ?1",
        "DELETE FROM members WHERE member_seq = ?1",
        "DELETE FROM resources WHERE seq = ?1",
    ] {
        conn.prepare_cached(sql)
            .map_err(backend)?
            .execute([row.seq])
            .map_err(backend)?;
    }
    Ok(Some(row))
}

fn run_query(conn: &Connection, tenant: i64, kind: ResourceKind, q: &Query) -> StoreResult<Page> {
    let filter = where_clause(tenant, kind, q.filter.as_ref());
    let (offset, after_seq, keyset) = match &q.page {
        PageRequest::Offset(o) => (*o, None, false),
        PageRequest::Cursor(None) => (0, None, q.sort.is_none()),
        PageRequest::Cursor(Some(c)) => match cursor::decode(c)? {
            Position::AfterSeq(s) if q.sort.is_none() => (0, Some(s), true),
            Position::Offset(o) if q.sort.is_some() => (o, None, false),
            _ => {
                return Err(StoreError::InvalidCursor(
                    "the cursor belongs to a listing with another order".into(),
                ))
            }
        },
    };
    let (sql, params) = page_statement(
        &filter,
        q.sort.as_ref(),
        after_seq,
        q.limit.saturating_add(1),
        offset,
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(backend)?;
    let raws = stmt
        .query_map(params_from_iter(params.iter()), rows::record)
        .map_err(backend)?;
    let mut records = Vec::new();
    let mut last_seq = None;
    let mut more = false;
    let mut budget = scim_store::query::Budget::new(q.max_bytes);
    for raw in raws {
        let (seq, raw) = raw.map_err(backend)?;
        if records.len() as u64 == q.limit || !budget.open() {
            more = true;
            break;
        }
        let mut r = raw.parse()?;
        rows::complete(conn, seq, &mut r, q.load)?;
        budget.charge(&r);
        records.push(r);
        last_seq = Some(seq);
    }
    let next_cursor = match (&q.page, more) {
        (PageRequest::Cursor(_), true) if keyset => {
            last_seq.map(|s| cursor::encode(Position::AfterSeq(s)))
        }
        (PageRequest::Cursor(_), true) => Some(cursor::encode(Position::Offset(
            offset + records.len() as u64,
        ))),
        _ => None,
    };
    // A page that ends the listing tells the total without counting (the
    // common case of an IdP lookup: zero or one match from the start).
    let from_start = offset == 0 && after_seq.is_none();
    let total = if !more && (from_start || !records.is_empty()) && after_seq.is_none() {
        offset + records.len() as u64
    } else if q.filter.is_none() {
        // Unfiltered: the count the triggers keep (schema migration 5).
        let n: Option<i64> = conn
            .prepare_cached("SELECT n FROM resource_counts WHERE tenant_id = ?1 AND kind = ?2")
            .map_err(backend)?
            .query_row(params![tenant, kind.code()], |r| r.get(0))
            .optional()
            .map_err(backend)?;
        u64::try_from(n.unwrap_or(0)).unwrap_or(0)
    } else {
        let n: i64 = conn
            .prepare_cached(&count_statement(&filter))
            .map_err(backend)?
            .query_row(params_from_iter(filter.params.iter()), |r| r.get(0))
            .map_err(backend)?;
        u64::try_from(n).unwrap_or(0)
    };
    Ok(Page {
        records,
        total,
        next_cursor,
    })
}
