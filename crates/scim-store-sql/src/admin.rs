//! Tenants, connections and tokens: the administrative half of
//! `scim_store::Store`. Settings and policies are JSON text columns (see
//! `scim_store::policy`); the seat limit is also a column, which resource
//! writes read inside their transaction.

use crate::exec::{Exec, Fail, Row};
use crate::rows::{opt_ts, ts};
use crate::stmt;
use scim_core::timestamp::Timestamp;
use scim_store::policy::from_text;
use scim_store::*;

const TENANT: &str = "id, name, created, settings, schema_version";
const CONNECTION: &str = "id, tenant_id, name, profile, created, policy";
const TOKEN: &str =
    "id, tenant_id, connection_id, name, prefix, hash, created, expires, revoked, last_used";

/// A token with its connection and tenant, in one statement (one read per
/// authenticated request instead of three).
const CREDENTIAL: &str = "SELECT k.id, k.tenant_id, k.connection_id, k.name, k.prefix, k.hash, \
     k.created, k.expires, k.revoked, k.last_used, \
     c.id, c.tenant_id, c.name, c.profile, c.created, c.policy, \
     n.id, n.name, n.created, n.settings, n.schema_version \
     FROM tokens k JOIN connections c ON c.id = k.connection_id \
     JOIN tenants n ON n.id = k.tenant_id WHERE k.hash = $1";

/// A tenant from the columns [`TENANT`] at `o`.
fn tenant_at(r: &dyn Row, o: usize) -> Result<Tenant, Fail> {
    Ok(Tenant {
        id: TenantId::from_db(r.int(o)?),
        name: r.string(o + 1)?,
        created: ts(r.int(o + 2)?)?,
        settings: from_text(r.str(o + 3)?)?,
        schema_version: r.int(o + 4)?,
    })
}

/// A connection from the columns [`CONNECTION`] at `o`.
fn connection_at(r: &dyn Row, o: usize) -> Result<Connection, Fail> {
    Ok(Connection {
        id: ConnectionId::from_db(r.int(o)?),
        tenant: TenantId::from_db(r.int(o + 1)?),
        name: r.string(o + 2)?,
        profile: profile_of(r.str(o + 3)?)?,
        created: ts(r.int(o + 4)?)?,
        policy: from_text(r.str(o + 5)?)?,
    })
}

/// A token from the columns [`TOKEN`] at `o`.
fn token_at(r: &dyn Row, o: usize) -> Result<TokenRecord, Fail> {
    Ok(TokenRecord {
        id: r.int(o)?,
        tenant: TenantId::from_db(r.int(o + 1)?),
        connection: ConnectionId::from_db(r.int(o + 2)?),
        name: r.string(o + 3)?,
        prefix: r.string(o + 4)?,
        hash: r.bytes(o + 5)?,
        created: ts(r.int(o + 6)?)?,
        expires: opt_ts(r.opt_int(o + 7)?)?,
        revoked: opt_ts(r.opt_int(o + 8)?)?,
        last_used: opt_ts(r.opt_int(o + 9)?)?,
    })
}

pub async fn create_tenant(x: &mut dyn Exec, name: &str, now: Timestamp) -> Result<Tenant, Fail> {
    let sql = match x.dialect().new_tenant_id() {
        Some(id) => format!(
            "INSERT INTO tenants (id, name, created) VALUES ({id}, $1, $2) RETURNING {TENANT}"
        ),
        None => format!("INSERT INTO tenants (name, created) VALUES ($1, $2) RETURNING {TENANT}"),
    };
    x.one(&stmt!(sql, name, now.unix_millis()), |r| tenant_at(r, 0))
        .await
        .map_err(|e| e.unique(|| format!("tenant {name:?} exists")))
}

pub async fn list_tenants(x: &mut dyn Exec) -> Result<Vec<Tenant>, Fail> {
    let order = x.dialect().code_points();
    let sql = format!("SELECT {TENANT} FROM tenants ORDER BY name{order}");
    x.all(&stmt!(sql), |r| tenant_at(r, 0)).await
}

