//! Admin accounts and console sessions on SQLite: the [`AdminStore`] half
//! of the store. Sessions are rows, so every replica sharing the database
//! file serves every session; only the token's SHA-256 is stored.

use crate::admin::unique_or;
use crate::writer::backend;
use crate::{opt_ts, ts, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, OptionalExtension, Row};
use scim_core::timestamp::Timestamp;
use scim_store::*;

const ADMIN_COLUMNS: &str = "id, username, password_hash, role, tenant_id, created, disabled";

type AdminRow = (i64, String, String, String, Option<i64>, i64, Option<i64>);

fn admin_row(r: &Row<'_>) -> rusqlite::Result<AdminRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn admin_of(
    (id, username, password_hash, role, tenant, created, disabled): AdminRow,
) -> StoreResult<AdminAccount> {
    Ok(AdminAccount {
        id,
        username,
        password_hash,
        role: AdminRole::parse(&role)
            .ok_or_else(|| StoreError::Backend(format!("unknown admin role {role:?}")))?,
        tenant: tenant.map(TenantId::from_db),
        created: ts(created)?,
        disabled: opt_ts(disabled)?,
    })
}

type SessionRow = (Vec<u8>, i64, String, i64, i64);

fn session_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn session_of((hash, admin, csrf, created, expires): SessionRow) -> StoreResult<AdminSession> {
    Ok(AdminSession {
        hash,
        admin,
        csrf,
        created: ts(created)?,
        expires: ts(expires)?,
    })
}

impl SqliteStore {
    async fn admin_where(
        &self,
        clause: &'static str,
        arg: rusqlite::types::Value,
    ) -> StoreResult<Option<AdminAccount>> {
        self.readers
            .read(move |c| {
                let row = c
                    .prepare_cached(&format!(
                        "SELECT {ADMIN_COLUMNS} FROM admins WHERE {clause}"
                    ))
                    .map_err(backend)?
                    .query_row([arg], admin_row)
                    .optional()
                    .map_err(backend)?;
                row.map(admin_of).transpose()
            })
            .await
    }
}

#[async_trait]
impl AdminStore for SqliteStore {
    async fn create_admin(&self, a: NewAdmin) -> StoreResult<AdminAccount> {
        self.writer
            .write(move |c| {
                c.execute(
                    "INSERT INTO admins (username, password_hash, role, tenant_id, created) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        a.username,
                        a.password_hash,
                        a.role.name(),
                        a.tenant.map(TenantId::db_key),
                        a.created.unix_millis()
                    ],
                )
                .map_err(unique_or(format!("admin {:?} exists", a.username)))?;
                Ok(AdminAccount {
                    id: c.last_insert_rowid(),
                    username: a.username,
                    password_hash: a.password_hash,
                    role: a.role,
                    tenant: a.tenant,
                    created: a.created,
                    disabled: None,
                })
            })
            .await
    }

    async fn find_admin(&self, username: &str) -> StoreResult<Option<AdminAccount>> {
        self.admin_where("username = ?1", username.to_string().into())
            .await
    }

    async fn admin(&self, id: i64) -> StoreResult<Option<AdminAccount>> {
        self.admin_where("id = ?1", id.into()).await
    }

    async fn list_admins(&self) -> StoreResult<Vec<AdminAccount>> {
        self.readers
            .read(|c| {
                let mut stmt = c
                    .prepare_cached(&format!(
                        "SELECT {ADMIN_COLUMNS} FROM admins ORDER BY username"
                    ))
                    .map_err(backend)?;
                let rows = stmt.query_map([], admin_row).map_err(backend)?;
                rows.map(|r| r.map_err(backend).and_then(admin_of))
                    .collect()
            })
            .await
    }

    async fn set_admin_password(&self, id: i64, password_hash: &str) -> StoreResult<bool> {
        let hash = password_hash.to_string();
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "UPDATE admins SET password_hash = ?1 WHERE id = ?2",
                        params![hash, id],
                    )
                    .map_err(backend)?;
                c.execute("DELETE FROM admin_sessions WHERE admin_id = ?1", [id])
                    .map_err(backend)?;
                Ok(n > 0)
            })
            .await
    }

    async fn set_admin_disabled(&self, id: i64, disabled: Option<Timestamp>) -> StoreResult<bool> {
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "UPDATE admins SET disabled = ?1 WHERE id = ?2",
                        params![disabled.map(Timestamp::unix_millis), id],
                    )
                    .map_err(backend)?;
                if disabled.is_some() {
                    c.execute("DELETE FROM admin_sessions WHERE admin_id = ?1", [id])
                        .map_err(backend)?;
                }
                Ok(n > 0)
            })
            .await
    }

    async fn delete_admin(&self, id: i64) -> StoreResult<bool> {
        self.writer
            .write(move |c| {
                c.execute("DELETE FROM admin_sessions WHERE admin_id = ?1", [id])
                    .map_err(backend)?;
                let n = c
                    .execute("DELETE FROM admins WHERE id = ?1", [id])
                    .map_err(backend)?;
                Ok(n > 0)
            })
            .await
    }

    async fn create_session(&self, s: AdminSession) -> StoreResult<()> {
        self.writer
            .write(move |c| {
                c.execute(
                    "INSERT INTO admin_sessions (hash, admin_id, csrf, created, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![s.hash, s.admin, s.csrf, s.created.unix_millis(), s.expires.unix_millis()],
                )
                .map_err(unique_or("session exists".into()))?;
                Ok(())
            })
            .await
    }

    async fn find_session(&self, hash: &[u8], now: Timestamp) -> StoreResult<Option<AdminSession>> {
        let hash = hash.to_vec();
        self.readers.read_now(move |c| {
            let row = c
                .prepare_cached(
                    "SELECT hash, admin_id, csrf, created, expires FROM admin_sessions WHERE hash = ?1 AND expires > ?2",
                )
                .map_err(backend)?
                .query_row(params![hash, now.unix_millis()], session_row)
                .optional()
                .map_err(backend)?;
            row.map(session_of).transpose()
        })
    }

    async fn delete_session(&self, hash: &[u8]) -> StoreResult<bool> {
        let hash = hash.to_vec();
        self.writer
            .write(move |c| {
                let n = c
                    .execute("DELETE FROM admin_sessions WHERE hash = ?1", [hash])
                    .map_err(backend)?;
                Ok(n > 0)
            })
            .await
    }

    async fn delete_admin_sessions(&self, admin: i64) -> StoreResult<u64> {
        self.writer
            .write(move |c| {
                let n = c
                    .execute("DELETE FROM admin_sessions WHERE admin_id = ?1", [admin])
                    .map_err(backend)?;
                Ok(n as u64)
            })
            .await
    }

    async fn purge_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "DELETE FROM admin_sessions WHERE expires <= ?1",
                        [now.unix_millis()],
                    )
                    .map_err(backend)?;
                Ok(n as u64)
            })
            .await
    }
}
