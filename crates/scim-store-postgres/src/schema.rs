//! Applying the migrations (`scim_store_sql::schema::postgres`), recorded
//! in `scimd_schema`, in one transaction under a transaction-scoped
//! advisory lock so that any number of replicas may start (and migrate) at
//! once: the first applies them, the others wait and then find nothing to
//! do.

use tokio_postgres::GenericClient;

/// The advisory lock key of migrations ("scimd" in ASCII).
const LOCK_KEY: i64 = 0x73_6369_6d64;

/// Each entry moves the database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = scim_store_sql::schema::postgres::MIGRATIONS;

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
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
        .await?;
    tx.batch_execute(CREATE_VERSIONS).await?;
    let from = current(&tx).await?;
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(from).unwrap_or(0))
    {
        tx.batch_execute(sql).await?;
        let version = i as i64 + 1;
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
