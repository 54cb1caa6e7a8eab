//! Applying the migrations (`scim_store_sql::schema::sqlite`) in order,
//! each in its own transaction, recorded in `PRAGMA user_version`; and
//! the one migration that is code ([`scrub_audit`]).

use rusqlite::Connection;

/// Each entry moves the database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = scim_store_sql::schema::sqlite::MIGRATIONS;

/// The version whose migration is [`scrub_audit`].
const SCRUB_AUDIT: usize = 9;

/// Audit rows read per step of the scrub.
const SCRUB_CHUNK: i64 = 1000;

/// Rewrites every audit entry that holds a secret (`scim_store::scrub`);
/// returns how many. Rows are pre-selected by the secret attributes'
/// names (`LIKE` ignores ASCII case) and read in chunks.
fn scrub_audit(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<u64> {
    let secrets = scim_store::scrub::secrets();
    let names = scim_store::scrub::candidate_names(&secrets);
    if names.is_empty() {
        return Ok(0);
    }
    let like: Vec<String> = (0..names.len())
        .map(|i| {
            format!(
                "entry LIKE '%' || ?{n} || '%' OR sent LIKE '%' || ?{n} || '%'",
                n = i + 2
            )
        })
        .collect();
    let select = format!(
        "SELECT seq, entry, sent FROM audit WHERE seq > ?1 AND ({}) ORDER BY seq LIMIT {SCRUB_CHUNK}",
        like.join(" OR ")
    );
    let mut after = 0i64;
    let mut scrubbed = 0u64;
    loop {
        let mut args: Vec<rusqlite::types::Value> = vec![after.into()];
        args.extend(names.iter().map(|n| n.clone().into()));
        let rows: Vec<(i64, String, Option<String>)> = tx
            .prepare(&select)?
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for (seq, entry, sent) in &rows {
            // An entry that is not JSON has nothing scimd wrote: left alone.
            let Ok(Some((entry, sent))) =
                scim_store::scrub::scrub_entry(&secrets, entry, sent.as_deref())
            else {
                continue;
            };
            tx.execute(
                "UPDATE audit SET entry = ?1, sent = ?2 WHERE seq = ?3",
                rusqlite::params![entry, sent, seq],
            )?;
            scrubbed += 1;
        }
    }
    Ok(scrubbed)
}

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Applies pending migrations, each in its own transaction.
///
/// When the audit scrub rewrote entries, the database is vacuumed and the
/// WAL checkpointed and truncated: the bytes it replaced would otherwise
/// stay in free space of pages (and in WAL frames), so that neither the
/// file nor the WAL keeps a copy. Once, and only when there was a secret.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<i64> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let mut scrubbed = false;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(current).unwrap_or(0))
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        if i + 1 == SCRUB_AUDIT {
            scrubbed = scrub_audit(&tx)? > 0;
        }
        tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        tx.commit()?;
    }
    if scrubbed {
        conn.execute_batch("VACUUM")?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
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

    /// Audit rows as the code before the scrub wrote them: passwords in a
    /// PATCH path and value object, URN-prefixed, in Bulk data, in a body
    /// too long to be a page, in a cut body and in a refusal's detail.
    fn old_rows(pw: &str) -> Vec<(String, Option<String>)> {
        let core = "urn:ietf:params:scim:schemas:core:2.0:User";
        let pad = "p".repeat(9000);
        vec![
            (
                r#"{"action":"patch","diff":[]}"#.into(),
                Some(format!(
                    r#"{{"Operations":[{{"op":"Replace","path":"PASSWORD","value":"{pw}"}}]}}"#
                )),
            ),
            (
                r#"{"action":"patch","diff":[]}"#.into(),
                Some(format!(
                    r#"{{"Operations":[{{"op":"add","value":{{"{core}:password":"{pw}"}}}}],"pad":"{pad}"}}"#
                )),
            ),
            (
                format!(r#"{{"action":"refused","detail":"bad value {pw}"}}"#),
                Some(format!(
                    r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{{"method":"PATCH","path":"/Users/1","data":{{"Operations":[{{"op":"replace","path":"{core}:password","value":"{pw}"}}]}}}}]}}"#
                )),
            ),
            (
                r#"{"action":"patch","diff":[]}"#.into(),
                Some(format!(
                    r#"{{"Operations":[{{"op":"replace","path":"password","value":"{pw}…"#
                )),
            ),
            (
                r#"{"action":"create","diff":[]}"#.into(),
                Some(r#"{"userName":"kept"}"#.into()),
            ),
        ]
    }

    #[test]
    fn the_scrub_leaves_no_password_in_the_files() {
        let pw = "Zq7-old-audit-password";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;")
                .unwrap();
            crate::functions::register(&conn).unwrap();
            for (i, sql) in MIGRATIONS.iter().take(SCRUB_AUDIT - 1).enumerate() {
                conn.execute_batch(sql).unwrap();
                conn.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
                    .unwrap();
            }
            for round in 0..20 {
                for (entry, sent) in old_rows(pw) {
                    conn.execute(
                        "INSERT INTO audit (tenant_id, at, status, entry, sent) VALUES (1, ?1, 200, ?2, ?3)",
                        rusqlite::params![round, entry, sent],
                    )
                    .unwrap();
                }
            }
            // Some of it checkpointed into the file, some only in the WAL.
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                .unwrap();
            conn.execute("INSERT INTO audit (tenant_id, at, status, entry, sent) VALUES (1, 99, 200, '{}', ?1)",
                [format!(r#"{{"password":"{pw}"}}"#)]).unwrap();
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                contains(&bytes, pw.as_bytes()),
                "the old file holds the password"
            );
            // Keep the WAL: a crash, not a clean close.
            std::mem::forget(conn);
        }
        let store = crate::Sqlite::open(&path).unwrap();
        drop(store);
        let conn = Connection::open(&path).unwrap();
        let rows: Vec<(String, Option<String>)> = conn
            .prepare("SELECT entry, sent FROM audit ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(rows.len(), 101);
        assert!(rows
            .iter()
            .any(|(_, s)| s.as_deref() == Some(r#"{"userName":"kept"}"#)));
        assert!(rows.iter().any(|(e, _)| e.contains("bad value [redacted]")));
        drop(conn);
        for name in ["old.db", "old.db-wal"] {
            let Ok(bytes) = std::fs::read(dir.path().join(name)) else {
                continue;
            };
            assert!(
                !contains(&bytes, pw.as_bytes()),
                "{name} keeps the password"
            );
        }
    }

    /// Events written before they were numbered per tenant: numbered in
    /// their order, and a webhook's cursor and dead letter (store-wide
    /// positions) read as the tenant's numbers.
    #[tokio::test]
    async fn old_events_are_numbered_per_tenant() {
        use scim_store::{EventStore, TenantId};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let conn = Connection::open(&path).unwrap();
            for (i, sql) in MIGRATIONS.iter().take(SCRUB_AUDIT).enumerate() {
                conn.execute_batch(sql).unwrap();
                conn.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
                    .unwrap();
            }
            // seq 1..=6, tenants 1 2 1 2 2 1; tenant 1's webhook has
            // delivered up to seq 3 and dead-lettered seq 1.
            for t in [1, 2, 1, 2, 2, 1] {
                conn.execute(
                    "INSERT INTO events (tenant_id, at, event) VALUES (?1, 0, '{\"event\":\"create\"}')",
                    [t],
                )
                .unwrap();
            }
            conn.execute_batch(
                "INSERT INTO webhooks (id, tenant_id, url, secret, format, full, created, cursor)
                     VALUES (7, 1, 'http://h', 's', 'signed', 1, 0, 3);
                 INSERT INTO dead_letters (webhook_id, event_seq, tenant_id, error, at) VALUES (7, 1, 1, 'e', 0);",
            )
            .unwrap();
        }
        let store = crate::Sqlite::open(&path).unwrap();
        let one = TenantId::from_db(1);
        let n: Vec<i64> = store
            .events(one, 0, 10)
            .await
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(n, [1, 2, 3]);
        let n: Vec<i64> = store
            .events(TenantId::from_db(2), 0, 10)
            .await
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect();
        assert_eq!(n, [1, 2, 3]);
        let hook = &store.list_webhooks(Some(one)).await.unwrap()[0];
        assert_eq!(hook.cursor, 2, "seq 3 is tenant 1's second event");
        assert_eq!(store.dead_letters(7).await.unwrap()[0].event_seq, 1);
        assert_eq!(store.count_events(one, hook.cursor, 10).await.unwrap(), 1);
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }
}
