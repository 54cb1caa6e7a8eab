//! The PostgreSQL backend of scimd, for scale-out: several stateless scimd
//! replicas behind a load balancer share one database (issue 4).
//!
//! - **Correctness across replicas.** Uniqueness is enforced by unique
//!   indexes; a write plan runs under a row lock (`FOR NO KEY UPDATE`) in
//!   one transaction, retried after a deadlock or a serialization failure
//!   ([`exec::MAX_TRIES`]); cursors carry only positions, so any replica
//!   continues a listing.
//! - **Migrations** are versioned, in [`schema`], and applied under an
//!   advisory lock: replicas starting together are safe.
//! - **Lookups** by `userName`, `externalId`, `emails.value`, `displayName`
//!   and membership are index lookups (`scim_store_sql::filter`); `EXPLAIN` is checked
//!   in the tests.
//! - **Connections**: a deadpool pool, `pool_size` from the URL's
//!   `?pool_size=N` (default [`DEFAULT_POOL_SIZE`]); TLS with rustls after
//!   libpq's `sslmode` and `sslrootcert` ([`tls`]).
//!
//! What a store operation does is `scim_store_sql`'s, written once for
//! both SQL backends; this crate is how it reaches PostgreSQL: the pool,
//! TLS, transactions and their retries, and the migrations
//! ([`Postgres`] is its [`Backend`]).

pub mod exec;
#[cfg(test)]
mod hostile_names;
mod schema;
pub mod testing;
pub mod tls;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use exec::{backend, fail, pool_fail, PgExec, MAX_TRIES};
use scim_store::{StoreError, StoreResult};
use scim_store_sql::dialect::POSTGRES;
use scim_store_sql::{Backend, Dialect, Fail, Job, SqlStore, Write};

/// Connections per replica unless the URL says `?pool_size=N`.
pub const DEFAULT_POOL_SIZE: usize = 16;

/// The state of a store's connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// `pool_size`: the most connections the pool opens.
    pub max_size: usize,
    /// Connections open now (in use or idle).
    pub size: usize,
    /// Idle connections.
    pub available: usize,
    /// Requests waiting for a connection.
    pub waiting: usize,
}

/// The PostgreSQL store.
pub type PostgresStore = SqlStore<Postgres>;

/// A PostgreSQL database: its connection pool.
pub struct Postgres {
    pool: Pool,
    /// Dropped with the store: a test database to remove.
    _guard: Option<testing::TestDb>,
}

/// Splits scimd's own parameters (`pool_size`, and the TLS parameters it
/// handles itself) off a database URL and validates them; returns the rest
/// of the URL and the pool size.
pub fn split_pool_size(url: &str) -> Result<(String, Option<usize>), String> {
    let (rest, params) = tls::split_params(url)?;
    let mut size = None;
    for (k, v) in params {
        match k.as_str() {
            "pool_size" => {
                let n: usize = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("pool_size must be a positive number, not {v:?}"))?;
                size = Some(n);
            }
            "sslmode" => {
                tls::SslMode::parse(&v)?;
            }
            _ => {}
        }
    }
    Ok((rest, size))
}

impl Postgres {
    /// Connects (without migrating) to `postgres://…`, with a pool of
    /// `?pool_size=N` connections.
    pub async fn connect(url: &str) -> StoreResult<PostgresStore> {
        Postgres::connect_with(url, None).await
    }

