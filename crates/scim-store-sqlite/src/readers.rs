//! A bounded pool of read-only connections. WAL lets readers run beside the
//! writer. Reads run on tokio's blocking pool; at most `size` at once, each
//! on a connection kept open for reuse (opening one parses the schema, so
//! connections are never opened per request).

use crate::exec::backend;
use rusqlite::{Connection, OpenFlags};
use scim_store::{StoreError, StoreResult};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Read connections, opened on demand up to `size` and kept.
#[derive(Clone)]
pub struct Readers {
    path: Arc<PathBuf>,
    idle: Arc<Mutex<Vec<Connection>>>,
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

    fn take(&self) -> StoreResult<Connection> {
        if let Some(c) = self.idle.lock().map_err(|_| poisoned())?.pop() {
            return Ok(c);
        }
        open_reader(&self.path)
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }

    /// Runs `f` on the calling thread. For point reads that take
    /// microseconds (a token, a resource by id, an indexed lookup), a hop to
    /// the blocking pool costs more than the read itself.
    pub fn read_now<T>(&self, f: impl FnOnce(&mut Connection) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.take()?;
        let out = f(&mut conn);
        self.give_back(conn);
        out
    }

    /// Runs `f` with a read connection on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
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
            let out = f(&mut conn);
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
