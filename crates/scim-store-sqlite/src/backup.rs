//! Online backup and restore of a SQLite database file (`scimd backup`,
//! `scimd restore`; docs/deploy.md).
//!
//! - [`backup`] runs `VACUUM INTO` on a connection of its own: one read
//!   transaction, so the copy is the committed state at one instant, taken
//!   while `serve` goes on writing (in WAL mode readers and the writer do
//!   not wait for each other). The copy is compacted, made readable by its
//!   owner only, and checked with `PRAGMA integrity_check`.
//! - [`restore`] checks a backup, then copies it page by page into the
//!   database with SQLite's backup API, under SQLite's own locks, so the
//!   database is replaced whole or not at all.

use crate::schema;
use rusqlite::{Connection, OpenFlags};
use scim_store::{StoreError, StoreResult};
use std::path::Path;

/// What a backup or restore copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// The schema version of the copy.
    pub schema_version: i64,
    /// Its size in bytes.
    pub bytes: u64,
}

fn fail(what: &str, path: &Path, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("{what} {}: {e}", path.display()))
}

/// Opens an existing database file (never creates one).
fn open_existing(path: &Path, flags: OpenFlags) -> StoreResult<Connection> {
    if !path.is_file() {
        return Err(fail("no database at", path, "no such file"));
    }
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| fail("cannot open", path, e))?;
    conn.execute_batch("PRAGMA busy_timeout = 5000;")
        .map_err(|e| fail("cannot open", path, e))?;
    crate::functions::register(&conn).map_err(|e| fail("cannot open", path, e))?;
    Ok(conn)
}

/// Checks a database file that is not in use: sound, and a scimd schema
/// this build can serve.
fn verify(path: &Path) -> StoreResult<Copied> {
    let conn = open_existing(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let report: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| fail("cannot check", path, e))?;
    if report != "ok" {
        return Err(fail("integrity check failed for", path, report));
    }
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| fail("cannot read", path, e))?;
    if version < 1 {
        return Err(fail("not a scimd database:", path, "no schema"));
    }
    if version > schema::LATEST {
        return Err(fail(
            "made by a newer scimd:",
            path,
            format!("schema {version}, this build knows {}", schema::LATEST),
        ));
    }
    let bytes = std::fs::metadata(path)
        .map_err(|e| fail("cannot read", path, e))?
        .len();
    Ok(Copied {
        schema_version: version,
        bytes,
    })
}

/// Copies the live database `db` to the new file `to` (refused if it
/// exists), consistently and without stopping writers; see the module docs.
pub fn backup(db: &Path, to: &Path) -> StoreResult<Copied> {
    let source = open_existing(db, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    // An empty file of mode 0600 first: VACUUM INTO fills an empty file,
    // and the copy holds every provisioned user.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(to).map_err(|e| fail("cannot create", to, e))?;
    let target = to.to_string_lossy().into_owned();
    if let Err(e) = source.execute("VACUUM INTO ?1", [&target]) {
        let _ = std::fs::remove_file(to);
        return Err(fail("cannot back up", db, e));
    }
    drop(source);
    let copied = verify(to);
    if copied.is_err() {
        let _ = std::fs::remove_file(to);
    }
    copied
}

/// Replaces the contents of `db` (created if missing) with the backup
/// `from`, after checking it. Stop every `serve` on `db` first: a running
/// server would go on from the restored state without knowing it.
pub fn restore(from: &Path, db: &Path) -> StoreResult<Copied> {
    let copied = verify(from)?;
    let mut target = Connection::open(db).map_err(|e| fail("cannot open", db, e))?;
    target
        .execute_batch("PRAGMA busy_timeout = 5000;")
        .map_err(|e| fail("cannot open", db, e))?;
    target
        .restore(
            rusqlite::MAIN_DB,
            from,
            None::<fn(rusqlite::backup::Progress)>,
        )
        .map_err(|e| fail("cannot restore into", db, e))?;
    Ok(copied)
}
