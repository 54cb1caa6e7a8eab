//! Tokens of a tenant's connections (`scimd token`, the console's
//! connection page), the names shared by the administration, and the
//! kind names the command line uses.

use crate::auth::{generate_token, hash_token, token_prefix};
use crate::console::manage::{audit_change, Audited};
use crate::resource::kind_of;
use crate::tenant::{TenantAdmin, TenantReader};
use scim_core::{ScimError, ScimResult};
use scim_store::{NewToken, ResourceKind, Tenant, TokenRecord};

/// The name of the tenant `serve` creates in an empty database.
pub const DEFAULT_TENANT: &str = "default";
/// The name of every tenant's first connection.
pub const DEFAULT_CONNECTION: &str = "default";

/// A token just issued: the secret is shown once and never stored.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub record: TokenRecord,
    pub tenant: Tenant,
}

pub(crate) fn check_name(kind: &str, name: &str) -> ScimResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ScimError::InvalidValue(format!(
            "invalid {kind} name {name:?}: use 1 to 64 letters, digits, '-', '_' or '.'"
        )))
    }
}

/// The resource kind named by `kind` (`user`, `group`).
pub fn kind_named(kind: &str) -> ScimResult<ResourceKind> {
    kind_of(kind).ok_or_else(|| {
        ScimError::InvalidValue(format!("unknown resource type {kind:?}: use user or group"))
    })
}

impl TenantReader<'_> {
    /// The tenant's tokens (hashes and metadata only).
    pub async fn tokens(&self) -> ScimResult<Vec<TokenRecord>> {
        Ok(self.core.store.list_tokens(self.tenant.id).await?)
    }
}

impl TenantAdmin<'_> {
    /// Issues a token for a connection (the default connection when none
    /// is named), optionally expiring after `expires_in_days`. A console
    /// admin's token without a label is labelled `console`.
    pub async fn issue_token(
        &self,
        connection: Option<&str>,
        label: &str,
        expires_in_days: Option<u32>,
    ) -> ScimResult<IssuedToken> {
        let issued = self.issue(connection, label, expires_in_days, &[]).await?;
        audit_token(self, "token-issue", &issued, None).await?;
        Ok(issued)
    }

    /// [`TenantAdmin::issue_token`] without its audit entry (a rotation
    /// records its own), while the tokens `retiring` are being retired by
    /// a rotation: they do not count against the connection's token cap
    /// (an overlapping rotation may exceed it for the overlap).
    pub(crate) async fn issue(
        &self,
        connection: Option<&str>,
        label: &str,
        expires_in_days: Option<u32>,
        retiring: &[i64],
    ) -> ScimResult<IssuedToken> {
        if expires_in_days == Some(0) {
            return Err(ScimError::InvalidValue(
                "a token must live at least one day: --expires-in-days 0 would issue a token that is already expired (leave it out for a token that never expires)".into(),
            ));
        }
        let label = match label.trim() {
            "" if self.actor.admin.is_some() => "console",
            _ if self.actor.admin.is_some() => label.trim(),
            _ => label,
        };
        let conn = self
            .connection_named(connection.unwrap_or(DEFAULT_CONNECTION))
            .await?;
        self.check_token_cap(&conn, 1, retiring).await?;
        let token = generate_token()?;
        let now = self.core.clock.now();
        let expires = expires_in_days
            .map(|d| crate::admin_connections::days_after(now, d))
            .transpose()?;
        let record = self
            .core
            .store
            .insert_token(NewToken {
                tenant: self.tenant.id,
                connection: conn.id,
                name: label.to_string(),
                prefix: token_prefix(&token),
                hash: hash_token(&token),
                created: now,
                expires,
            })
            .await?;
        Ok(IssuedToken {
            token,
            record,
            tenant: self.tenant.clone(),
        })
    }

    /// Revokes a token of the tenant.
    pub async fn revoke_token(&self, id: i64) -> ScimResult<()> {
        let now = self.core.clock.now();
        if self
            .core
            .store
            .revoke_token(self.tenant.id, id, now)
            .await?
        {
            audit_change(
                self,
                Audited {
                    action: "token-revoke",
                    on: ("Token", &id.to_string()),
                    summary: format!("token {id} revoked"),
                    diff: Vec::new(),
                },
            )
            .await
        } else {
            Err(ScimError::NotFound(format!(
                "tenant {:?} has no token {id}",
                self.tenant.name
            )))
        }
    }
}

/// Records a token issued from the console (`overlap_days`: by a
/// rotation that keeps the old tokens that many days).
pub(crate) async fn audit_token(
    t: &TenantAdmin<'_>,
    action: &str,
    issued: &IssuedToken,
    overlap_days: Option<u32>,
) -> ScimResult<()> {
    let r = &issued.record;
    let connection = t
        .connections()
        .await?
        .into_iter()
        .find(|c| c.id == r.connection)
        .map(|c| c.name)
        .unwrap_or_default();
    let overlap = overlap_days
        .map(|d| format!("; the live tokens before it stop in {d} day(s)"))
        .unwrap_or_default();
    audit_change(
        t,
        Audited {
            action,
            on: ("Token", &r.id.to_string()),
            summary: format!(
                "token {:?} ({}…) issued for connection {connection:?}{overlap}",
                r.name, r.prefix
            ),
            diff: Vec::new(),
        },
    )
    .await
}
