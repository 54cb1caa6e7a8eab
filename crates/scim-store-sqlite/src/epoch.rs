//! The credential epoch of an SQLite database: a file beside it
//! (`<database>-auth`) that every process appends a byte to after it
//! committed a change to a credential (a token revoked or expired, a
//! connection or tenant changed or deleted). Its size and modification
//! time, read with one `fstat`, are the epoch: a server keeps the
//! credentials it authenticated while they stay the same, and reads them
//! again as soon as the command line, the console or another process
//! changed one. The file holds no data; it is kept under
//! [`MAX_LEN`] bytes by truncating it (which moves the epoch too).

use std::fs::{File, OpenOptions};
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::Path;
use std::time::UNIX_EPOCH;

/// The file is truncated once it grew past this.
const MAX_LEN: u64 = 64 * 1024;

/// The epoch file of one database.
#[derive(Debug)]
pub struct Epoch {
    file: File,
}

impl Epoch {
    /// Opens (creating) the epoch file of the database at `db`; `None`
    /// when it cannot (a read-only directory): credentials are then read
    /// for every request.
    pub fn open(db: &Path) -> Option<Epoch> {
        let mut name = db.as_os_str().to_owned();
        name.push("-auth");
        match OpenOptions::new().create(true).append(true).open(&name) {
            Ok(file) => Some(Epoch { file }),
            Err(e) => {
                tracing::warn!(file = ?name, error = %e, "no credential epoch file: every request reads its credential");
                None
            }
        }
    }

    /// The current epoch; `None` when the file cannot be read.
    pub fn current(&self) -> Option<u64> {
        let meta = self.file.metadata().ok()?;
        let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (meta.len(), modified.as_nanos()).hash(&mut h);
        Some(h.finish())
    }

    /// Moves the epoch (after a credential changed).
    pub fn bump(&self) {
        let mut file = &self.file;
        let grown = file.metadata().map(|m| m.len()).unwrap_or(0);
        if grown >= MAX_LEN {
            let _ = file.set_len(0);
        }
        if let Err(e) = file.write_all(b".") {
            tracing::warn!(error = %e, "cannot move the credential epoch");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bump_from_any_process_moves_the_epoch() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let server = Epoch::open(&db).unwrap();
        let cli = Epoch::open(&db).unwrap();
        let mut seen = vec![server.current().unwrap()];
        for _ in 0..5 {
            cli.bump();
            let now = server.current().unwrap();
            assert!(!seen.contains(&now), "the epoch did not move");
            seen.push(now);
            assert_eq!(cli.current(), Some(now));
        }
    }

    #[test]
    fn the_file_stays_small() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("s.db");
        let e = Epoch::open(&db).unwrap();
        e.file.set_len(MAX_LEN).unwrap();
        let before = e.current().unwrap();
        e.bump();
        assert_eq!(e.file.metadata().unwrap().len(), 1);
        assert_ne!(e.current().unwrap(), before);
    }
}