pub async fn find_tenant(x: &mut dyn Exec, name: &str) -> Result<Option<Tenant>, Fail> {
    let sql = format!("SELECT {TENANT} FROM tenants WHERE name = $1");
    x.opt(&stmt!(sql, name), |r| tenant_at(r, 0)).await
}

pub async fn tenant(x: &mut dyn Exec, id: TenantId) -> Result<Option<Tenant>, Fail> {
    let sql = format!("SELECT {TENANT} FROM tenants WHERE id = $1");
    x.opt(&stmt!(sql, id.db_key()), |r| tenant_at(r, 0)).await
}

/// Replaces a tenant's settings (JSON text) and seat limit column.
pub async fn update_tenant(
    x: &mut dyn Exec,
    id: TenantId,
    settings: &str,
    seat_limit: Option<i64>,
) -> Result<bool, Fail> {
    let sql = "UPDATE tenants SET settings = $1, seat_limit = $2 WHERE id = $3";
    let n = x
        .execute(&stmt!(sql, settings, seat_limit, id.db_key()))
        .await?;
    Ok(n > 0)
}

pub async fn create_connection(
    x: &mut dyn Exec,
    tenant: TenantId,
    name: &str,
    profile: Profile,
    now: Timestamp,
) -> Result<Connection, Fail> {
    // A new connection's policies as stored (a row without them reads as
    // the policies of a connection made before later settings existed).
    let policy = scim_store::policy::to_text(&ConnectionPolicy::default())?;
    let sql = format!("INSERT INTO connections (tenant_id, name, profile, created, policy) VALUES ($1, $2, $3, $4, $5) RETURNING {CONNECTION}");
    let s = stmt!(
        sql,
        tenant.db_key(),
        name,
        profile.name(),
        now.unix_millis(),
        policy.as_str()
    );
    x.one(&s, |r| connection_at(r, 0))
        .await
        .map_err(|e| e.unique(|| format!("connection {name:?} exists")))
}

pub async fn list_connections(x: &mut dyn Exec, tenant: TenantId) -> Result<Vec<Connection>, Fail> {
    let order = x.dialect().code_points();
    let sql =
        format!("SELECT {CONNECTION} FROM connections WHERE tenant_id = $1 ORDER BY name{order}");
    x.all(&stmt!(sql, tenant.db_key()), |r| connection_at(r, 0))
        .await
}

pub async fn connection(x: &mut dyn Exec, id: ConnectionId) -> Result<Option<Connection>, Fail> {
    let sql = format!("SELECT {CONNECTION} FROM connections WHERE id = $1");
    x.opt(&stmt!(sql, id.db_key()), |r| connection_at(r, 0))
        .await
}

/// Changes a connection; `policy` is the policy's JSON text.
pub async fn update_connection(
    x: &mut dyn Exec,
    tenant: TenantId,
    id: ConnectionId,
    change: &ConnectionUpdate,
    policy: &str,
) -> Result<Option<Connection>, Fail> {
    let sql = format!("UPDATE connections SET name = $1, profile = $2, policy = $3 WHERE tenant_id = $4 AND id = $5 RETURNING {CONNECTION}");
    let (name, profile) = (change.name.as_str(), change.profile.name());
    let s = stmt!(sql, name, profile, policy, tenant.db_key(), id.db_key());
    x.opt(&s, |r| connection_at(r, 0))
        .await
        .map_err(|e| e.unique(|| format!("connection {name:?} exists")))
}

