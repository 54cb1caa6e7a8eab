//! Applying the migrations (`scim_store_sql::schema::sqlite`) in order,
//! each in its own transaction, recorded in `PRAGMA user_version`.

use rusqlite::Connection;

/// Each entry moves the database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = scim_store_sql::schema::sqlite::MIGRATIONS;

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Applies pending migrations, each in its own transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<i64> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(current).unwrap_or(0))
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_5_database_upgrades_and_keeps_its_audit_log() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::functions::register(&conn).unwrap();
        for (i, sql) in MIGRATIONS.iter().take(5).enumerate() {
            conn.execute_batch(sql).unwrap();
            conn.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
                .unwrap();
        }
        conn.execute(
            "INSERT INTO audit (tenant_id, at, status, entry) VALUES (1, 0, 201, '{\"action\": \"create\"}')",
            [],
        )
        .unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), LATEST);
        let (entry, sent): (String, Option<String>) = conn
            .query_row("SELECT entry, sent FROM audit", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((entry.as_str(), sent), ("{\"action\": \"create\"}", None));
    }
}
