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
//!   and membership use indexes (`scim_store_sql::filter`); `EXPLAIN QUERY
//!   PLAN` is checked in the tests.
//!
//! What a store operation does is `scim_store_sql`'s, written once for
//! both SQL backends; this crate is how it reaches SQLite: the writer
//! thread, the readers, the checkpointer, the SQL functions and the
//! migrations ([`Sqlite`] is its [`Backend`]).

pub mod backup;
mod checkpoint;
mod epoch;
mod exec;
mod functions;
#[cfg(test)]
mod hostile_names;
mod readers;
mod schema;
pub mod writer;

use exec::backend;
use readers::Readers;
use rusqlite::Connection;
use scim_store::{StoreError, StoreResult};
use scim_store_sql::dialect::SQLITE;
use scim_store_sql::{Backend, Dialect, Job, SqlStore, Write};
use std::future::Future;
use std::path::{Path, PathBuf};
use writer::Writer;

/// Reads that run on the blocking pool at once (listings, scans); point
/// reads run inline and do not count. Each holds a connection with a 2 MB
/// page cache and a thread's allocations, so more of them buy little on a
/// small machine and cost memory (docs/performance.md: RSS at 1M users).
const READERS: usize = 4;

/// How long a point read may run on an async worker before it is stopped
/// and run again on the readers' pool (a lookup takes about 0.1 ms; an
/// index-led filter with a heavy remainder can take seconds).
const INLINE_BUDGET: std::time::Duration = std::time::Duration::from_millis(2);

/// Statements the writer keeps prepared.
const WRITER_STATEMENTS: usize = 256;

/// The SQLite store.
pub type SqliteStore = SqlStore<Sqlite>;

/// An SQLite database: its writer thread and its readers.
pub struct Sqlite {
    writer: Writer,
    readers: Readers,
    path: PathBuf,
    epoch: Option<epoch::Epoch>,
}

impl Sqlite {
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
             PRAGMA wal_autocheckpoint = 0;
             PRAGMA journal_size_limit = 67108864;",
        )
        .map_err(backend)?;
        conn.set_prepared_statement_cache_capacity(WRITER_STATEMENTS);
        functions::register(&conn).map_err(backend)?;
        schema::migrate(&mut conn).map_err(backend)?;
        Ok(SqlStore::new(Sqlite {
            writer: Writer::spawn(conn, checkpoint::spawn(&path))?,
            readers: Readers::new(path.clone(), READERS),
            epoch: epoch::Epoch::open(&path),
            path,
        }))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of this build.
    pub fn schema_version() -> i64 {
        schema::LATEST
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
}

impl Backend for Sqlite {
    fn dialect(&self) -> &'static dyn Dialect {
        &SQLITE
    }

    /// The size and time of the file beside the database that every
    /// process appends to after it changed a credential (`epoch.rs`).
    fn credential_epoch(&self) -> Option<u64> {
        self.epoch.as_ref()?.current()
    }

    fn credentials_changed(&self) {
        if let Some(e) = &self.epoch {
            e.bump();
        }
    }

    /// On the writer thread, in the lane and batch of `how`. The job (its
    /// input: documents, journals) comes back with the result, so that it
    /// is dropped here rather than on the writer thread, which would free
    /// a large document's values between two tenants' writes.
    fn write<T: Send + 'static>(
        &self,
        how: Write,
        job: impl Job<T>,
    ) -> impl Future<Output = StoreResult<T>> + Send {
        let done = self.writer.write_as(how.lane, how.cost, move |c| {
            // A failed job rolls back to its savepoint: it must fail here.
            exec::run(c, &job).map(|out| (out, job))
        });
        async move {
            let (out, job) = done.await?;
            drop(job);
            Ok(out)
        }
    }

    /// A point read on the calling thread (a hop to the blocking pool costs
    /// more than the read) for at most [`INLINE_BUDGET`]; a point read that
    /// takes longer, and every other read, on the readers' pool.
    async fn read<T: Send + 'static>(&self, point: bool, job: impl Job<T>) -> StoreResult<T> {
        if point {
            if let Some(done) = self.readers.read_now(INLINE_BUDGET, |c| exec::run(c, &job)) {
                return done;
            }
        }
        self.readers.read(move |c| exec::run(c, &job)).await
    }

    /// `VACUUM` on a connection of its own (it waits for the writer), then
    /// a truncated WAL: neither the file nor the WAL keeps what was
    /// replaced.
    async fn scrub_free_space(&self) -> StoreResult<()> {
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let c = Connection::open(&path).map_err(backend)?;
            c.busy_timeout(std::time::Duration::from_secs(30))
                .map_err(backend)?;
            c.execute_batch("VACUUM").map_err(backend)?;
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .map_err(backend)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("vacuum: {e}")))?
    }
}
