//! `scimd check`: verifies the database and prints `ok`, or the problems
//! found. SQLite: `PRAGMA integrity_check`. PostgreSQL: the schema is
//! migrated to this build's version, and consistency queries over the
//! relations the schema cannot constrain (memberships within one tenant,
//! index entries in step with their resources) find nothing.

use super::redact;
use crate::config::Database;
use crate::output::outln;
use scim_store_postgres::Postgres;
use scim_store_sqlite::Sqlite;

pub async fn run(db: &Database) -> Result<(), String> {
    let problems = match db {
        Database::Sqlite(path) => {
            if !path.is_file() {
                return Err(format!(
                    "no database at {}: nothing to check (scimd serve or scimd migrate creates one)",
                    path.display()
                ));
            }
            let store =
                Sqlite::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            let report = store.integrity_check().await.map_err(|e| e.to_string())?;
            if report == "ok" {
                Vec::new()
            } else {
                vec![report]
            }
        }
        Database::Postgres(url) => {
            let store = Postgres::connect(url)
                .await
                .map_err(|e| format!("cannot open {}: {e}", redact(url)))?;
            store.check().await.map_err(|e| e.to_string())?
        }
    };
    if problems.is_empty() {
        outln!("ok");
        Ok(())
    } else {
        for p in &problems {
            outln!("{p}");
        }
        Err("the database failed its integrity check".into())
    }
}
