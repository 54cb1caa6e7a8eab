//! Tenants, connections and tokens on SQLite: the administrative half of
//! [`Store`]. Settings and policies are JSON text columns (see
//! [`scim_store::policy`]); the seat limit is also a column, which the
//! resource writes read inside their transaction.

use crate::resources::SqliteResources;
use crate::writer::backend;
use crate::{opt_ts, ts, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};
use scim_core::timestamp::Timestamp;
use scim_store::policy::{from_text, to_text};
use scim_store::*;
use std::sync::Arc;

const TENANT_COLUMNS: &str = "id, name, created, settings";

fn tenant_row(r: &Row<'_>) -> rusqlite::Result<(i64, String, i64, String)> {
    tenant_row_at(r, 0)
}

fn tenant_row_at(r: &Row<'_>, o: usize) -> rusqlite::Result<(i64, String, i64, String)> {
    Ok((r.get(o)?, r.get(o + 1)?, r.get(o + 2)?, r.get(o + 3)?))
}

fn tenant_of((id, name, created, settings): (i64, String, i64, String)) -> StoreResult<Tenant> {
    Ok(Tenant {
        id: TenantId::from_db(id),
        name,
        created: ts(created)?,
        settings: from_text(&settings)?,
    })
}

type ConnRow = (i64, i64, String, String, i64, String);

const CONNECTION_COLUMNS: &str = "id, tenant_id, name, profile, created, policy";

fn connection_row(r: &Row<'_>) -> rusqlite::Result<ConnRow> {
    connection_row_at(r, 0)
}

fn connection_row_at(r: &Row<'_>, o: usize) -> rusqlite::Result<ConnRow> {
    Ok((
        r.get(o)?,
        r.get(o + 1)?,
        r.get(o + 2)?,
        r.get(o + 3)?,
        r.get(o + 4)?,
        r.get(o + 5)?,
    ))
}

fn connection_of(
    (id, tenant, name, profile, created, policy): ConnRow,
) -> StoreResult<Connection_> {
    Ok(scim_store::Connection {
        id: ConnectionId::from_db(id),
        tenant: TenantId::from_db(tenant),
        name,
        profile,
        policy: from_text(&policy)?,
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
    Option<i64>,
);

const TOKEN_COLUMNS: &str =
    "id, tenant_id, connection_id, name, prefix, hash, created, expires, revoked, last_used";

/// A token with its connection and tenant, in one statement (one read
/// transaction per authenticated request instead of three).
const CREDENTIAL_SQL: &str =
    "SELECT k.id, k.tenant_id, k.connection_id, k.name, k.prefix, k.hash, \
     k.created, k.expires, k.revoked, k.last_used, \
     c.id, c.tenant_id, c.name, c.profile, c.created, c.policy, \
     n.id, n.name, n.created, n.settings \
     FROM tokens k JOIN connections c ON c.id = k.connection_id \
     JOIN tenants n ON n.id = k.tenant_id WHERE k.hash = ?1";

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
        r.get(9)?,
    ))
}

fn token_of(t: TokenRow) -> StoreResult<TokenRecord> {
    let (id, tenant, connection, name, prefix, hash, created, expires, revoked, last_used) = t;
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
        last_used: opt_ts(last_used)?,
    })
}

