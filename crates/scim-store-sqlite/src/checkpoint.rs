//! Checkpoints off the writer's thread.
//!
//! SQLite's automatic checkpoint runs on the connection that commits, so it
//! would stall the single writer (and every write queued behind it) while
//! it copies the WAL into the database file. The writer's connection has it
//! turned off; instead, after a commit, the writer nudges this thread, which
//! runs a `PASSIVE` checkpoint on a connection of its own at most once per
//! [`INTERVAL`]. A passive checkpoint never blocks the writer or readers:
//! it copies what it can, and the WAL starts over once all of it was copied.

use rusqlite::Connection;
use std::path::Path;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::thread;
use std::time::{Duration, Instant};

/// The least time between two checkpoints.
pub const INTERVAL: Duration = Duration::from_millis(500);

/// The writer's end: tells the checkpointer that something was committed.
#[derive(Clone)]
pub(crate) struct Nudge(Option<SyncSender<()>>);

impl Nudge {
    /// Something was committed (never blocks).
    pub(crate) fn committed(&self) {
        if let Some(tx) = &self.0 {
            match tx.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
            }
        }
    }
}

/// Starts the checkpointer for the database at `path`; without a thread (an
/// in-memory or unopenable database), commits checkpoint nothing until the
/// WAL is checkpointed by the next open.
pub(crate) fn spawn(path: &Path) -> Nudge {
    let Ok(conn) = Connection::open(path) else {
        return Nudge(None);
    };
    if conn
        .execute_batch("PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;")
        .is_err()
    {
        return Nudge(None);
    }
    let (tx, rx) = mpsc::sync_channel(1);
    let started = thread::Builder::new()
        .name("scimd-sqlite-checkpoint".into())
        .spawn(move || run(&conn, &rx));
    match started {
        Ok(_) => Nudge(Some(tx)),
        Err(_) => Nudge(None),
    }
}

fn run(conn: &Connection, rx: &Receiver<()>) {
    let mut last = Instant::now();
    // Ends when the writer (the only sender) is gone.
    while rx.recv().is_ok() {
        let wait = INTERVAL.saturating_sub(last.elapsed());
        if !wait.is_zero() {
            thread::sleep(wait);
        }
        // Commits that arrived meanwhile are covered by this checkpoint.
        while rx.try_recv().is_ok() {}
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
        last = Instant::now();
    }
}
