//! The first start's token. On an empty database `serve` creates the
//! tenant `default` and one token, shown once. On a terminal it is printed;
//! otherwise (systemd's journal, a container's log) it is written to a file
//! of mode 0600 instead, so that the secret does not stay in a log: by
//! default `first-token` beside the SQLite database (the working directory
//! on PostgreSQL), or `--first-token-file`, which also applies on a
//! terminal. If the file cannot be written the token is printed after all
//! (it exists nowhere else).

use crate::config::Database;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The default file name, beside the database.
pub const FILE_NAME: &str = "first-token";

/// Where the token goes when it is not printed.
pub fn default_path(db: &Database) -> PathBuf {
    match db {
        Database::Sqlite(path) => path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from(FILE_NAME), |dir| dir.join(FILE_NAME)),
        Database::Postgres(_) => PathBuf::from(FILE_NAME),
    }
}

/// Writes `token` and a newline to `path`, readable by its owner only.
pub fn write_private(path: &Path, token: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut f = options.open(path)?;
        // `mode` applies only to a new file; an old one is narrowed too.
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        f.write_all(format!("{token}\n").as_bytes())?;
        f.sync_all()
    }
    #[cfg(not(unix))]
    {
        let mut f = options.open(path)?;
        f.write_all(format!("{token}\n").as_bytes())?;
        f.sync_all()
    }
}

/// Announces a new database's base URL and first token on stdout.
/// Stdout errors are ignored: the server keeps serving.
pub fn announce(base: &str, token: &str, file: Option<&Path>, default: &Path) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Created tenant \"default\" in a new database.");
    let _ = writeln!(out, "SCIM base URL: {base}");
    let target = match file {
        Some(f) => Some(f),
        None if out.is_terminal() => None,
        None => Some(default),
    };
    if let Some(path) = target {
        match write_private(path, token) {
            Ok(()) => {
                let _ = writeln!(
                    out,
                    "Bearer token (shown once; keep it secret) in the file (mode 0600; delete it once read):"
                );
                let shown = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
                let _ = writeln!(out, "{}", shown.display());
                return;
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot write the first token's file; printing the token");
            }
        }
    }
    let _ = writeln!(out, "Bearer token (shown once; keep it secret):");
    let _ = writeln!(out, "{token}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_path_is_beside_the_database() {
        let cases = [
            (
                "sqlite:///var/lib/scimd/scimd.db",
                "/var/lib/scimd/first-token",
            ),
            ("sqlite://scimd.db", "first-token"),
            ("data/x.db", "data/first-token"),
            ("postgres://u@h/db", "first-token"),
        ];
        for (url, expected) in cases {
            let db = Database::parse(url).unwrap();
            assert_eq!(default_path(&db), PathBuf::from(expected), "{url}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_even_when_it_existed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, "old and longer content\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, "scimd_x").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "scimd_x\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
