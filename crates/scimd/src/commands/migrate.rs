//! `scimd migrate`: applies pending migrations and reports the schema version.

use crate::config::Database;
use scim_store_sqlite::SqliteStore;

pub async fn run(db: &Database) -> Result<(), String> {
    match db {
        Database::Sqlite(path) => {
            SqliteStore::open(path)
                .map_err(|e| format!("cannot migrate {}: {e}", path.display()))?;
            println!(
                "{}: schema version {}",
                path.display(),
                SqliteStore::schema_version()
            );
        }
    }
    Ok(())
}
