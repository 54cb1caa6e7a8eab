//! Checkpoints off the writer's thread.
//!
//! SQLite's automatic checkpoint runs on the connection that commits, so it
//! would stall the single writer (and every write queued behind it) while
//! it copies the WAL into the database file. The writer's connection has it
//! turned off; instead, after a commit, the writer nudges this thread, which
//! runs a `PASSIVE` checkpoint on a connection of its own at most once per
//! [`INTERVAL`]. A passive checkpoint never blocks the writer or readers:
//! it copies what it can, and the WAL starts over once all of it was copied
//! and no reader still reads from it.
//!
//! Under a stream of writes the checkpoint never finds the WAL copied whole
//! when the next write starts, so the WAL would only grow (3.8 GB after a
//! 100,000-user seed, and a start-up of 4.5 s reading it). Once it passes
//! [`WAL_RESTART_BYTES`], the checkpointer also runs a `RESTART`
//! checkpoint, waiting at most [`RESTART_WAIT`] for the readers of old
//! snapshots; the writer gives way before its next batch meanwhile
//! ([`Nudge::give_way`]; there is little left to copy after the passive
//! checkpoint), and a restart that found no opening is tried again after
//! the next commit. The writer's connection keeps the WAL file at most
//! `journal_size_limit` long once it starts over.

use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// The least time between two checkpoints.
pub const INTERVAL: Duration = Duration::from_millis(500);

/// The WAL size past which a checkpoint also restarts the WAL.
pub const WAL_RESTART_BYTES: u64 = 64 * 1024 * 1024;

/// How long a restarting checkpoint waits for the writer and old readers.
pub const RESTART_WAIT: Duration = Duration::from_millis(20);

/// The writer's end: tells the checkpointer that something was committed,
/// and steps aside while it restarts the WAL.
#[derive(Clone)]
pub(crate) struct Nudge(Option<SyncSender<()>>, Arc<AtomicBool>);

impl Nudge {
    /// Something was committed (never blocks).
    pub(crate) fn committed(&self) {
        if let Some(tx) = &self.0 {
            match tx.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
            }
        }
    }

    /// Before a write: while the checkpointer restarts the WAL, waits (at
    /// most twice [`RESTART_WAIT`]) so that it gets the write lock, which
    /// a stream of writes would otherwise never leave free.
    pub(crate) fn give_way(&self) {
        let until = Instant::now() + 2 * RESTART_WAIT;
        while self.1.load(Ordering::Acquire) && Instant::now() < until {
            thread::sleep(Duration::from_micros(500));
        }
    }
}

/// Starts the checkpointer for the database at `path`; without a thread (an
/// in-memory or unopenable database), commits checkpoint nothing until the
/// WAL is checkpointed by the next open.
pub(crate) fn spawn(path: &Path) -> Nudge {
    spawn_with(path, WAL_RESTART_BYTES, INTERVAL)
}

/// [`spawn`] restarting the WAL past `restart_bytes`, checkpointing at
/// most once per `interval`.
fn spawn_with(path: &Path, restart_bytes: u64, interval: Duration) -> Nudge {
    let restarting = Arc::new(AtomicBool::new(false));
    let Ok(conn) = Connection::open(path) else {
        return Nudge(None, restarting);
    };
    if conn
        .execute_batch("PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;")
        .is_err()
    {
        return Nudge(None, restarting);
    }
    let (tx, rx) = mpsc::sync_channel(1);
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let wal = std::path::PathBuf::from(wal);
    let flag = restarting.clone();
    let started = thread::Builder::new()
        .name("scimd-sqlite-checkpoint".into())
        .spawn(move || run(&conn, &rx, &wal, restart_bytes, interval, &flag));
    match started {
        Ok(_) => Nudge(Some(tx), restarting),
        Err(_) => Nudge(None, restarting),
    }
}

fn run(
    conn: &Connection,
    rx: &Receiver<()>,
    wal: &Path,
    restart_bytes: u64,
    interval: Duration,
    restarting: &AtomicBool,
) {
    let mut last = Instant::now();
    // Ends when the writer (the only sender) is gone.
    while rx.recv().is_ok() {
        let wait = interval.saturating_sub(last.elapsed());
        if !wait.is_zero() {
            thread::sleep(wait);
        }
        // Commits that arrived meanwhile are covered by this checkpoint.
        while rx.try_recv().is_ok() {}
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
        if std::fs::metadata(wal).is_ok_and(|m| m.len() > restart_bytes) {
            restarting.store(true, Ordering::Release);
            restart(conn);
            restarting.store(false, Ordering::Release);
        }
        last = Instant::now();
    }
}

/// A `RESTART` checkpoint waiting at most [`RESTART_WAIT`]; busy (the
/// writer or an old reader did not let go in time) is tried again later.
fn restart(conn: &Connection) {
    if conn.busy_timeout(RESTART_WAIT).is_err() {
        return;
    }
    // The row says (busy, frames in the WAL, frames copied).
    let done = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |r| r.get::<_, i64>(0));
    if let Err(e) = done {
        tracing::warn!(error = %e, "WAL restart checkpoint failed");
    }
    let _ = conn.busy_timeout(Duration::from_secs(5));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `rows` rows of 8 KiB in one stream of commits, as a loaded
    /// server does (the checkpointer never finds the WAL copied whole when
    /// the next write starts); the WAL's size right after.
    fn wal_after_writes(restart_bytes: u64, rows: usize) -> u64 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let w = Connection::open(&path).unwrap();
        w.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA wal_autocheckpoint = 0;
             PRAGMA journal_size_limit = 1048576; PRAGMA busy_timeout = 5000;
             CREATE TABLE t (v BLOB);",
        )
        .unwrap();
        let nudge = spawn_with(&path, restart_bytes, Duration::from_millis(5));
        let blob = vec![7u8; 8 * 1024];
        for _ in 0..rows {
            nudge.give_way();
            w.execute("INSERT INTO t (v) VALUES (?1)", [&blob]).unwrap();
            nudge.committed();
        }
        std::fs::metadata(dir.path().join("t.db-wal")).map_or(0, |m| m.len())
    }

    #[test]
    fn the_wal_starts_over_under_a_stream_of_writes() {
        // 48 MiB of rows (about 100 MiB of WAL frames) written: without
        // restarts the WAL holds all of it; with them, a few MiB.
        let size = wal_after_writes(1024 * 1024, 6_000);
        assert!(size <= 32 * 1024 * 1024, "the WAL grew to {size} bytes");
    }
}
