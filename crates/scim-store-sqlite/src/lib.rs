//! The embedded SQLite backend of scimd (the default store).
//!
//! - **Durability.** WAL journal with `synchronous=FULL`: a write is
//!   acknowledged only after its commit reached the disk, so it survives
//!   `kill -9` and power loss.
//! - **Throughput.** One writer thread batches concurrent writes into one
//!   transaction (group commit, see [`writer`]); readers use their own
//!   connections and never wait for the writer.
//! - **Uniqueness** is enforced by unique indexes, not by check-then-insert.
//! - **Lookups** by `userName`, `externalId`, `emails.value`, `displayName`
//!   and membership use indexes ([`sql_filter`]); `EXPLAIN QUERY PLAN` is
//!   checked in the tests.

mod functions;
mod readers;
mod resources;
mod rows;
mod schema;
pub mod sql_filter;
mod sql_query;
mod sql_sort;
pub mod writer;

use async_trait::async_trait;
use readers::Readers;
use resources::SqliteResources;
use rusqlite::{params, Connection, OptionalExtension, Row};
use scim_core::timestamp::Timestamp;
use scim_store::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use writer::{backend, Writer};

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    writer: Writer,
    readers: Readers,
    path: PathBuf,
}

fn ts(ms: i64) -> StoreResult<Timestamp> {
    Timestamp::from_unix_millis(ms)
        .ok_or_else(|| StoreError::Backend(format!("bad timestamp {ms}")))
}

fn opt_ts(ms: Option<i64>) -> StoreResult<Option<Timestamp>> {
    ms.map(ts).transpose()
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<SqliteStore> {
        let path = path.as_ref().to_path_buf();
        let mut conn = Connection::open(&path).map_err(backend)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA busy_timeout = 5000;
             PRAGMA foreign_keys = OFF;
             PRAGMA cache_size = -32000;
             PRAGMA temp_store = MEMORY;
             PRAGMA wal_autocheckpoint = 4000;",
        )
        .map_err(backend)?;
        functions::register(&conn).map_err(backend)?;
        schema::migrate(&mut conn).map_err(backend)?;
        Ok(SqliteStore {
            writer: Writer::spawn(conn)?,
            readers: Readers::new(path.clone(), 8),
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of this build.
    pub fn schema_version() -> i64 {
        schema::latest()
    }

    /// `PRAGMA integrity_check`: `ok` when the database is sound.
    pub async fn integrity_check(&self) -> StoreResult<String> {
        self.readers
            .read(|c| {
                c.query_row("PRAGMA integrity_check", [], |r| r.get(0))
                    .map_err(backend)
            })
            .await
    }

    /// The query plan SQLite chooses for a list query (for tests and diagnostics).
    pub async fn explain(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        filter: scim_core::filter::Lowered,
    ) -> StoreResult<String> {
        let t = tenant.db_key();
        self.readers
            .read(move |conn| {
                let w = sql_query::where_clause(t, kind, Some(&filter));
                let (sql, params) = sql_query::page_statement(&w, None, None, 101, 0);
                let mut stmt = conn
                    .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .map_err(backend)?;
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                        r.get::<_, String>(3)
                    })
                    .map_err(backend)?;
                Ok(rows
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map_err(backend)?
                    .join("\n"))
            })
            .await
    }
}

fn tenant_row(r: &Row<'_>) -> rusqlite::Result<(i64, String, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

fn tenant_of((id, name, created): (i64, String, i64)) -> StoreResult<Tenant> {
    Ok(Tenant {
        id: TenantId::from_db(id),
        name,
        created: ts(created)?,
    })
}

type ConnRow = (i64, i64, String, String, i64);

fn connection_row(r: &Row<'_>) -> rusqlite::Result<ConnRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn connection_of((id, tenant, name, profile, created): ConnRow) -> StoreResult<Connection_> {
    Ok(scim_store::Connection {
        id: ConnectionId::from_db(id),
        tenant: TenantId::from_db(tenant),
        name,
        profile,
        created: ts(created)?,
    })
}

type Connection_ = scim_store::Connection;

type TokenRow = (
    i64,
    i64,
    i64,
    String,
    String,
    Vec<u8>,
    i64,
    Option<i64>,
    Option<i64>,
);

const TOKEN_COLUMNS: &str =
    "id, tenant_id, connection_id, name, prefix, hash, created, expires, revoked";

fn token_row(r: &Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
    ))
}

fn token_of(t: TokenRow) -> StoreResult<TokenRecord> {
    let (id, tenant, connection, name, prefix, hash, created, expires, revoked) = t;
    Ok(TokenRecord {
        id,
        tenant: TenantId::from_db(tenant),
        connection: ConnectionId::from_db(connection),
        name,
        prefix,
        hash,
        created: ts(created)?,
        expires: opt_ts(expires)?,
        revoked: opt_ts(revoked)?,
    })
}

