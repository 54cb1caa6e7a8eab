//! Administration of tenants, connections and tokens (the CLI's commands).

use crate::auth::{generate_token, hash_token, token_prefix};
use crate::journal::Origin;
use crate::profile::Profile;
use crate::ScimService;
use scim_core::{ScimError, ScimResult};
use scim_store::{Connection, NewToken, ResourceCounts, Tenant, TenantDeletion, TokenRecord};

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

impl ScimService {
    /// Creates a tenant and its default connection (profile `auto`).
    pub async fn create_tenant(&self, name: &str) -> ScimResult<Tenant> {
        check_name("tenant", name)?;
        let now = self.clock.now();
        let tenant = self.store.create_tenant(name, now).await?;
        self.store
            .create_connection(tenant.id, DEFAULT_CONNECTION, Profile::Auto.name(), now)
            .await?;
        Ok(tenant)
    }

    /// Deletes a tenant with its connections, tokens, webhooks and admin
    /// accounts (`scimd tenant delete`). While it holds users or groups
    /// (active or in the trash) it is refused with 409 unless `purge`,
    /// which deletes them too. Both are audited in the tenant's audit log
    /// (`tenant-delete`), which a deletion keeps until its retention ends.
    pub async fn delete_tenant(&self, name: &str, purge: bool) -> ScimResult<ResourceCounts> {
        let t = self.tenant_named(name).await?;
        let now = self.clock.now();
        let what = |c: &ResourceCounts| {
            format!(
                "{} user(s), {} group(s), {} in the trash",
                c.users, c.groups, c.trashed
            )
        };
        let tenant = name.to_string();
        let audit = Box::new(move |c: ResourceCounts| {
            Origin::local("tenant delete").entry(
                now,
                204,
                "tenant-delete",
                None,
                None,
                Some(format!("tenant {tenant:?} deleted with {}", what(&c))),
                Vec::new(),
            )
        });
        match self.store.delete_tenant(t.id, purge, audit).await? {
            TenantDeletion::Deleted(c) => {
                tracing::warn!(
                    tenant = name,
                    users = c.users,
                    groups = c.groups,
                    trashed = c.trashed,
                    "tenant deleted"
                );
                Ok(c)
            }
            TenantDeletion::Refused(c) => {
                let detail = format!(
                    "tenant {name:?} holds {}: delete them first, or give --purge",
                    what(&c)
                );
                let entry = Origin::local("tenant delete").entry(
                    now,
                    409,
                    "tenant-delete",
                    None,
                    None,
                    Some(detail.clone()),
                    Vec::new(),
                );
                self.store.append_audit(t.id, entry).await?;
                Err(ScimError::Conflict(detail))
            }
            TenantDeletion::Missing => {
                Err(ScimError::NotFound(format!("no tenant named {name:?}")))
            }
        }
    }

    /// All tenants.
    pub async fn list_tenants(&self) -> ScimResult<Vec<Tenant>> {
        Ok(self.store.list_tenants().await?)
    }

    /// The tenant with this name, or 404.
    pub async fn tenant_named(&self, name: &str) -> ScimResult<Tenant> {
        self.store
            .find_tenant(name)
            .await?
            .ok_or_else(|| ScimError::NotFound(format!("no tenant named {name:?}")))
    }

    /// A tenant's connections.
    pub async fn list_connections(&self, tenant: &str) -> ScimResult<Vec<Connection>> {
        let t = self.tenant_named(tenant).await?;
        Ok(self.store.list_connections(t.id).await?)
    }

    /// Issues a token for a connection of a tenant (its default connection
    /// when none is named), optionally expiring after `expires_in_days`.
    pub async fn issue_token(
        &self,
        tenant: &str,
        connection: Option<&str>,
        label: &str,
        expires_in_days: Option<u32>,
    ) -> ScimResult<IssuedToken> {
        self.issue_token_retiring(tenant, connection, label, expires_in_days, &[])
            .await
    }

    /// [`ScimService::issue_token`] while the tokens `retiring` are being
    /// retired by a rotation: they do not count against the connection's
    /// token cap (an overlapping rotation may exceed it for the overlap).
    pub(crate) async fn issue_token_retiring(
        &self,
        tenant: &str,
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
        let t = self.tenant_named(tenant).await?;
        let conn = self
            .connection_named(tenant, connection.unwrap_or(DEFAULT_CONNECTION))
            .await?;
        self.check_token_cap(&conn, 1, retiring).await?;
        let token = generate_token()?;
        let now = self.clock.now();
        let expires = expires_in_days
            .map(|d| crate::admin_connections::days_after(now, d))
            .transpose()?;
        let record = self
            .store
            .insert_token(NewToken {
                tenant: t.id,
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
            tenant: t,
        })
    }

    /// A tenant's tokens (hashes and metadata only).
    pub async fn list_tokens(&self, tenant: &str) -> ScimResult<Vec<TokenRecord>> {
        let t = self.tenant_named(tenant).await?;
        Ok(self.store.list_tokens(t.id).await?)
    }

    /// Revokes a token of a tenant.
    pub async fn revoke_token(&self, tenant: &str, id: i64) -> ScimResult<()> {
        let t = self.tenant_named(tenant).await?;
        if self.store.revoke_token(t.id, id, self.clock.now()).await? {
            Ok(())
        } else {
            Err(ScimError::NotFound(format!(
                "tenant {tenant:?} has no token {id}"
            )))
        }
    }

    /// On an empty database: creates the `default` tenant and a first token.
    /// Returns `None` when any tenant exists, also when another replica
    /// created it at the same moment (the tenant name is unique).
    pub async fn bootstrap(&self) -> ScimResult<Option<IssuedToken>> {
        if !self.store.list_tenants().await?.is_empty() {
            return Ok(None);
        }
        match self.create_tenant(DEFAULT_TENANT).await {
            Ok(_) => {}
            Err(ScimError::Uniqueness(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
        self.issue_token(DEFAULT_TENANT, None, "bootstrap", None)
            .await
            .map(Some)
    }
}
