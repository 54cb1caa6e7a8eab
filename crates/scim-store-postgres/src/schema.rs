//! Applying the migrations (`scim_store_sql::schema::postgres`), recorded
//! in `scimd_schema`, in one transaction under a transaction-scoped
//! advisory lock so that any number of replicas may start (and migrate) at
//! once: the first applies them, the others wait and then find nothing to
//! do; and the one migration that is code ([`scrub_audit`]).

use tokio_postgres::GenericClient;

/// The advisory lock key of migrations ("scimd" in ASCII).
const LOCK_KEY: i64 = 0x73_6369_6d64;

/// Each entry moves the database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = scim_store_sql::schema::postgres::MIGRATIONS;

/// The version whose migration is [`scrub_audit`].
const SCRUB_AUDIT: i64 = 9;

/// Audit rows read per step of the scrub.
const SCRUB_CHUNK: i64 = 1000;

/// Rewrites every audit entry that holds a secret (`scim_store::scrub`);
/// returns how many. Rows are pre-selected by the secret attributes'
/// names (`ILIKE`) and read in chunks. The old row versions stay in the
/// table's files until vacuum reuses their space (docs/events.md).
async fn scrub_audit(tx: &impl GenericClient) -> Result<u64, tokio_postgres::Error> {
    let secrets = scim_store::scrub::secrets();
    let names = scim_store::scrub::candidate_names(&secrets);
    if names.is_empty() {
        return Ok(0);
    }
    let select = format!(
        "SELECT seq, entry, sent FROM audit
         WHERE seq > $1 AND EXISTS (SELECT 1 FROM unnest($2::text[]) n
             WHERE audit.entry ILIKE '%' || n || '%' OR audit.sent ILIKE '%' || n || '%')
         ORDER BY seq LIMIT {SCRUB_CHUNK}"
    );
    let mut after = 0i64;
    let mut scrubbed = 0u64;
    loop {
        let rows = tx.query(select.as_str(), &[&after, &names]).await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get(0)?;
        for r in &rows {
            let seq: i64 = r.try_get(0)?;
            let entry: &str = r.try_get(1)?;
            let sent: Option<&str> = r.try_get(2)?;
            // An entry that is not JSON has nothing scimd wrote: left alone.
            let Ok(Some((entry, sent))) = scim_store::scrub::scrub_entry(&secrets, entry, sent)
            else {
                continue;
            };
            tx.execute(
                "UPDATE audit SET entry = $1, sent = $2 WHERE seq = $3",
                &[&entry, &sent, &seq],
            )
            .await?;
            scrubbed += 1;
        }
    }
    Ok(scrubbed)
}

/// The schema version this build writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

const CREATE_VERSIONS: &str = "CREATE TABLE IF NOT EXISTS scimd_schema (
    version bigint PRIMARY KEY,
    applied timestamptz NOT NULL DEFAULT now()
)";

/// The schema version of the database (0 when it was never migrated).
pub async fn current(client: &impl GenericClient) -> Result<i64, tokio_postgres::Error> {
    let exists: bool = client
        .query_one("SELECT to_regclass('scimd_schema') IS NOT NULL", &[])
        .await?
        .get(0);
    if !exists {
        return Ok(0);
    }
    client
        .query_one("SELECT coalesce(max(version), 0) FROM scimd_schema", &[])
        .await
        .map(|r| r.get(0))
}

/// Applies pending migrations in one transaction under the advisory lock;
/// returns the schema version after it.
pub async fn migrate(client: &mut tokio_postgres::Client) -> Result<i64, tokio_postgres::Error> {
    migrate_to(client, LATEST).await
}

/// [`migrate`] up to version `target` (tests build older databases).
pub(crate) async fn migrate_to(
    client: &mut tokio_postgres::Client,
    target: i64,
) -> Result<i64, tokio_postgres::Error> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .await?;
    tx.batch_execute(CREATE_VERSIONS).await?;
    let from = current(&tx).await?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .take(usize::try_from(target).unwrap_or(0))
        .skip(usize::try_from(from).unwrap_or(0))
    {
        tx.batch_execute(sql).await?;
        let version = i as i64 + 1;
        if version == SCRUB_AUDIT {
            scrub_audit(&tx).await?;
        }
        tx.execute(
            "INSERT INTO scimd_schema (version) VALUES ($1)",
            &[&version],
        )
        .await?;
    }
    let now = current(&tx).await?;
    tx.commit().await?;
    Ok(now)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::testing::{admin_url, TestDb};

    /// Audit rows as the code before the scrub wrote them.
    fn old_rows(pw: &str) -> Vec<(String, Option<String>)> {
        let core = "urn:ietf:params:scim:schemas:core:2.0:User";
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
                    r#"{{"Operations":[{{"op":"add","value":{{"{core}:password":"{pw}"}}}}]}}"#
                )),
            ),
            (
                format!(r#"{{"action":"refused","detail":"bad value {pw}"}}"#),
                Some(format!(
                    r#"{{"Operations":[{{"method":"PATCH","path":"/Users/1","data":{{"Operations":[{{"op":"replace","path":"{core}:password","value":"{pw}"}}]}}}}]}}"#
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

    #[tokio::test]
    async fn the_scrub_leaves_no_password_in_the_tables() {
        let admin = match admin_url() {
            Ok(a) => a,
            Err((true, why)) => panic!("{why}"),
            Err((false, why)) => return eprintln!("note: {why}"),
        };
        let db = TestDb::create(&admin).await.unwrap();
        let opts = crate::tls::parse_url(&db.url).unwrap();
        let (mut client, conn) = opts.config.connect(opts.tls).await.unwrap();
        let task = tokio::spawn(conn);
        let pw = "Zq7-old-audit-password";
        assert_eq!(
            migrate_to(&mut client, SCRUB_AUDIT - 1).await.unwrap(),
            SCRUB_AUDIT - 1
        );
        for (entry, sent) in old_rows(pw) {
            client
                .execute(
                    "INSERT INTO audit (tenant_id, at, status, entry, sent) VALUES (1, 0, 200, $1, $2)",
                    &[&entry, &sent],
                )
                .await
                .unwrap();
        }
        assert_eq!(migrate(&mut client).await.unwrap(), LATEST);
        let pattern = format!("%{pw}%");
        let left: i64 = client
            .query_one(
                "SELECT count(*) FROM audit WHERE entry LIKE $1 OR sent LIKE $1",
                &[&pattern],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(left, 0);
        let kept: i64 = client
            .query_one(
                "SELECT count(*) FROM audit WHERE sent = '{\"userName\":\"kept\"}'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(kept, 1);
        drop(client);
        let _ = task.await;
    }
}
