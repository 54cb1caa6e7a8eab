//! `scimd migrate`: applies pending migrations and reports the schema
//! version. On PostgreSQL the migrations run under an advisory lock, so this
//! is safe while replicas are running or starting (see docs/deploy.md).

use super::redact;
use crate::config::Database;
use crate::output::outln;
use scim_store_postgres::PostgresStore;
use scim_store_sqlite::SqliteStore;

pub async fn run(db: &Database) -> Result<(), String> {
    match db {
        Database::Sqlite(path) => {
            SqliteStore::open(path)
                .map_err(|e| format!("cannot migrate {}: {e}", path.display()))?;
            outln!(
                "{}: schema version {}",
                path.display(),
                SqliteStore::schema_version()
            );
        }
        Database::Postgres(url) => {
            let fail = |e| format!("cannot migrate {}: {e}", redact(url));
            let store = PostgresStore::connect(url).await.map_err(fail)?;
            let version = store.migrate().await.map_err(fail)?;
            outln!("{}: schema version {version}", redact(url));
        }
    }
    Ok(())
}
