//! A bounded pool of read-only connections. WAL lets readers run beside the
//! writer. Reads run on tokio's blocking pool; at most `size` at once, each
//! on a connection kept open for reuse (opening one parses the schema, so
//! connections are never opened per request).
//!
//! Every read stops at the deadline of the request it serves
//! ([`scim_store::deadline`]): each connection has a progress handler that
//! SQLite calls every [`CHECK_EVERY`] virtual-machine instructions, and
//! that interrupts the statement once the read's [`Limit`] has expired
//! (the deadline passed, or the request that waited for the read went
//! away). The statement then fails with `SQLITE_INTERRUPT`, which the
//! store answers as [`scim_store::StoreError::Deadline`].

use crate::exec::backend;
use rusqlite::{Connection, OpenFlags};
use scim_store::{StoreError, StoreResult};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Instructions between two checks of a read's limit: a point read runs a
/// few hundred, so it is checked about never; a scan is checked every few
/// microseconds.
const CHECK_EVERY: i32 = 4_000;

/// When a read must stop.
#[derive(Debug, Default)]
pub struct Limit {
    until: Option<Instant>,
    abandoned: AtomicBool,
}

impl Limit {
    /// The limit of a read started now, in the current request's task.
    fn current() -> Arc<Limit> {
        Arc::new(Limit {
            until: scim_store::deadline::current(),
            abandoned: AtomicBool::new(false),
        })
    }

    /// The limit of a read that may take `budget` at most, and stops at
    /// the request's deadline if that comes first.
    fn at_most(budget: Duration) -> Arc<Limit> {
        let cap = Instant::now() + budget;
        let until = match scim_store::deadline::current() {
            Some(at) if at < cap => at,
            _ => cap,
        };
        Arc::new(Limit {
            until: Some(until),
            abandoned: AtomicBool::new(false),
        })
    }

    fn expired(&self) -> bool {
        self.abandoned.load(Ordering::Relaxed) || self.until.is_some_and(|u| Instant::now() >= u)
    }
}

/// Marks a read abandoned when the future waiting for it is dropped.
struct Abandon(Arc<Limit>);

impl Drop for Abandon {
    fn drop(&mut self) {
        self.0.abandoned.store(true, Ordering::Relaxed);
    }
}

/// The limit a connection's progress handler checks.
type Slot = Arc<Mutex<Option<Arc<Limit>>>>;

/// A read connection and the slot of its current read's limit.
pub struct Reader {
    conn: Connection,
    slot: Slot,
}

impl Reader {
    fn open(path: &PathBuf) -> StoreResult<Reader> {
        let conn = open_reader(path)?;
        let slot: Slot = Arc::default();
        let seen = slot.clone();
        conn.progress_handler(
            CHECK_EVERY,
            Some(move || {
                seen.lock()
                    .ok()
                    .and_then(|s| s.as_ref().map(|l| l.expired()))
                    .unwrap_or(false)
            }),
        );
        Ok(Reader { conn, slot })
    }

    /// Runs `f` under `limit`.
    fn run<T>(
        &mut self,
        limit: Arc<Limit>,
        f: impl FnOnce(&mut Connection) -> StoreResult<T>,
    ) -> StoreResult<T> {
        if limit.expired() {
            return Err(StoreError::Deadline);
        }
        self.set(Some(limit));
        let out = f(&mut self.conn);
        self.set(None);
        out
    }

    fn set(&self, limit: Option<Arc<Limit>>) {
        if let Ok(mut slot) = self.slot.lock() {
            *slot = limit;
        }
    }
}

/// Read connections, opened on demand up to `size` and kept.
#[derive(Clone)]
pub struct Readers {
    path: Arc<PathBuf>,
    idle: Arc<Mutex<Vec<Reader>>>,
    permits: Arc<Semaphore>,
}

impl Readers {
    /// A pool of at most `size` connections to the database at `path`.
    pub fn new(path: PathBuf, size: usize) -> Readers {
        Readers {
            path: Arc::new(path),
            idle: Arc::new(Mutex::new(Vec::new())),
            permits: Arc::new(Semaphore::new(size.max(1))),
        }
    }

    fn take(&self) -> StoreResult<Reader> {
        if let Some(c) = self.idle.lock().map_err(|_| poisoned())?.pop() {
            return Ok(c);
        }
        Reader::open(&self.path)
    }