fn unique_or(what: String) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Uniqueness(what.clone())
        }
        _ => backend(e),
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_tenant(&self, name: &str, now: Timestamp) -> StoreResult<Tenant> {
        let name = name.to_string();
        self.writer
            .write(move |c| {
                c.execute(
                    "INSERT INTO tenants (name, created) VALUES (?1, ?2)",
                    params![name, now.unix_millis()],
                )
                .map_err(unique_or(format!("tenant {name:?} exists")))?;
                Ok(Tenant {
                    id: TenantId::from_db(c.last_insert_rowid()),
                    name,
                    created: now,
                })
            })
            .await
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        self.readers
            .read(|c| {
                let mut stmt = c
                    .prepare_cached("SELECT id, name, created FROM tenants ORDER BY name")
                    .map_err(backend)?;
                let rows = stmt.query_map([], tenant_row).map_err(backend)?;
                rows.map(|r| r.map_err(backend).and_then(tenant_of))
                    .collect()
            })
            .await
    }

    async fn find_tenant(&self, name: &str) -> StoreResult<Option<Tenant>> {
        let name = name.to_string();
        self.readers
            .read(move |c| {
                let row = c
                    .prepare_cached("SELECT id, name, created FROM tenants WHERE name = ?1")
                    .map_err(backend)?
                    .query_row([name], tenant_row)
                    .optional()
                    .map_err(backend)?;
                row.map(tenant_of).transpose()
            })
            .await
    }

    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
        self.readers.read_now(move |c| {
            let row = c
                .prepare_cached("SELECT id, name, created FROM tenants WHERE id = ?1")
                .map_err(backend)?
                .query_row([id.db_key()], tenant_row)
                .optional()
                .map_err(backend)?;
            row.map(tenant_of).transpose()
        })
    }

    async fn create_connection(
        &self,
        tenant: TenantId,
        name: &str,
        profile: &str,
        now: Timestamp,
    ) -> StoreResult<Connection_> {
        let (name, profile) = (name.to_string(), profile.to_string());
        self.writer
            .write(move |c| {
                c.execute(
                    "INSERT INTO connections (tenant_id, name, profile, created) VALUES (?1, ?2, ?3, ?4)",
                    params![tenant.db_key(), name, profile, now.unix_millis()],
                )
                .map_err(unique_or(format!("connection {name:?} exists")))?;
                Ok(scim_store::Connection { id: ConnectionId::from_db(c.last_insert_rowid()), tenant, name, profile, created: now })
            })
            .await
    }

    async fn list_connections(&self, tenant: TenantId) -> StoreResult<Vec<Connection_>> {
        self.readers
            .read(move |c| {
                let mut stmt = c.prepare_cached("SELECT id, tenant_id, name, profile, created FROM connections WHERE tenant_id = ?1 ORDER BY name").map_err(backend)?;
                let rows = stmt.query_map([tenant.db_key()], connection_row).map_err(backend)?;
                rows.map(|r| r.map_err(backend).and_then(connection_of)).collect()
            })
            .await
    }

    async fn connection(&self, id: ConnectionId) -> StoreResult<Option<Connection_>> {
        self.readers.read_now(move |c| {
            let row = c
                .prepare_cached(
                    "SELECT id, tenant_id, name, profile, created FROM connections WHERE id = ?1",
                )
                .map_err(backend)?
                .query_row([id.db_key()], connection_row)
                .optional()
                .map_err(backend)?;
            row.map(connection_of).transpose()
        })
    }

    async fn insert_token(&self, t: NewToken) -> StoreResult<TokenRecord> {
        self.writer
            .write(move |c| {
                c.execute(
                    "INSERT INTO tokens (tenant_id, connection_id, name, prefix, hash, created, expires) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![t.tenant.db_key(), t.connection.db_key(), t.name, t.prefix, t.hash, t.created.unix_millis(), t.expires.map(|e| e.unix_millis())],
                )
                .map_err(unique_or("token hash exists".into()))?;
                Ok(TokenRecord {
                    id: c.last_insert_rowid(),
                    tenant: t.tenant,
                    connection: t.connection,
                    name: t.name,
                    prefix: t.prefix,
                    hash: t.hash,
                    created: t.created,
                    expires: t.expires,
                    revoked: None,
                })
            })
            .await
    }

    async fn find_token(&self, hash: &[u8]) -> StoreResult<Option<TokenRecord>> {
        let hash = hash.to_vec();
        self.readers.read_now(move |c| {
            let row = c
                .prepare_cached(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM tokens WHERE hash = ?1"
                ))
                .map_err(backend)?
                .query_row([hash], token_row)
                .optional()
                .map_err(backend)?;
            row.map(token_of).transpose()
        })
    }

    async fn list_tokens(&self, tenant: TenantId) -> StoreResult<Vec<TokenRecord>> {
        self.readers
            .read(move |c| {
                let mut stmt = c
                    .prepare_cached(&format!(
                        "SELECT {TOKEN_COLUMNS} FROM tokens WHERE tenant_id = ?1 ORDER BY id DESC"
                    ))
                    .map_err(backend)?;
                let rows = stmt
                    .query_map([tenant.db_key()], token_row)
                    .map_err(backend)?;
                rows.map(|r| r.map_err(backend).and_then(token_of))
                    .collect()
            })
            .await
    }

    async fn revoke_token(
        &self,
        tenant: TenantId,
        token: i64,
        now: Timestamp,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |c| {
                let found: Option<i64> = c
                    .query_row(
                        "SELECT id FROM tokens WHERE tenant_id = ?1 AND id = ?2",
                        params![tenant.db_key(), token],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(backend)?;
                if found.is_none() {
                    return Ok(false);
                }
                c.execute(
                    "UPDATE tokens SET revoked = ?1 WHERE id = ?2 AND revoked IS NULL",
                    params![now.unix_millis(), token],
                )
                .map_err(backend)?;
                Ok(true)
            })
            .await
    }

    fn resources(&self, tenant: TenantId) -> Arc<dyn ResourceStore> {
        Arc::new(SqliteResources {
            tenant: tenant.db_key(),
            writer: self.writer.clone(),
            readers: self.readers.clone(),
        })
    }
}