    /// [`Postgres::connect`], keeping `guard` as long as the store.
    async fn connect_with(url: &str, guard: Option<testing::TestDb>) -> StoreResult<PostgresStore> {
        let mut opts = tls::parse_url(url).map_err(StoreError::Backend)?;
        // No JIT: scimd's statements are short, and PostgreSQL compiles a
        // plan whose estimated cost passes `jit_above_cost` (as a user's
        // groups do while `members` has no statistics) for longer than the
        // query runs.
        let options = match opts.config.get_options() {
            Some(given) => format!("{given} -c jit=off"),
            None => "-c jit=off".to_string(),
        };
        opts.config.options(&options);
        let manager = Manager::from_config(
            opts.config,
            opts.tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(opts.pool_size.unwrap_or(DEFAULT_POOL_SIZE))
            .build()
            .map_err(|e| StoreError::Backend(format!("cannot build the pool: {e}")))?;
        let store = Postgres {
            pool,
            _guard: guard,
        };
        let client = store.client().await?;
        let encoding: String = client
            .query_one("SHOW server_encoding", &[])
            .await
            .and_then(|r| r.try_get(0))
            .map_err(backend)?;
        if encoding != "UTF8" {
            return Err(StoreError::Backend(format!(
                "the database encoding is {encoding}; scimd needs UTF8"
            )));
        }
        drop(client);
        Ok(SqlStore::new(store))
    }

    /// Connects and applies pending migrations (what `serve` does).
    pub async fn open(url: &str) -> StoreResult<PostgresStore> {
        let store = Postgres::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// [`Postgres::open`], keeping `guard` as long as the store.
    pub(crate) async fn open_with(url: &str, guard: testing::TestDb) -> StoreResult<PostgresStore> {
        let store = Postgres::connect_with(url, Some(guard)).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens a database that already holds scimd's schema (applying
    /// pending migrations); a database without it is
    /// [`StoreError::Backend`] "no scimd schema", and is left as it was.
    pub async fn open_existing(url: &str) -> StoreResult<PostgresStore> {
        let store = Postgres::connect(url).await?;
        if store.current_version().await? == 0 {
            return Err(StoreError::Backend(
                "no scimd schema in this database".into(),
            ));
        }
        store.migrate().await?;
        Ok(store)
    }

    pub(crate) async fn client(&self) -> StoreResult<deadpool_postgres::Object> {
        self.pool.get().await.map_err(|e| pool_fail(e).into_store())
    }

    /// One attempt of a job: in a transaction when `atomic`.
    async fn attempt<T>(&self, atomic: bool, job: &impl Job<T>) -> Result<T, Fail> {
        let mut client = self.pool.get().await.map_err(pool_fail)?;
        if !atomic {
            return job.run(&mut PgExec { c: &client }).await;
        }
        let tx = client.transaction().await.map_err(fail)?;
        let value = job.run(&mut PgExec { c: &tx }).await?;
        tx.commit().await.map_err(fail)?;
        Ok(value)
    }

    /// A read in a transaction that the server stops after `left`.
    async fn read_within<T>(
        &self,
        left: std::time::Duration,
        job: &impl Job<T>,
    ) -> Result<T, Fail> {
        let mut client = self.pool.get().await.map_err(pool_fail)?;
        let tx = client
            .build_transaction()
            .read_only(true)
            .start()
            .await
            .map_err(fail)?;
        let ms = left.as_millis().clamp(1, i32::MAX as u128);
        tx.batch_execute(&format!("SET LOCAL statement_timeout = {ms}"))
            .await
            .map_err(fail)?;
        let value = job.run(&mut PgExec { c: &tx }).await?;
        tx.commit().await.map_err(fail)?;
        Ok(value)
    }

    /// Applies pending migrations; returns the schema version.
    pub async fn migrate(&self) -> StoreResult<i64> {
        let mut client = self.client().await?;
        let c: &mut tokio_postgres::Client = &mut client;
        schema::migrate(c).await.map_err(backend)
    }

    /// The schema version of the database.
    pub async fn current_version(&self) -> StoreResult<i64> {
        let client = self.client().await?;
        schema::current(&**client).await.map_err(backend)
    }

    /// The schema version of this build.
    pub fn schema_version() -> i64 {
        schema::LATEST
    }

    /// Consistency checks for `scimd check`: the problems found (none when sound).
    pub async fn check(&self) -> StoreResult<Vec<String>> {
        let mut problems = Vec::new();
        let version = self.current_version().await?;
        if version < schema::LATEST {
            problems.push(format!(
                "schema version {version}, this build needs {} (run scimd migrate)",
                schema::LATEST
            ));
        }
        if version == 0 {
            return Ok(problems);
        }
        let client = self.client().await?;
        let checks: &[(&str, &str)] = &[
            ("memberships across tenants", "SELECT count(*) FROM members m JOIN resources g ON g.seq = m.group_seq JOIN resources x ON x.seq = m.member_seq WHERE g.tenant_id <> x.tenant_id OR g.kind <> 1"),
            ("index entries of another tenant or kind", "SELECT count(*) FROM idx i JOIN resources r ON r.seq = i.seq WHERE i.tenant_id <> r.tenant_id OR i.kind <> r.kind"),
            ("users without a unique key", "SELECT count(*) FROM resources WHERE kind = 0 AND unique_key IS NULL"),
            ("users whose userName is not indexed", "SELECT count(*) FROM resources r WHERE r.kind = 0 AND NOT EXISTS (SELECT 1 FROM idx i WHERE i.seq = r.seq AND i.attr = 0)"),
            ("resources of unknown tenants", "SELECT count(*) FROM resources r WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = r.tenant_id)"),
        ];
        for (what, sql) in checks {
            let n: i64 = client
                .query_one(*sql, &[])
                .await
                .and_then(|r| r.try_get(0))
                .map_err(backend)?;
            if n > 0 {
                problems.push(format!("{n} {what}"));
            }
        }
        Ok(problems)
    }

    /// Runs `ANALYZE` (planner statistics; for tests after bulk seeding).
    pub async fn analyze(&self) -> StoreResult<()> {
        let client = self.client().await?;
        client.batch_execute("ANALYZE").await.map_err(backend)
    }

    /// Turns autovacuum (and so automatic `ANALYZE`) off for the resource
    /// tables, so that a test can plan queries against statistics that lag
    /// the data, as they do during an IdP's initial sync.
    pub async fn pause_autovacuum(&self) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .batch_execute(
                "ALTER TABLE resources SET (autovacuum_enabled = false);
                 ALTER TABLE idx SET (autovacuum_enabled = false);",
            )
            .await
            .map_err(backend)
    }

    /// `scim_fold` evaluated by the server (to test that it agrees with
    /// `scim_core::filter::fold`).
    pub async fn fold_in_sql(&self, s: &str) -> StoreResult<String> {
        let client = self.client().await?;
        client
            .query_one("SELECT scim_fold($1)", &[&s])
            .await
            .and_then(|r| r.try_get(0))
            .map_err(backend)
    }

    /// The connection pool's state (for metrics).
    pub fn pool_status(&self) -> PoolStatus {
        let s = self.pool.status();
        PoolStatus {
            max_size: s.max_size,
            size: s.size,
            available: s.available,
            waiting: s.waiting,
        }
    }

    /// Whether this store's connections use TLS (`pg_stat_ssl`).
    pub async fn uses_tls(&self) -> StoreResult<bool> {
        let client = self.client().await?;
        tls::in_use(&client).await.map_err(backend)
    }
}

impl Backend for Postgres {
    fn dialect(&self) -> &'static dyn Dialect {
        &POSTGRES
    }

    /// On a pooled connection, in a transaction when `how.atomic`; a
    /// deadlock or a serialization failure runs the job again.
    async fn write<T: Send + 'static>(&self, how: Write, job: impl Job<T>) -> StoreResult<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(how.atomic, &job).await {
                Err(e) if e.retryable() && attempt < MAX_TRIES => continue,
                other => return other.map_err(Fail::into_store),
            }
        }
    }

    /// A point read as one statement; any other read of a request in a
    /// read-only transaction whose `statement_timeout` is what is left of
    /// the request's deadline ([`scim_store::deadline`]), so that the
    /// server stops the query there too.
    async fn read<T: Send + 'static>(&self, point: bool, job: impl Job<T>) -> StoreResult<T> {
        let deadline = scim_store::deadline::current();
        let left = match deadline {
            Some(at) => match at.checked_duration_since(std::time::Instant::now()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => return Err(StoreError::Deadline),
            },
            None => None,
        };
        match left {
            Some(left) if !point => self.read_within(left, &job).await,
            _ => self.attempt(false, &job).await,
        }
        .map_err(Fail::into_store)
    }
}

#[cfg(test)]
mod tests {
    use super::split_pool_size;

    #[test]
    fn pool_size_is_ours() {
        assert_eq!(
            split_pool_size("postgres://h/db?pool_size=4&sslmode=disable&application_name=x"),
            Ok(("postgres://h/db?application_name=x".to_string(), Some(4)))
        );
        assert_eq!(
            split_pool_size("postgres://h/db"),
            Ok(("postgres://h/db".to_string(), None))
        );
        assert!(split_pool_size("postgres://h/db?pool_size=0").is_err());
        assert!(split_pool_size("postgres://h/db?sslmode=sometimes").is_err());
    }
}
