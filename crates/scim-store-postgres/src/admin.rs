//! `Store` on PostgreSQL: tenants, connections and tokens, and the
//! tenant-scoped resource handle.

use crate::db::{backend, Fail};
use crate::rows::ts;
use crate::PostgresStore;
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;
use scim_store::*;
use std::sync::Arc;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

fn opt_ts(ms: Option<i64>) -> StoreResult<Option<Timestamp>> {
    ms.map(ts).transpose()
}

fn tenant_of(r: &Row) -> StoreResult<Tenant> {
    Ok(Tenant {
        id: TenantId::from_db(r.try_get(0).map_err(backend)?),
        name: r.try_get(1).map_err(backend)?,
        created: ts(r.try_get(2).map_err(backend)?)?,
    })
}

fn connection_of(r: &Row) -> StoreResult<scim_store::Connection> {
    Ok(scim_store::Connection {
        id: ConnectionId::from_db(r.try_get(0).map_err(backend)?),
        tenant: TenantId::from_db(r.try_get(1).map_err(backend)?),
        name: r.try_get(2).map_err(backend)?,
        profile: r.try_get(3).map_err(backend)?,
        created: ts(r.try_get(4).map_err(backend)?)?,
    })
}

const TOKEN_COLUMNS: &str =
    "id, tenant_id, connection_id, name, prefix, hash, created, expires, revoked";

fn token_of(r: &Row) -> StoreResult<TokenRecord> {
    Ok(TokenRecord {
        id: r.try_get(0).map_err(backend)?,
        tenant: TenantId::from_db(r.try_get(1).map_err(backend)?),
        connection: ConnectionId::from_db(r.try_get(2).map_err(backend)?),
        name: r.try_get(3).map_err(backend)?,
        prefix: r.try_get(4).map_err(backend)?,
        hash: r.try_get(5).map_err(backend)?,
        created: ts(r.try_get(6).map_err(backend)?)?,
        expires: opt_ts(r.try_get(7).map_err(backend)?)?,
        revoked: opt_ts(r.try_get(8).map_err(backend)?)?,
    })
}

impl PostgresStore {
    async fn rows(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<Row>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(backend)?;
        client.query(&stmt, params).await.map_err(backend)
    }

    async fn write_row(
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
                "INSERT INTO tenants (name, created) VALUES ($1, $2) RETURNING id, name, created",
                &[&name, &now.unix_millis()],
                &format!("tenant {name:?} exists"),
            )
            .await?;
        tenant_of(&row)
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        self.rows(
            "SELECT id, name, created FROM tenants ORDER BY name COLLATE \"C\"",
            &[],
        )
        .await?
        .iter()
        .map(tenant_of)
        .collect()
    }

    async fn find_tenant(&self, name: &str) -> StoreResult<Option<Tenant>> {
        self.rows(
            "SELECT id, name, created FROM tenants WHERE name = $1",
            &[&name],
        )
        .await?
        .first()
        .map(tenant_of)
        .transpose()
    }

    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
        self.rows(
            "SELECT id, name, created FROM tenants WHERE id = $1",
            &[&id.db_key()],
        )
        .await?
        .first()
        .map(tenant_of)
        .transpose()
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
                "INSERT INTO connections (tenant_id, name, profile, created) VALUES ($1, $2, $3, $4) RETURNING id, tenant_id, name, profile, created",
                &[&tenant.db_key(), &name, &profile, &now.unix_millis()],
                &format!("connection {name:?} exists"),
            )
            .await?;
        connection_of(&row)
    }

    async fn list_connections(&self, tenant: TenantId) -> StoreResult<Vec<scim_store::Connection>> {
        self.rows(
            "SELECT id, tenant_id, name, profile, created FROM connections WHERE tenant_id = $1 ORDER BY name COLLATE \"C\"",
            &[&tenant.db_key()],
        )
        .await?
        .iter()
        .map(connection_of)
        .collect()
    }

    async fn connection(&self, id: ConnectionId) -> StoreResult<Option<scim_store::Connection>> {
        self.rows(
            "SELECT id, tenant_id, name, profile, created FROM connections WHERE id = $1",
            &[&id.db_key()],
        )
        .await?
        .first()
        .map(connection_of)
        .transpose()
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

    fn resources(&self, tenant: TenantId) -> Arc<dyn ResourceStore> {
        Arc::new(self.resources_of(tenant))
    }
}
