//! The single writer thread and its group commit.
//!
//! SQLite allows one writer at a time. All writes go to one thread that owns
//! the write connection. It takes every job waiting in its queue (up to
//! [`MAX_BATCH`]), runs each inside its own `SAVEPOINT` within one
//! `BEGIN IMMEDIATE` transaction, and commits once: one fsync (with
//! `synchronous=FULL`) for the whole batch. A job that fails rolls back to its
//! savepoint and leaves the others alone.
//!
//! Invariant: a job's caller hears "ok" only after the COMMIT that contains
//! its changes returned; if the commit fails, every job of the batch fails.

use rusqlite::Connection;
use scim_store::{StoreError, StoreResult};
use std::sync::mpsc;
use std::thread;
use tokio::sync::oneshot;

/// The most jobs one transaction takes.
pub const MAX_BATCH: usize = 512;

/// Sends the job's outcome once the batch's commit is known.
type Reply = Box<dyn FnOnce(StoreResult<()>) + Send>;
/// A job: runs against the connection; says whether it succeeded, and how to reply.
type Job = Box<dyn FnOnce(&Connection) -> (bool, Reply) + Send>;

/// A handle to the writer thread.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Job>,
}

pub(crate) fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("sqlite: {e}"))
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn spawn(conn: Connection) -> StoreResult<Writer> {
        let (tx, rx) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("scimd-sqlite-writer".into())
            .spawn(move || run(conn, rx))
            .map_err(|e| StoreError::Backend(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer { tx })
    }

    /// Runs `f` in the next batch and returns its result after the commit.
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (done, wait) = oneshot::channel::<StoreResult<T>>();
        let job: Job = Box::new(move |conn| match f(conn) {
            Ok(value) => (
                true,
                Box::new(move |committed: StoreResult<()>| {
                    let _ = done.send(committed.map(|()| value));
                }) as Reply,
            ),
            Err(e) => (
                false,
                Box::new(move |_committed: StoreResult<()>| {
                    let _ = done.send(Err(e));
                }) as Reply,
            ),
        });
        self.tx
            .send(job)
            .map_err(|_| StoreError::Backend("the writer thread has stopped".into()))?;
        wait.await
            .map_err(|_| StoreError::Backend("the writer thread dropped a job".into()))?
    }
}

fn run(conn: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
        let mut batch = Vec::with_capacity(16);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&conn, batch);
    }
}

/// Runs one batch. A job that cannot even start is dropped, which its caller
/// sees as a failed write (its reply channel closes unanswered).
fn run_batch(conn: &Connection, batch: Vec<Job>) {
    if conn.execute_batch("BEGIN IMMEDIATE").is_err() {
        return;
    }
    let mut replies: Vec<Reply> = Vec::with_capacity(batch.len());
    for job in batch {
        if conn.execute_batch("SAVEPOINT job").is_err() {
            continue;
        }
        let (ok, reply) = job(conn);
        let end = if ok {
            "RELEASE job"
        } else {
            "ROLLBACK TO job; RELEASE job"
        };
        if let Err(e) = conn.execute_batch(end) {
            // The transaction is unusable: fail the whole batch.
            let err = backend(e);
            let _ = conn.execute_batch("ROLLBACK");
            reply(Err(err.clone()));
            for r in replies {
                r(Err(err.clone()));
            }
            return;
        }
        replies.push(reply);
    }
    let committed = conn.execute_batch("COMMIT").map_err(backend);
    if committed.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    for reply in replies {
        reply(committed.clone());
    }
}
