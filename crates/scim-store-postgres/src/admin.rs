//! `Store` on PostgreSQL: tenants, connections and tokens, and the
//! tenant-scoped resource handle.

use crate::db::{backend, Fail};
use crate::rows::ts;
use crate::PostgresStore;
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;
use scim_store::policy::{from_text, to_text};
use scim_store::*;
use std::sync::Arc;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

fn opt_ts(ms: Option<i64>) -> StoreResult<Option<Timestamp>> {
    ms.map(ts).transpose()
}

const TENANT_COLUMNS: &str = "id, name, created, settings";

fn tenant_of(r: &Row) -> StoreResult<Tenant> {
    tenant_at(r, 0)
}

fn tenant_at(r: &Row, o: usize) -> StoreResult<Tenant> {
    Ok(Tenant {
        id: TenantId::from_db(r.try_get(o).map_err(backend)?),
        name: r.try_get(o + 1).map_err(backend)?,
        created: ts(r.try_get(o + 2).map_err(backend)?)?,
        settings: from_text(r.try_get(o + 3).map_err(backend)?)?,
    })
}

const CONNECTION_COLUMNS: &str = "id, tenant_id, name, profile, created, policy";

fn connection_of(r: &Row) -> StoreResult<scim_store::Connection> {
    connection_at(r, 0)
}

fn connection_at(r: &Row, o: usize) -> StoreResult<scim_store::Connection> {
    Ok(scim_store::Connection {
        id: ConnectionId::from_db(r.try_get(o).map_err(backend)?),
        tenant: TenantId::from_db(r.try_get(o + 1).map_err(backend)?),
        name: r.try_get(o + 2).map_err(backend)?,
        profile: r.try_get(o + 3).map_err(backend)?,
        created: ts(r.try_get(o + 4).map_err(backend)?)?,
        policy: from_text(r.try_get(o + 5).map_err(backend)?)?,
    })
}

const TOKEN_COLUMNS: &str =
    "id, tenant_id, connection_id, name, prefix, hash, created, expires, revoked, last_used";

fn token_of(r: &Row) -> StoreResult<TokenRecord> {
    token_at(r, 0)
}

fn token_at(r: &Row, o: usize) -> StoreResult<TokenRecord> {
    Ok(TokenRecord {
        id: r.try_get(o).map_err(backend)?,
        tenant: TenantId::from_db(r.try_get(o + 1).map_err(backend)?),
        connection: ConnectionId::from_db(r.try_get(o + 2).map_err(backend)?),
        name: r.try_get(o + 3).map_err(backend)?,
        prefix: r.try_get(o + 4).map_err(backend)?,
        hash: r.try_get(o + 5).map_err(backend)?,
        created: ts(r.try_get(o + 6).map_err(backend)?)?,
        expires: opt_ts(r.try_get(o + 7).map_err(backend)?)?,
        revoked: opt_ts(r.try_get(o + 8).map_err(backend)?)?,
        last_used: opt_ts(r.try_get(o + 9).map_err(backend)?)?,
    })
}

impl PostgresStore {
    pub(crate) async fn rows(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> StoreResult<Vec<Row>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(backend)?;
        client.query(&stmt, params).await.map_err(backend)
    }

    pub(crate) async fn write_row(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        unique: &str,
    ) -> StoreResult<Row> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(backend)?;
        client
            .query_one(&stmt, params)
            .await
            .map_err(|e| Fail::Db(e).into_store(|| unique.to_string()))
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn create_tenant(&self, name: &str, now: Timestamp) -> StoreResult<Tenant> {
        let row = self
            .write_row(
                &format!("INSERT INTO tenants (name, created) VALUES ($1, $2) RETURNING {TENANT_COLUMNS}"),
                &[&name, &now.unix_millis()],
                &format!("tenant {name:?} exists"),
            )
            .await?;
        tenant_of(&row)
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        self.rows(
            &format!("SELECT {TENANT_COLUMNS} FROM tenants ORDER BY name COLLATE \"C\""),
            &[],
        )
        .await?
        .iter()
        .map(tenant_of)
        .collect()
    }