pub(crate) fn unique_or(what: String) -> impl Fn(rusqlite::Error) -> StoreError {
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
                    &format!(
                        "INSERT INTO tenants (id, name, created) VALUES ({}, ?1, ?2)",
                        crate::tenant_delete::NEXT_TENANT_ID
                    ),
                    params![name, now.unix_millis()],
                )
                .map_err(unique_or(format!("tenant {name:?} exists")))?;
                Ok(Tenant {
                    id: TenantId::from_db(c.last_insert_rowid()),
                    name,
                    created: now,
                    settings: TenantSettings::default(),
                })
            })
            .await
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        self.readers
            .read(|c| {
                let mut stmt = c
                    .prepare_cached(&format!(
                        "SELECT {TENANT_COLUMNS} FROM tenants ORDER BY name"
                    ))
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
                    .prepare_cached(&format!(
                        "SELECT {TENANT_COLUMNS} FROM tenants WHERE name = ?1"
                    ))
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
                .prepare_cached(&format!(
                    "SELECT {TENANT_COLUMNS} FROM tenants WHERE id = ?1"
                ))
                .map_err(backend)?
                .query_row([id.db_key()], tenant_row)
                .optional()
                .map_err(backend)?;
            row.map(tenant_of).transpose()
        })
    }

    async fn update_tenant(&self, id: TenantId, settings: &TenantSettings) -> StoreResult<bool> {
        let text = to_text(settings)?;
        let limit = settings
            .seat_limit
            .map(|l| i64::try_from(l).unwrap_or(i64::MAX));
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "UPDATE tenants SET settings = ?1, seat_limit = ?2 WHERE id = ?3",
                        params![text, limit, id.db_key()],
                    )
                    .map_err(backend)?;
                Ok(n > 0)
            })
            .await
    }

    async fn delete_tenant(
        &self,
        id: TenantId,
        purge: bool,
        audit: TenantAuditFn,
    ) -> StoreResult<TenantDeletion> {
        // In the tenant's lane, after its queued writes; as much work as a
        // whole batch, so that it runs in a transaction of its own.
        self.writer
            .write_as(id.db_key(), crate::writer::BATCH_BUDGET, move |c| {
                crate::tenant_delete::delete_tenant(c, id, purge, audit)
            })
            .await
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
                Ok(scim_store::Connection { id: ConnectionId::from_db(c.last_insert_rowid()), tenant, name, profile, policy: ConnectionPolicy::default(), created: now })
            })
            .await
    }

    async fn list_connections(&self, tenant: TenantId) -> StoreResult<Vec<Connection_>> {
        self.readers
            .read(move |c| {
                let mut stmt = c.prepare_cached(&format!("SELECT {CONNECTION_COLUMNS} FROM connections WHERE tenant_id = ?1 ORDER BY name")).map_err(backend)?;
                let rows = stmt.query_map([tenant.db_key()], connection_row).map_err(backend)?;
                rows.map(|r| r.map_err(backend).and_then(connection_of)).collect()
            })
            .await
    }

    async fn connection(&self, id: ConnectionId) -> StoreResult<Option<Connection_>> {
        self.readers.read_now(move |c| {
            let row = c
                .prepare_cached(&format!(
                    "SELECT {CONNECTION_COLUMNS} FROM connections WHERE id = ?1"
                ))
                .map_err(backend)?
                .query_row([id.db_key()], connection_row)
                .optional()
                .map_err(backend)?;
            row.map(connection_of).transpose()
        })
    }

    async fn update_connection(
        &self,
        tenant: TenantId,
        id: ConnectionId,
        change: ConnectionUpdate,
    ) -> StoreResult<Option<Connection_>> {
        let policy = to_text(&change.policy)?;
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "UPDATE connections SET name = ?1, profile = ?2, policy = ?3 WHERE tenant_id = ?4 AND id = ?5",
                        params![change.name, change.profile, policy, tenant.db_key(), id.db_key()],
                    )
                    .map_err(unique_or(format!("connection {:?} exists", change.name)))?;
                if n == 0 {
                    return Ok(None);
                }
                c.query_row(
                    &format!("SELECT {CONNECTION_COLUMNS} FROM connections WHERE id = ?1"),
                    [id.db_key()],
                    connection_row,
                )
                .map_err(backend)
                .and_then(connection_of)
                .map(Some)
            })
            .await
    }

    async fn delete_connection(&self, tenant: TenantId, id: ConnectionId) -> StoreResult<bool> {
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "DELETE FROM connections WHERE tenant_id = ?1 AND id = ?2",
                        params![tenant.db_key(), id.db_key()],
                    )
                    .map_err(backend)?;
                if n > 0 {
                    c.execute("DELETE FROM tokens WHERE connection_id = ?1", [id.db_key()])
                        .map_err(backend)?;
                }
                Ok(n > 0)
            })
            .await
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
                    last_used: None,
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

    async fn credential(&self, hash: &[u8]) -> StoreResult<Option<Credential>> {
        let hash = hash.to_vec();
        self.readers.read_now(move |c| {
            let row = c
                .prepare_cached(CREDENTIAL_SQL)
                .map_err(backend)?
                .query_row([hash], |r| {
                    Ok((
                        token_row(r)?,
                        connection_row_at(r, 10)?,
                        tenant_row_at(r, 16)?,
                    ))
                })
                .optional()
                .map_err(backend)?;
            row.map(|(t, c, n)| {
                Ok(Credential {
                    token: token_of(t)?,
                    connection: connection_of(c)?,
                    tenant: tenant_of(n)?,
                })
            })
            .transpose()
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

    async fn expire_token(&self, tenant: TenantId, token: i64, at: Timestamp) -> StoreResult<bool> {
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "UPDATE tokens SET expires = ?1 WHERE tenant_id = ?2 AND id = ?3",
                        params![at.unix_millis(), tenant.db_key(), token],
                    )
                    .map_err(backend)?;
                Ok(n > 0)
            })
            .await
    }

    async fn touch_token(&self, token: i64, at: Timestamp) -> StoreResult<()> {
        self.writer
            .write(move |c| {
                c.execute(
                    "UPDATE tokens SET last_used = ?1 WHERE id = ?2 AND (last_used IS NULL OR last_used < ?1)",
                    params![at.unix_millis(), token],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn pause_connection(
        &self,
        connection: ConnectionId,
        at: Timestamp,
        alert: Journal,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |c| crate::breaker::pause(c, connection.db_key(), at, &alert))
            .await
    }

    async fn purge_trash(&self, now: Timestamp, audit: AuditEntry) -> StoreResult<u64> {
        self.writer
            .write(move |c| crate::trash::purge(c, now, &audit))
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