    fn give_back(&self, conn: Reader) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }

    /// Runs `f` on the calling thread, for at most `budget`. For point
    /// reads that take microseconds (a token, a resource by id, an indexed
    /// lookup), a hop to the blocking pool costs more than the read
    /// itself; but a read that turns out heavier must not hold an async
    /// worker. `None` when `f` was stopped at `budget` before the request's
    /// deadline: run it again with [`Readers::read`].
    pub fn read_now<T>(
        &self,
        budget: Duration,
        f: impl FnOnce(&mut Connection) -> StoreResult<T>,
    ) -> Option<StoreResult<T>> {
        let mut conn = match self.take() {
            Ok(c) => c,
            Err(e) => return Some(Err(e)),
        };
        let out = conn.run(Limit::at_most(budget), f);
        self.give_back(conn);
        let deadline_passed =
            scim_store::deadline::current().is_some_and(|at| Instant::now() >= at);
        match out {
            Err(StoreError::Deadline) if !deadline_passed => None,
            out => Some(out),
        }
    }

    /// Runs `f` with a read connection on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let limit = Limit::current();
        let _abandon = Abandon(limit.clone());
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Backend("reader pool closed".into()))?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let mut conn = pool.take()?;
            let out = conn.run(limit, f);
            pool.give_back(conn);
            out
        })
        .await
        .map_err(|e| StoreError::Backend(format!("read task failed: {e}")))?
    }
}

fn poisoned() -> StoreError {
    StoreError::Backend("reader pool lock poisoned".into())
}

/// Opens a read-only connection with the scimd functions registered.
pub fn open_reader(path: &PathBuf) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(backend)?;
    conn.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA cache_size = -2000;")
        .map_err(backend)?;
    conn.set_prepared_statement_cache_capacity(64);
    crate::functions::register(&conn).map_err(backend)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(size: usize) -> (tempfile::TempDir, Readers) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("r.db");
        Connection::open(&path)
            .and_then(|c| c.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x);"))
            .expect("database");
        (dir, Readers::new(path, size))
    }

    /// A statement that runs for a very long time unless interrupted.
    fn endless(c: &mut Connection) -> StoreResult<i64> {
        c.query_row(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000000000) SELECT count(*) FROM n",
            [],
            |r| r.get(0),
        )
        .map_err(backend)
    }

    #[tokio::test]
    async fn a_read_stops_at_the_deadline() {
        let (_dir, readers) = pool(2);
        let at = Instant::now() + Duration::from_millis(50);
        let r = readers.clone();
        let budget = Duration::from_secs(3600);
        let inline =
            scim_store::deadline::within(at, async move { r.read_now(budget, endless) }).await;
        assert_eq!(inline, Some(Err(StoreError::Deadline)));
        let at = Instant::now() + Duration::from_millis(50);
        let pooled = scim_store::deadline::within(at, readers.read(endless)).await;
        assert_eq!(pooled, Err(StoreError::Deadline));
        // The connections are fine afterwards.
        let n = readers
            .read(|c| {
                c.query_row("SELECT 42", [], |r| r.get::<_, i64>(0))
                    .map_err(backend)
            })
            .await;
        assert_eq!(n, Ok(42));
    }

    #[tokio::test]
    async fn an_inline_read_stops_at_its_budget_and_says_so() {
        let (_dir, readers) = pool(1);
        let budget = Duration::from_millis(5);
        assert_eq!(readers.read_now(budget, endless), None);
        let at = Instant::now() + Duration::from_secs(3600);
        let r = readers.clone();
        let quick = scim_store::deadline::within(at, async move {
            r.read_now(budget, |c| {
                c.query_row("SELECT 7", [], |r| r.get::<_, i64>(0))
                    .map_err(backend)
            })
        })
        .await;
        assert_eq!(quick, Some(Ok(7)));
    }

    #[tokio::test]
    async fn an_abandoned_read_stops() {
        let (_dir, readers) = pool(1);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let r = readers.clone();
        let read = r.read(move |c| {
            let _ = tx.send(());
            endless(c)
        });
        // Drop the read's future once it has started: the statement stops
        // and gives back the pool's only connection, which the read below
        // waits for (it would wait forever if the statement went on; the
        // guard only turns such a hang into a failure).
        tokio::select! {
            _ = read => panic!("an endless read ended"),
            _ = rx => {}
        }
        let next = readers.read(|c| {
            c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
                .map_err(backend)
        });
        let n = tokio::time::timeout(Duration::from_secs(60), next).await;
        assert_eq!(n, Ok(Ok(1)));
    }
}
