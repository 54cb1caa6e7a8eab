//! `scimd migrate`: applies pending migrations and reports the schema
//! version. On PostgreSQL the migrations run under an advisory lock, so this
//! is safe while replicas are running or starting (see docs/deploy.md).

use super::redact;
use crate::config::Database;
use crate::output::outln;
use scim_store_postgres::Postgres;
use scim_store_sqlite::Sqlite;

pub async fn run(db: &Database) -> Result<(), String> {
    match db {
        Database::Sqlite(path) => {
            Sqlite::open(path).map_err(|e| format!("cannot migrate {}: {e}", path.display()))?;
            outln!(
                "{}: schema version {}",
                path.display(),
                Sqlite::schema_version()
            );
        }
        Database::Postgres(url) => {
            let fail = |e| format!("cannot migrate {}: {e}", redact(url));
            let store = Postgres::connect(url).await.map_err(fail)?;
            let version = store.migrate().await.map_err(fail)?;
            outln!("{}: schema version {version}", redact(url));
        }
    }
    Ok(())
}
