//! Fresh databases for tests: each test creates `scimd_test_<random>` from
//! the admin URL in `SCIMD_TEST_POSTGRES_URL` and drops it when its
//! [`TestDb`] goes away, so tests share no state.
//!
//! [`admin_url`] decides whether Postgres tests run: without the variable
//! they are skipped with a note, unless `SCIMD_REQUIRE_POSTGRES=1`, which
//! makes a missing database a failure (the test script sets both).

use crate::{Postgres, PostgresStore};
use scim_store::{StoreError, StoreResult};

/// The variable naming the admin URL of a test cluster.
pub const URL_VAR: &str = "SCIMD_TEST_POSTGRES_URL";
/// The variable that turns a missing cluster from a skip into a failure.
pub const REQUIRE_VAR: &str = "SCIMD_REQUIRE_POSTGRES";

/// The admin URL, or `Err` with the reason to skip; `Err` also when the
/// variable is missing although required, for the caller to fail on.
pub fn admin_url() -> Result<String, (bool, String)> {
    match std::env::var(URL_VAR) {
        Ok(u) if !u.is_empty() => Ok(u),
        _ => {
            let required = std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1");
            Err((
                required,
                format!("{URL_VAR} is not set: PostgreSQL test skipped"),
            ))
        }
    }
}

/// The admin URL for a test; `None` (with a note) to skip it. Panics
/// when the URL is missing although [`REQUIRE_VAR`] requires it.
#[allow(clippy::panic)]
pub fn admin_or_skip() -> Option<String> {
    match admin_url() {
        Ok(u) => Some(u),
        Err((true, why)) => panic!("{why}, but {REQUIRE_VAR}=1"),
        Err((false, why)) => {
            eprintln!("note: {why}");
            None
        }
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let after_scheme = head.find("://").map_or(0, |i| i + 3);
    let base = match head[after_scheme..].find('/') {
        Some(slash) => &head[..after_scheme + slash],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("test database: {e}"))
}

async fn admin_exec(admin: &str, sql: &str) -> StoreResult<()> {
    let opts = crate::tls::parse_url(admin).map_err(err)?;
    let (client, conn) = opts.config.connect(opts.tls).await.map_err(err)?;
    let task = tokio::spawn(conn);
    let result = client.batch_execute(sql).await.map_err(err);
    drop(client);
    let _ = task.await;
    result
}

/// A database created for one test, dropped with this value.
#[derive(Debug)]
pub struct TestDb {
    admin: String,
    name: String,
    /// The database's URL.
    pub url: String,
}

impl TestDb {
    /// Creates a fresh database on the cluster of `admin`.
    pub async fn create(admin: &str) -> StoreResult<TestDb> {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(err)?;
        let name = format!("scimd_test_{:016x}", u64::from_le_bytes(bytes));
        admin_exec(admin, &format!("CREATE DATABASE {name}")).await?;
        Ok(TestDb {
            admin: admin.to_string(),
            url: with_database(admin, &name),
            name,
        })
    }

    /// [`TestDb::create`] from synchronous code.
    pub fn create_blocking(admin: &str) -> StoreResult<TestDb> {
        let admin = admin.to_string();
        on_own_runtime(async move { TestDb::create(&admin).await })
    }
}

/// Runs a future on a runtime of its own thread (usable from sync code and
/// from inside another runtime, e.g. in `Drop`).
fn on_own_runtime<T: Send + 'static>(
    f: impl std::future::Future<Output = StoreResult<T>> + Send + 'static,
) -> StoreResult<T> {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(err)?
            .block_on(f)
    })
    .join()
    .map_err(|_| err("the helper thread failed"))?
}

/// How many rows of the tables of the database at `url` hold `needle`
/// anywhere in their text (each row cast to text: every column): for tests
/// that a secret is kept nowhere.
pub fn rows_containing_blocking(url: &str, needle: &str) -> StoreResult<u64> {
    let (url, needle) = (url.to_string(), needle.to_string());
    on_own_runtime(async move {
        let opts = crate::tls::parse_url(&url).map_err(err)?;
        let (client, conn) = opts.config.connect(opts.tls).await.map_err(err)?;
        let task = tokio::spawn(conn);
        let tables = client
            .query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
                &[],
            )
            .await
            .map_err(err)?;
        let mut n = 0u64;
        for t in tables {
            let name: String = t.get(0);
            let sql = format!(
                "SELECT count(*) FROM \"{}\" x WHERE strpos(x::text, $1) > 0",
                name.replace('"', "\"\"")
            );
            let c: i64 = client
                .query_one(sql.as_str(), &[&needle])
                .await
                .map_err(err)?
                .get(0);
            n += u64::try_from(c).unwrap_or(0);
        }
        drop(client);
        let _ = task.await;
        Ok(n)
    })
}

/// Runs SQL on the database at `url` (tests that set up what an earlier
/// release left behind).
pub fn execute_blocking(url: &str, sql: &str) -> StoreResult<()> {
    let (url, sql) = (url.to_string(), sql.to_string());
    on_own_runtime(async move {
        let opts = crate::tls::parse_url(&url).map_err(err)?;
        let (client, conn) = opts.config.connect(opts.tls).await.map_err(err)?;
        let task = tokio::spawn(conn);
        let result = client.batch_execute(&sql).await.map_err(err);
        drop(client);
        let _ = task.await;
        result
    })
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = on_own_runtime(async move {
            admin_exec(
                &admin,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await
        });
    }
}

impl Postgres {
    /// The value of a server setting on a pooled connection (`SHOW`).
    pub async fn setting(&self, name: &str) -> StoreResult<String> {
        let client = self.client().await?;
        let row = client
            .query_one(&format!("SHOW {name}"), &[])
            .await
            .map_err(crate::exec::backend)?;
        row.try_get(0).map_err(crate::exec::backend)
    }

    /// A migrated store on a fresh database that is dropped with the store.
    pub async fn open_fresh(admin: &str) -> StoreResult<PostgresStore> {
        let db = TestDb::create(admin).await?;
        let sep = if db.url.contains('?') { '&' } else { '?' };
        let url = format!("{}{sep}pool_size=8", db.url);
        Postgres::open_with(&url, db).await
    }
}
