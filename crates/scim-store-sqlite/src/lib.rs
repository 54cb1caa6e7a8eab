//! The embedded SQLite backend of scimd (the default store).
//!
//! - **Durability.** WAL journal with `synchronous=FULL`: a write is
//!   acknowledged only after its commit reached the disk, so it survives
//!   `kill -9` and power loss.
//! - **Throughput.** One writer thread batches concurrent writes into one
//!   transaction (group commit, see [`writer`]); readers use their own
//!   connections and never wait for the writer.
//! - **Uniqueness** is enforced by unique indexes, not by check-then-insert.
//! - **Lookups** by `userName`, `externalId`, `emails.value`, `displayName`
//!   and membership use indexes ([`sql_filter`]); `EXPLAIN QUERY PLAN` is
//!   checked in the tests.

mod admin;
mod admins;
pub mod backup;
mod breaker;
mod checkpoint;
mod functions;
#[cfg(test)]
mod hostile_names;
mod journal;
mod members;
mod plan;
mod readers;
mod resources;
mod rows;
mod schema;
pub mod sql_filter;
pub mod sql_query;
mod sql_sort;
mod tenant_delete;
mod trash;
mod webhook_rows;
pub mod writer;

use readers::Readers;
use rusqlite::Connection;
use scim_core::timestamp::Timestamp;
use scim_store::*;
use std::path::{Path, PathBuf};
use writer::{backend, Writer};

/// Reads that run on the blocking pool at once (listings, scans); point
/// reads run inline and do not count. Each holds a connection with a 2 MB
/// page cache and a thread's allocations, so more of them buy little on a
/// small machine and cost memory (docs/performance.md: RSS at 1M users).
const READERS: usize = 4;

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    writer: Writer,
    readers: Readers,
    path: PathBuf,
}

pub(crate) fn ts(ms: i64) -> StoreResult<Timestamp> {
    Timestamp::from_unix_millis(ms)
        .ok_or_else(|| StoreError::Backend(format!("bad timestamp {ms}")))
}

pub(crate) fn opt_ts(ms: Option<i64>) -> StoreResult<Option<Timestamp>> {
    ms.map(ts).transpose()
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<SqliteStore> {
        let path = path.as_ref().to_path_buf();
        let mut conn = Connection::open(&path).map_err(backend)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;
             PRAGMA foreign_keys = OFF;
             PRAGMA cache_size = -16000;
             PRAGMA temp_store = MEMORY;
             PRAGMA wal_autocheckpoint = 0;",
        )
        .map_err(backend)?;
        functions::register(&conn).map_err(backend)?;
        schema::migrate(&mut conn).map_err(backend)?;
        Ok(SqliteStore {
            writer: Writer::spawn(conn, checkpoint::spawn(&path))?,
            readers: Readers::new(path.clone(), READERS),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of this build.
    pub fn schema_version() -> i64 {
        schema::latest()
    }

    /// `PRAGMA integrity_check`: `ok` when the database is sound.
    pub async fn integrity_check(&self) -> StoreResult<String> {
        self.readers
            .read(|c| {
                c.query_row("PRAGMA integrity_check", [], |r| r.get(0))
                    .map_err(backend)
            })
            .await
    }

    /// The query plan SQLite chooses for a list query (for tests and diagnostics).
    pub async fn explain(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        filter: scim_core::filter::Lowered,
    ) -> StoreResult<String> {
        let t = tenant.db_key();
        self.readers
            .read(move |conn| {
                let w = sql_query::where_clause(t, kind, Some(&filter));
                let (sql, params) = sql_query::page_statement(&w, None, None, 101, 0);
                let mut stmt = conn
                    .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .map_err(backend)?;
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                        r.get::<_, String>(3)
                    })
                    .map_err(backend)?;
                Ok(rows
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(backend)?
                    .join("\n"))
            })
            .await
    }

    /// `EXPLAIN QUERY PLAN` of the statements that compute `User.groups`,
    /// separated by blank lines (for tests and diagnostics).
    pub async fn explain_groups(&self) -> StoreResult<String> {
        self.readers
            .read(move |conn| {
                let mut plans = Vec::new();
                for sql in [rows::PARENT_GROUPS, rows::DESCRIBE_GROUP] {
                    let mut stmt = conn
                        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                        .map_err(backend)?;
                    let rows = stmt
                        .query_map([0i64], |r| r.get::<_, String>(3))
                        .map_err(backend)?;
                    plans.push(
                        rows.collect::<rusqlite::Result<Vec<_>>>()
                            .map_err(backend)?
                            .join("\n"),
                    );
                }
                Ok(plans.join("\n\n"))
            })
            .await
    }
}
