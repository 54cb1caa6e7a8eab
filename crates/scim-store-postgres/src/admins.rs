//! Admin accounts and console sessions on PostgreSQL: the [`AdminStore`]
//! half of the store. Sessions are rows, so every replica serves every
//! session; only the token's SHA-256 is stored.

use crate::db::backend;
use crate::rows::ts;
use crate::PostgresStore;
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;
use scim_store::*;
use tokio_postgres::Row;

const ADMIN_COLUMNS: &str = "id, username, password_hash, role, tenant_id, created, disabled";

fn admin_of(r: &Row) -> StoreResult<AdminAccount> {
    let role: String = r.try_get(3).map_err(backend)?;
    Ok(AdminAccount {
        id: r.try_get(0).map_err(backend)?,
        username: r.try_get(1).map_err(backend)?,
        password_hash: r.try_get(2).map_err(backend)?,
        role: AdminRole::parse(&role)
            .ok_or_else(|| StoreError::Backend(format!("unknown admin role {role:?}")))?,
        tenant: r
            .try_get::<_, Option<i64>>(4)
            .map_err(backend)?
            .map(TenantId::from_db),
        created: ts(r.try_get(5).map_err(backend)?)?,
        disabled: r
            .try_get::<_, Option<i64>>(6)
            .map_err(backend)?
            .map(ts)
            .transpose()?,
    })
}

fn session_of(r: &Row) -> StoreResult<AdminSession> {
    Ok(AdminSession {
        hash: r.try_get(0).map_err(backend)?,
        admin: r.try_get(1).map_err(backend)?,
        csrf: r.try_get(2).map_err(backend)?,
        created: ts(r.try_get(3).map_err(backend)?)?,
        expires: ts(r.try_get(4).map_err(backend)?)?,
    })
}

#[async_trait]
impl AdminStore for PostgresStore {
    async fn create_admin(&self, a: NewAdmin) -> StoreResult<AdminAccount> {
        let row = self
            .write_row(
                "INSERT INTO admins (username, password_hash, role, tenant_id, created)
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[
                    &a.username,
                    &a.password_hash,
                    &a.role.name(),
                    &a.tenant.map(TenantId::db_key),
                    &a.created.unix_millis(),
                ],
                &format!("admin {:?} exists", a.username),
            )
            .await?;
        Ok(AdminAccount {
            id: row.try_get(0).map_err(backend)?,
            username: a.username,
            password_hash: a.password_hash,
            role: a.role,
            tenant: a.tenant,
            created: a.created,
            disabled: None,
        })
    }

    async fn find_admin(&self, username: &str) -> StoreResult<Option<AdminAccount>> {
        let rows = self
            .rows(
                &format!("SELECT {ADMIN_COLUMNS} FROM admins WHERE username = $1"),
                &[&username],
            )
            .await?;
        rows.first().map(admin_of).transpose()
    }

    async fn admin(&self, id: i64) -> StoreResult<Option<AdminAccount>> {
        let rows = self
            .rows(
                &format!("SELECT {ADMIN_COLUMNS} FROM admins WHERE id = $1"),
                &[&id],
            )
            .await?;
        rows.first().map(admin_of).transpose()
    }

    async fn list_admins(&self) -> StoreResult<Vec<AdminAccount>> {
        self.rows(
            &format!("SELECT {ADMIN_COLUMNS} FROM admins ORDER BY username"),
            &[],
        )
        .await?
        .iter()
        .map(admin_of)
        .collect()
    }

    async fn set_admin_password(&self, id: i64, password_hash: &str) -> StoreResult<bool> {
        let rows = self
            .rows(
                "WITH s AS (DELETE FROM admin_sessions WHERE admin_id = $2)
                 UPDATE admins SET password_hash = $1 WHERE id = $2 RETURNING id",
                &[&password_hash, &id],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn set_admin_disabled(&self, id: i64, disabled: Option<Timestamp>) -> StoreResult<bool> {
        let at = disabled.map(Timestamp::unix_millis);
        let rows = self
            .rows(
                "WITH s AS (DELETE FROM admin_sessions WHERE admin_id = $2 AND $1::bigint IS NOT NULL)
                 UPDATE admins SET disabled = $1 WHERE id = $2 RETURNING id",
                &[&at, &id],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn delete_admin(&self, id: i64) -> StoreResult<bool> {
        let rows = self
            .rows(
                "WITH s AS (DELETE FROM admin_sessions WHERE admin_id = $1)
                 DELETE FROM admins WHERE id = $1 RETURNING id",
                &[&id],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn create_session(&self, s: AdminSession) -> StoreResult<()> {
        self.write_row(
            "INSERT INTO admin_sessions (hash, admin_id, csrf, created, expires)
             VALUES ($1, $2, $3, $4, $5) RETURNING admin_id",
            &[
                &s.hash,
                &s.admin,
                &s.csrf,
                &s.created.unix_millis(),
                &s.expires.unix_millis(),
            ],
            "session exists",
        )
        .await?;
        Ok(())
    }

    async fn find_session(&self, hash: &[u8], now: Timestamp) -> StoreResult<Option<AdminSession>> {
        let rows = self
            .rows(
                "SELECT hash, admin_id, csrf, created, expires FROM admin_sessions
                 WHERE hash = $1 AND expires > $2",
                &[&hash, &now.unix_millis()],
            )
            .await?;
        rows.first().map(session_of).transpose()
    }

    async fn delete_session(&self, hash: &[u8]) -> StoreResult<bool> {
        let rows = self
            .rows(
                "DELETE FROM admin_sessions WHERE hash = $1 RETURNING admin_id",
                &[&hash],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn delete_admin_sessions(&self, admin: i64) -> StoreResult<u64> {
        let rows = self
            .rows(
                "DELETE FROM admin_sessions WHERE admin_id = $1 RETURNING admin_id",
                &[&admin],
            )
            .await?;
        Ok(rows.len() as u64)
    }

    async fn purge_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        let rows = self
            .rows(
                "DELETE FROM admin_sessions WHERE expires <= $1 RETURNING admin_id",
                &[&now.unix_millis()],
            )
            .await?;
        Ok(rows.len() as u64)
    }
}
