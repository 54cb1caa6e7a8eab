//! Admin accounts and console sessions: the `AdminStore` half of the
//! store. Sessions are rows, so every replica serves every session; only
//! the token's SHA-256 is stored. A change that ends an account's
//! sessions deletes them in the same transaction (one statement where
//! `WITH` may delete).

use crate::exec::{Exec, Fail, Row};
use crate::rows::{opt_ts, ts};
use crate::stmt;
use scim_core::timestamp::Timestamp;
use scim_store::*;

const ADMIN: &str = "id, username, password_hash, role, tenant_id, created, disabled";
const SESSION: &str = "hash, admin_id, csrf, created, expires";

fn admin_of(r: &dyn Row) -> Result<AdminAccount, Fail> {
    let role = r.str(3)?;
    Ok(AdminAccount {
        id: r.int(0)?,
        username: r.string(1)?,
        password_hash: r.string(2)?,
        role: AdminRole::parse(role)
            .ok_or_else(|| StoreError::Backend(format!("unknown admin role {role:?}")))?,
        tenant: r.opt_int(4)?.map(TenantId::from_db),
        created: ts(r.int(5)?)?,
        disabled: opt_ts(r.opt_int(6)?)?,
    })
}

fn session_of(r: &dyn Row) -> Result<AdminSession, Fail> {
    Ok(AdminSession {
        hash: r.bytes(0)?,
        admin: r.int(1)?,
        csrf: r.string(2)?,
        created: ts(r.int(3)?)?,
        expires: ts(r.int(4)?)?,
    })
}

pub async fn create_admin(x: &mut dyn Exec, a: &NewAdmin) -> Result<AdminAccount, Fail> {
    let sql = "INSERT INTO admins (username, password_hash, role, tenant_id, created)
         VALUES ($1, $2, $3, $4, $5) RETURNING id";
    let s = stmt!(
        sql,
        a.username.as_str(),
        a.password_hash.as_str(),
        a.role.name(),
        a.tenant.map(TenantId::db_key),
        a.created.unix_millis()
    );
    let id = x
        .one(&s, |r| r.int(0))
        .await
        .map_err(|e| e.unique(|| format!("admin {:?} exists", a.username)))?;
    Ok(AdminAccount {
        id,
        username: a.username.clone(),
        password_hash: a.password_hash.clone(),
        role: a.role,
        tenant: a.tenant,
        created: a.created,
        disabled: None,
    })
}

pub async fn find_admin(x: &mut dyn Exec, username: &str) -> Result<Option<AdminAccount>, Fail> {
    let sql = format!("SELECT {ADMIN} FROM admins WHERE username = $1");
    x.opt(&stmt!(sql, username), admin_of).await
}

pub async fn admin(x: &mut dyn Exec, id: i64) -> Result<Option<AdminAccount>, Fail> {
    let sql = format!("SELECT {ADMIN} FROM admins WHERE id = $1");
    x.opt(&stmt!(sql, id), admin_of).await
}

pub async fn list_admins(x: &mut dyn Exec) -> Result<Vec<AdminAccount>, Fail> {
    let sql = format!("SELECT {ADMIN} FROM admins ORDER BY username");
    x.all(&stmt!(sql), admin_of).await
}

/// Runs `change` (an `UPDATE` or `DELETE` of `admins`, `$1` the account)
/// and deletes the account's sessions when `end_sessions` (a parameter,
/// `$2`) is true; whether the account exists.
async fn with_sessions(
    x: &mut dyn Exec,
    change: &str,
    id: i64,
    end_sessions: bool,
    value: Option<crate::Param<'_>>,
) -> Result<bool, Fail> {
    let mut params = vec![id.into(), end_sessions.into()];
    params.extend(value);
    if x.dialect().dml_in_with() {
        let sql = format!(
            "WITH s AS (DELETE FROM admin_sessions WHERE admin_id = $1 AND $2) {change} RETURNING id"
        );
        return Ok(x.execute(&crate::Stmt::new(sql, params)).await? > 0);
    }
    let sessions = "DELETE FROM admin_sessions WHERE admin_id = $1 AND $2";
    x.execute(&crate::Stmt::new(sessions, params[..2].to_vec()))
        .await?;
    Ok(x.execute(&crate::Stmt::new(change, params)).await? > 0)
}

pub async fn set_admin_password(
    x: &mut dyn Exec,
    id: i64,
    password_hash: &str,
) -> Result<bool, Fail> {
    let change = "UPDATE admins SET password_hash = $3 WHERE id = $1";
    with_sessions(x, change, id, true, Some(password_hash.into())).await
}

pub async fn set_admin_disabled(
    x: &mut dyn Exec,
    id: i64,
    disabled: Option<Timestamp>,
) -> Result<bool, Fail> {
    let change = "UPDATE admins SET disabled = $3 WHERE id = $1";
    let at = disabled.map(Timestamp::unix_millis);
    with_sessions(x, change, id, at.is_some(), Some(at.into())).await
}

pub async fn delete_admin(x: &mut dyn Exec, id: i64) -> Result<bool, Fail> {
    let change = "DELETE FROM admins WHERE id = $1";
    with_sessions(x, change, id, true, None).await
}

pub async fn create_session(x: &mut dyn Exec, s: &AdminSession) -> Result<(), Fail> {
    let sql = format!("INSERT INTO admin_sessions ({SESSION}) VALUES ($1, $2, $3, $4, $5)");
    let st = stmt!(
        sql,
        &s.hash,
        s.admin,
        s.csrf.as_str(),
        s.created.unix_millis(),
        s.expires.unix_millis()
    );
    x.execute(&st)
        .await
        .map_err(|e| e.unique(|| "session exists".into()))?;
    Ok(())
}

pub async fn find_session(
    x: &mut dyn Exec,
    hash: &[u8],
    now: Timestamp,
) -> Result<Option<AdminSession>, Fail> {
    let sql = format!("SELECT {SESSION} FROM admin_sessions WHERE hash = $1 AND expires > $2");
    x.opt(&stmt!(sql, hash, now.unix_millis()), session_of)
        .await
}

pub async fn delete_session(x: &mut dyn Exec, hash: &[u8]) -> Result<bool, Fail> {
    let sql = "DELETE FROM admin_sessions WHERE hash = $1";
    Ok(x.execute(&stmt!(sql, hash)).await? > 0)
}

pub async fn delete_admin_sessions(x: &mut dyn Exec, admin: i64) -> Result<u64, Fail> {
    let sql = "DELETE FROM admin_sessions WHERE admin_id = $1";
    x.execute(&stmt!(sql, admin)).await
}

pub async fn purge_sessions(x: &mut dyn Exec, now: Timestamp) -> Result<u64, Fail> {
    let sql = "DELETE FROM admin_sessions WHERE expires <= $1";
    x.execute(&stmt!(sql, now.unix_millis())).await
}
