//! `scimd check`: verifies the database (SQLite `PRAGMA integrity_check`)
//! and prints `ok`, or the problems found.

use crate::config::Database;
use scim_store_sqlite::SqliteStore;

pub async fn run(db: &Database) -> Result<(), String> {
    match db {
        Database::Sqlite(path) => {
            let store = SqliteStore::open(path)
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            let report = store.integrity_check().await.map_err(|e| e.to_string())?;
            println!("{report}");
            if report == "ok" {
                Ok(())
            } else {
                Err("the database failed its integrity check".into())
            }
        }
    }
}