/// Deletes a connection and its tokens (first: they reference it).
pub async fn delete_connection(
    x: &mut dyn Exec,
    tenant: TenantId,
    id: ConnectionId,
) -> Result<bool, Fail> {
    let (t, c) = (tenant.db_key(), id.db_key());
    let tokens = "DELETE FROM tokens WHERE connection_id IN (SELECT id FROM connections WHERE tenant_id = $1 AND id = $2)";
    x.execute(&stmt!(tokens, t, c)).await?;
    let seen = "DELETE FROM undefined_attributes WHERE connection_id IN (SELECT id FROM connections WHERE tenant_id = $1 AND id = $2)";
    x.execute(&stmt!(seen, t, c)).await?;
    let sql = "DELETE FROM connections WHERE tenant_id = $1 AND id = $2";
    Ok(x.execute(&stmt!(sql, t, c)).await? > 0)
}

pub async fn insert_token(x: &mut dyn Exec, t: &NewToken) -> Result<TokenRecord, Fail> {
    let sql = "INSERT INTO tokens (tenant_id, connection_id, name, prefix, hash, created, expires) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
    let s = stmt!(
        sql,
        t.tenant.db_key(),
        t.connection.db_key(),
        t.name.as_str(),
        t.prefix.as_str(),
        &t.hash,
        t.created.unix_millis(),
        t.expires.map(Timestamp::unix_millis)
    );
    let id = x
        .one(&s, |r| r.int(0))
        .await
        .map_err(|e| e.unique(|| "token hash exists".into()))?;
    Ok(TokenRecord {
        id,
        tenant: t.tenant,
        connection: t.connection,
        name: t.name.clone(),
        prefix: t.prefix.clone(),
        hash: t.hash.clone(),
        created: t.created,
        expires: t.expires,
        revoked: None,
        last_used: None,
    })
}

pub async fn find_token(x: &mut dyn Exec, hash: &[u8]) -> Result<Option<TokenRecord>, Fail> {
    let sql = format!("SELECT {TOKEN} FROM tokens WHERE hash = $1");
    x.opt(&stmt!(sql, hash), |r| token_at(r, 0)).await
}

pub async fn credential(x: &mut dyn Exec, hash: &[u8]) -> Result<Option<Credential>, Fail> {
    x.opt(&stmt!(CREDENTIAL, hash), |r| {
        Ok(Credential {
            token: token_at(r, 0)?,
            connection: connection_at(r, 10)?,
            tenant: tenant_at(r, 16)?,
        })
    })
    .await
}

pub async fn list_tokens(x: &mut dyn Exec, tenant: TenantId) -> Result<Vec<TokenRecord>, Fail> {
    let sql = format!("SELECT {TOKEN} FROM tokens WHERE tenant_id = $1 ORDER BY id DESC");
    x.all(&stmt!(sql, tenant.db_key()), |r| token_at(r, 0))
        .await
}

/// Revokes a token of the tenant (an earlier revocation stands); whether
/// the tenant has it.
pub async fn revoke_token(
    x: &mut dyn Exec,
    tenant: TenantId,
    token: i64,
    now: Timestamp,
) -> Result<bool, Fail> {
    let sql = "UPDATE tokens SET revoked = coalesce(revoked, $3) WHERE tenant_id = $1 AND id = $2";
    let s = stmt!(sql, tenant.db_key(), token, now.unix_millis());
    Ok(x.execute(&s).await? > 0)
}

pub async fn expire_token(
    x: &mut dyn Exec,
    tenant: TenantId,
    token: i64,
    at: Timestamp,
) -> Result<bool, Fail> {
    let sql = "UPDATE tokens SET expires = $1 WHERE tenant_id = $2 AND id = $3";
    let s = stmt!(sql, at.unix_millis(), tenant.db_key(), token);
    Ok(x.execute(&s).await? > 0)
}

/// Records a token's use at `at`, never moving its last use back.
pub async fn touch_token(x: &mut dyn Exec, token: i64, at: Timestamp) -> Result<(), Fail> {
    let sql =
        "UPDATE tokens SET last_used = $1 WHERE id = $2 AND (last_used IS NULL OR last_used < $1)";
    x.execute(&stmt!(sql, at.unix_millis(), token)).await?;
    Ok(())
}