    async fn find_tenant(&self, name: &str) -> StoreResult<Option<Tenant>> {
        self.rows(
            &format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE name = $1"),
            &[&name],
        )
        .await?
        .first()
        .map(tenant_of)
        .transpose()
    }

    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
        self.rows(
            &format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1"),
            &[&id.db_key()],
        )
        .await?
        .first()
        .map(tenant_of)
        .transpose()
    }

    async fn update_tenant(&self, id: TenantId, settings: &TenantSettings) -> StoreResult<bool> {
        let text = to_text(settings)?;
        let limit = settings
            .seat_limit
            .map(|l| i64::try_from(l).unwrap_or(i64::MAX));
        let rows = self
            .rows(
                "UPDATE tenants SET settings = $1, seat_limit = $2 WHERE id = $3 RETURNING id",
                &[&text, &limit, &id.db_key()],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn create_connection(
        &self,
        tenant: TenantId,
        name: &str,
        profile: &str,
        now: Timestamp,
    ) -> StoreResult<scim_store::Connection> {
        let row = self
            .write_row(
                &format!("INSERT INTO connections (tenant_id, name, profile, created) VALUES ($1, $2, $3, $4) RETURNING {CONNECTION_COLUMNS}"),
                &[&tenant.db_key(), &name, &profile, &now.unix_millis()],
                &format!("connection {name:?} exists"),
            )
            .await?;
        connection_of(&row)
    }

    async fn list_connections(&self, tenant: TenantId) -> StoreResult<Vec<scim_store::Connection>> {
        self.rows(
            &format!("SELECT {CONNECTION_COLUMNS} FROM connections WHERE tenant_id = $1 ORDER BY name COLLATE \"C\""),
            &[&tenant.db_key()],
        )
        .await?
        .iter()
        .map(connection_of)
        .collect()
    }

    async fn connection(&self, id: ConnectionId) -> StoreResult<Option<scim_store::Connection>> {
        self.rows(
            &format!("SELECT {CONNECTION_COLUMNS} FROM connections WHERE id = $1"),
            &[&id.db_key()],
        )
        .await?
        .first()
        .map(connection_of)
        .transpose()
    }

    async fn update_connection(
        &self,
        tenant: TenantId,
        id: ConnectionId,
        change: ConnectionUpdate,
    ) -> StoreResult<Option<scim_store::Connection>> {
        let policy = to_text(&change.policy)?;
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!("UPDATE connections SET name = $1, profile = $2, policy = $3 WHERE tenant_id = $4 AND id = $5 RETURNING {CONNECTION_COLUMNS}"))
            .await
            .map_err(backend)?;
        let row = client
            .query_opt(
                &stmt,
                &[
                    &change.name,
                    &change.profile,
                    &policy,
                    &tenant.db_key(),
                    &id.db_key(),
                ],
            )
            .await
            .map_err(|e| {
                Fail::Db(e).into_store(|| format!("connection {:?} exists", change.name))
            })?;
        row.as_ref().map(connection_of).transpose()
    }

    async fn delete_tenant(
        &self,
        id: TenantId,
        purge: bool,
        audit: TenantAuditFn,
    ) -> StoreResult<TenantDeletion> {
        let mut client = self.client().await?;
        crate::tenant_delete::delete_tenant(&mut client, id, purge, audit)
            .await
            .map_err(|e| e.into_store(String::new))
    }

    async fn delete_connection(&self, tenant: TenantId, id: ConnectionId) -> StoreResult<bool> {
        // Its tokens first (they reference it), in the same statement.
        let rows = self
            .rows(
                "WITH c AS (SELECT id FROM connections WHERE tenant_id = $1 AND id = $2),
                      t AS (DELETE FROM tokens WHERE connection_id IN (SELECT id FROM c))
                 SELECT id FROM c",
                &[&tenant.db_key(), &id.db_key()],
            )
            .await?;
        if rows.is_empty() {
            return Ok(false);
        }
        self.rows(
            "DELETE FROM connections WHERE tenant_id = $1 AND id = $2 RETURNING id",
            &[&tenant.db_key(), &id.db_key()],
        )
        .await
        .map(|r| !r.is_empty())
    }

    async fn insert_token(&self, t: NewToken) -> StoreResult<TokenRecord> {
        let row = self
            .write_row(
                &format!("INSERT INTO tokens (tenant_id, connection_id, name, prefix, hash, created, expires) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {TOKEN_COLUMNS}"),
                &[
                    &t.tenant.db_key(),
                    &t.connection.db_key(),
                    &t.name,
                    &t.prefix,
                    &t.hash,
                    &t.created.unix_millis(),
                    &t.expires.map(|e| e.unix_millis()),
                ],
                "token hash exists",
            )
            .await?;
        token_of(&row)
    }

    async fn find_token(&self, hash: &[u8]) -> StoreResult<Option<TokenRecord>> {
        self.rows(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE hash = $1"),
            &[&hash],
        )
        .await?
        .first()
        .map(token_of)
        .transpose()
    }

    async fn credential(&self, hash: &[u8]) -> StoreResult<Option<Credential>> {
        self.rows(
            "SELECT k.id, k.tenant_id, k.connection_id, k.name, k.prefix, k.hash, \
             k.created, k.expires, k.revoked, k.last_used, \
             c.id, c.tenant_id, c.name, c.profile, c.created, c.policy, \
             n.id, n.name, n.created, n.settings \
             FROM tokens k JOIN connections c ON c.id = k.connection_id \
             JOIN tenants n ON n.id = k.tenant_id WHERE k.hash = $1",
            &[&hash],
        )
        .await?
        .first()
        .map(|r| {
            Ok(Credential {
                token: token_at(r, 0)?,
                connection: connection_at(r, 10)?,
                tenant: tenant_at(r, 16)?,
            })
        })
        .transpose()
    }

    async fn list_tokens(&self, tenant: TenantId) -> StoreResult<Vec<TokenRecord>> {
        self.rows(
            &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE tenant_id = $1 ORDER BY id DESC"),
            &[&tenant.db_key()],
        )
        .await?
        .iter()
        .map(token_of)
        .collect()
    }

    async fn revoke_token(
        &self,
        tenant: TenantId,
        token: i64,
        now: Timestamp,
    ) -> StoreResult<bool> {
        // Found (revoked now or before) only when the token is the tenant's.
        let rows = self
            .rows(
                "WITH t AS (SELECT id FROM tokens WHERE tenant_id = $1 AND id = $2),
                      u AS (UPDATE tokens SET revoked = $3 WHERE id IN (SELECT id FROM t) AND revoked IS NULL)
                 SELECT id FROM t",
                &[&tenant.db_key(), &token, &now.unix_millis()],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn expire_token(&self, tenant: TenantId, token: i64, at: Timestamp) -> StoreResult<bool> {
        let rows = self
            .rows(
                "UPDATE tokens SET expires = $1 WHERE tenant_id = $2 AND id = $3 RETURNING id",
                &[&at.unix_millis(), &tenant.db_key(), &token],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn touch_token(&self, token: i64, at: Timestamp) -> StoreResult<()> {
        self.rows(
            "UPDATE tokens SET last_used = $1 WHERE id = $2 AND (last_used IS NULL OR last_used < $1) RETURNING id",
            &[&at.unix_millis(), &token],
        )
        .await?;
        Ok(())
    }

    async fn pause_connection(
        &self,
        connection: ConnectionId,
        at: Timestamp,
        alert: Journal,
    ) -> StoreResult<bool> {
        let mut client = self.client().await?;
        crate::breaker::pause(&mut client, connection.db_key(), at, &alert)
            .await
            .map_err(|e| e.into_store(String::new))
    }

    async fn purge_trash(&self, now: Timestamp, audit: AuditEntry) -> StoreResult<u64> {
        let mut client = self.client().await?;
        crate::trash::purge(&mut client, now, &audit)
            .await
            .map_err(|e| e.into_store(String::new))
    }

    fn resources(&self, tenant: TenantId) -> Arc<dyn ResourceStore> {
        Arc::new(self.resources_of(tenant))
    }
}
