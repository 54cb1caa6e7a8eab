//! A pool of read-only connections. WAL lets readers run beside the writer;
//! each read runs on tokio's blocking pool with a connection from here.

use crate::writer::backend;
use rusqlite::{Connection, OpenFlags};
use scim_store::{StoreError, StoreResult};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Read connections, opened on demand and kept for reuse.
#[derive(Clone)]
pub struct Readers {
    path: Arc<PathBuf>,
    idle: Arc<Mutex<Vec<Connection>>>,
    max_idle: usize,
}

impl Readers {
    /// A pool over the database at `path`.
    pub fn new(path: PathBuf, max_idle: usize) -> Readers {
        Readers {
            path: Arc::new(path),
            idle: Arc::new(Mutex::new(Vec::new())),
            max_idle,
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
            if idle.len() < self.max_idle {
                idle.push(conn);
            }
        }
    }

    /// Runs `f` with a read connection on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.take()?;
            let out = f(&conn);
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
    conn.execute_batch(
        "PRAGMA busy_timeout = 5000; PRAGMA cache_size = -16000; PRAGMA mmap_size = 268435456;",
    )
    .map_err(backend)?;
    crate::functions::register(&conn).map_err(backend)?;
    Ok(conn)
}
