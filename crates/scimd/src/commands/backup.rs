//! `scimd backup --to FILE` and `scimd restore --from FILE [--replace]`:
//! a consistent copy of a live SQLite database, taken while `serve` goes on
//! writing, and its restoration (`scim_store_sqlite::backup`;
//! docs/deploy.md). On PostgreSQL both refuse and name `pg_dump` and
//! `pg_restore`, which do the same with the server's own snapshot.

use crate::cli::{BackupArgs, RestoreArgs};
use crate::config::Database;
use crate::output::outln;
use scim_store_sqlite::{backup as sqlite, Sqlite};

const ON_POSTGRES: &str = "on PostgreSQL, back up with pg_dump and restore with pg_restore (docs/deploy.md, Backup and restore)";

fn sqlite_path(db: &Database) -> Result<&std::path::Path, String> {
    match db {
        Database::Sqlite(path) => Ok(path),
        Database::Postgres(_) => Err(ON_POSTGRES.into()),
    }
}

pub async fn backup(db: &Database, args: &BackupArgs) -> Result<(), String> {
    let path = sqlite_path(db)?.to_path_buf();
    let to = args.to.clone();
    let copied = tokio::task::spawn_blocking(move || sqlite::backup(&path, &to))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    outln!(
        "backed up to {} ({} bytes, schema version {}); integrity ok",
        args.to.display(),
        copied.bytes,
        copied.schema_version
    );
    Ok(())
}

pub async fn restore(db: &Database, args: &RestoreArgs) -> Result<(), String> {
    let path = sqlite_path(db)?.to_path_buf();
    let holds_data = std::fs::metadata(&path).is_ok_and(|m| m.len() > 0);
    if holds_data && !args.replace {
        return Err(format!(
            "{} exists: stop scimd serve, then give --replace to overwrite it",
            path.display()
        ));
    }
    let (from, target) = (args.from.clone(), path.clone());
    let copied = tokio::task::spawn_blocking(move || sqlite::restore(&from, &target))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    // Open it as serve would (migrating an older backup), and check it.
    let store = Sqlite::open(&path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let report = store.integrity_check().await.map_err(|e| e.to_string())?;
    if report != "ok" {
        return Err(format!("the restored database failed its check: {report}"));
    }
    outln!(
        "restored {} from {} (schema version {} → {}); integrity ok",
        path.display(),
        args.from.display(),
        copied.schema_version,
        Sqlite::schema_version()
    );
    Ok(())
}
