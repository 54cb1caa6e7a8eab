//! Console operations on tenants, connections, tokens, seats, settings and
//! the circuit breaker. Each checks the admin's access, then calls the
//! administrative use case the CLI also uses.

use super::Console;
use crate::admin::IssuedToken;
use crate::admin_audit::AuditFilter;
use crate::admin_connections::Seats;
use crate::resource::breaker::Released;
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_store::{
    AuditRecord, Connection, DeactivatePolicy, DeletePolicy, Ownership, Tenant, TenantSettings,
    TokenRecord,
};
use serde_json::json;

/// A tenant with what its overview shows.
#[derive(Debug, Clone)]
pub struct TenantView {
    pub tenant: Tenant,
    pub seats: Seats,
    pub connections: Vec<Connection>,
}

/// Whether a token authenticates now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
}

impl TokenState {
    /// `active`, `expired` or `revoked`.
    pub fn name(self) -> &'static str {
        match self {
            TokenState::Active => "active",
            TokenState::Expired => "expired",
            TokenState::Revoked => "revoked",
        }
    }
}

/// A token's metadata (never its secret) and its state.
#[derive(Debug, Clone)]
pub struct TokenView {
    pub record: TokenRecord,
    pub state: TokenState,
}

/// Where a connection's circuit breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// The tenant's breaker is off.
    Off,
    /// On, and the connection deprovisions freely within its allowance.
    Armed,
    /// Tripped: the connection's deprovisioning waits for a decision.
    Paused(Timestamp),
}

impl BreakerState {
    /// `off`, `armed` or `paused`.
    pub fn name(self) -> &'static str {
        match self {
            BreakerState::Off => "off",
            BreakerState::Armed => "armed",
            BreakerState::Paused(_) => "paused",
        }
    }
}

/// A connection's health at a glance, from what is stored: its tokens'
/// last use, its breaker, and the last refused request in the audit log.
#[derive(Debug, Clone)]
pub struct ConnectionHealth {
    /// The latest use of any of its tokens (recorded to the minute).
    pub last_used: Option<Timestamp>,
    pub breaker: BreakerState,
    /// Its most recent refused request (status 4xx or 5xx).
    pub last_error: Option<AuditRecord>,
}

/// A connection with its tokens and health.
#[derive(Debug, Clone)]
pub struct ConnectionView {
    pub connection: Connection,
    pub tokens: Vec<TokenView>,
    pub health: ConnectionHealth,
}

impl ConnectionView {
    /// How many of its tokens authenticate now.
    pub fn live_tokens(&self) -> usize {
        self.tokens
            .iter()
            .filter(|t| t.state == TokenState::Active)
            .count()
    }
}

/// A connection's editable fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionForm {
    pub name: String,
    pub profile: String,
    pub deactivate: DeactivatePolicy,
    pub delete: DeletePolicy,
    pub ownership: Ownership,
    pub max_tokens: u32,
}

impl Console<'_> {
    /// The tenants this admin reaches, by name.
    pub async fn tenants(&self) -> ScimResult<Vec<Tenant>> {
        let all = self.svc.list_tenants().await?;
        Ok(all
            .into_iter()
            .filter(|t| self.who.check_read(&t.name).is_ok())
            .collect())
    }

    /// Creates a tenant with its default connection (super-admins only).
    pub async fn create_tenant(&self, name: &str) -> ScimResult<Tenant> {
        self.who.check_super()?;
        let t = self.svc.create_tenant(name).await?;
        self.audit(
            &t.name,
            "tenant-create",
            ("Tenant", &t.name),
            format!("tenant {:?} created", t.name),
            Vec::new(),
        )
        .await?;
        Ok(t)
    }

    /// A tenant's overview: settings, seats and connections.
    pub async fn tenant(&self, name: &str) -> ScimResult<TenantView> {
        self.who.check_read(name)?;
        let tenant = self.svc.tenant_named(name).await?;
        let seats = self.svc.seats(name).await?;
        let connections = self.svc.list_connections(name).await?;
        Ok(TenantView {
            tenant,
            seats,
            connections,
        })
    }

    /// Seat usage against the limit.
    pub async fn seats(&self, tenant: &str) -> ScimResult<Seats> {
        self.who.check_read(tenant)?;
        self.svc.seats(tenant).await
    }

    /// Changes a tenant's settings (seat limit, matching, retention, breaker).
    /// `edit` receives the current settings; the result is validated.
    pub async fn update_settings(
        &self,
        tenant: &str,
        edit: impl FnOnce(&mut TenantSettings) -> ScimResult<()>,
    ) -> ScimResult<TenantSettings> {
        self.who.check_change(tenant)?;
        let old = self.svc.tenant_named(tenant).await?.settings;
        let new = self.svc.update_tenant_settings(tenant, edit).await?;
        self.audit(
            tenant,
            "settings-update",
            ("Tenant", tenant),
            "tenant settings changed".into(),
            vec![json!({"op": "replace", "path": "settings", "old": old, "new": new})],
        )
        .await?;
        Ok(new)
    }

    /// A tenant's connections with their tokens and health.
    pub async fn connections(&self, tenant: &str) -> ScimResult<Vec<ConnectionView>> {
        self.who.check_read(tenant)?;
        let breaker_on = self
            .svc
            .tenant_named(tenant)
            .await?
            .settings
            .breaker
            .enabled;
        let now = self.svc.clock.now();
        let tokens: Vec<TokenView> = self
            .svc
            .list_tokens(tenant)
            .await?
            .into_iter()
            .map(|record| TokenView {
                state: if record.revoked.is_some() {
                    TokenState::Revoked
                } else if record.expires.is_some_and(|e| e <= now) {
                    TokenState::Expired
                } else {
                    TokenState::Active
                },
                record,
            })
            .collect();
        let mut views = Vec::new();
        for c in self.svc.list_connections(tenant).await? {
            let tokens: Vec<TokenView> = tokens
                .iter()
                .filter(|t| t.record.connection == c.id)
                .cloned()
                .collect();
            let last_error = self
                .svc
                .audit_log(
                    tenant,
                    &AuditFilter {
                        connection: Some(c.name.clone()),
                        succeeded: Some(false),
                        limit: 1,
                        ..AuditFilter::default()
                    },
                )
                .await?
                .into_iter()
                .next();
            let breaker = match c.policy.paused_since.and_then(Timestamp::from_unix_millis) {
                Some(at) => BreakerState::Paused(at),
                None if breaker_on => BreakerState::Armed,
                None => BreakerState::Off,
            };
            let health = ConnectionHealth {
                last_used: tokens.iter().filter_map(|t| t.record.last_used).max(),
                breaker,
                last_error,
            };
            views.push(ConnectionView {
                connection: c,
                tokens,
                health,
            });
        }
        Ok(views)
    }

    /// One connection with its tokens.
    pub async fn connection(&self, tenant: &str, name: &str) -> ScimResult<ConnectionView> {
        self.connections(tenant)
            .await?
            .into_iter()
            .find(|v| v.connection.name == name)
            .ok_or_else(|| {
                ScimError::NotFound(format!("tenant {tenant:?} has no connection {name:?}"))
            })
    }

    /// Creates a connection with its policies.
    pub async fn create_connection(
        &self,
        tenant: &str,
        form: ConnectionForm,
    ) -> ScimResult<Connection> {
        self.who.check_change(tenant)?;
        let policy = scim_store::ConnectionPolicy {
            deactivate: form.deactivate,
            delete: form.delete,
            ownership: form.ownership,
            max_active_tokens: form.max_tokens,
            ..Default::default()
        };
        let c = self
            .svc
            .create_connection(tenant, &form.name, &form.profile, policy)
            .await?;
        self.audit(
            tenant,
            "connection-create",
            ("Connection", &c.name),
            format!("connection {:?} created (profile {})", c.name, c.profile),
            vec![json!({"op": "add", "path": "policy", "new": c.policy})],
        )
        .await?;
        Ok(c)
    }

    /// Changes a connection's name, profile and policies.
    pub async fn update_connection(
        &self,
        tenant: &str,
        name: &str,
        form: ConnectionForm,
    ) -> ScimResult<Connection> {
        self.who.check_change(tenant)?;
        let old = self.svc.connection_named(tenant, name).await?;
        let c = self
            .svc
            .update_connection(tenant, name, move |c| {
                c.name = form.name;
                c.profile = form.profile;
                c.policy.deactivate = form.deactivate;
                c.policy.delete = form.delete;
                c.policy.ownership = form.ownership;
                c.policy.max_active_tokens = form.max_tokens;
                Ok(())
            })
            .await?;
        self.audit(
            tenant,
            "connection-update",
            ("Connection", &c.name),
            format!("connection {:?} changed", old.name),
            vec![
                json!({"op": "replace", "path": "name", "old": old.name, "new": c.name}),
                json!({"op": "replace", "path": "profile", "old": old.profile, "new": c.profile}),
                json!({"op": "replace", "path": "policy", "old": old.policy, "new": c.policy}),
            ],
        )
        .await?;
        Ok(c)
    }

    /// Deletes a connection and its tokens.
    pub async fn delete_connection(&self, tenant: &str, name: &str) -> ScimResult<()> {
        self.who.check_change(tenant)?;
        self.svc.delete_connection(tenant, name).await?;
        self.audit(
            tenant,
            "connection-delete",
            ("Connection", name),
            format!("connection {name:?} deleted with its tokens"),
            Vec::new(),
        )
        .await
    }

    /// Issues a token for a connection; the secret is in the result only.
    pub async fn issue_token(
        &self,
        tenant: &str,
        connection: &str,
        label: &str,
        expires_in_days: Option<u32>,
    ) -> ScimResult<IssuedToken> {
        self.who.check_change(tenant)?;
        let label = if label.trim().is_empty() {
            "console"
        } else {
            label.trim()
        };
        let issued = self
            .svc
            .issue_token(tenant, Some(connection), label, expires_in_days)
            .await?;
        self.audit_token(tenant, "token-issue", connection, &issued, None)
            .await?;
        Ok(issued)
    }

    async fn audit_token(
        &self,
        tenant: &str,
        action: &str,
        connection: &str,
        issued: &IssuedToken,
        overlap_days: Option<u32>,
    ) -> ScimResult<()> {
        let r = &issued.record;
        let overlap = overlap_days
            .map(|d| format!("; the live tokens before it stop in {d} day(s)"))
            .unwrap_or_default();
        self.audit(
            tenant,
            action,
            ("Token", &r.id.to_string()),
            format!(
                "token {:?} ({}…) issued for connection {connection:?}{overlap}",
                r.name, r.prefix
            ),
            Vec::new(),
        )
        .await
    }

    /// Issues a new token and retires the connection's live ones.
    pub async fn rotate_token(
        &self,
        tenant: &str,
        connection: &str,
        overlap_days: u32,
    ) -> ScimResult<IssuedToken> {
        self.who.check_change(tenant)?;
        let issued = self
            .svc
            .rotate_token(tenant, connection, "console-rotation", overlap_days, None)
            .await?;
        self.audit_token(
            tenant,
            "token-rotate",
            connection,
            &issued,
            Some(overlap_days),
        )
        .await?;
        Ok(issued)
    }

    /// Revokes a token.
    pub async fn revoke_token(&self, tenant: &str, id: i64) -> ScimResult<()> {
        self.who.check_change(tenant)?;
        self.svc.revoke_token(tenant, id).await?;
        self.audit(
            tenant,
            "token-revoke",
            ("Token", &id.to_string()),
            format!("token {id} revoked"),
            Vec::new(),
        )
        .await
    }

    /// The connections whose deprovisioning the circuit breaker paused.
    pub async fn paused(&self, tenant: &str) -> ScimResult<Vec<Connection>> {
        self.who.check_read(tenant)?;
        Ok(self
            .svc
            .list_connections(tenant)
            .await?
            .into_iter()
            .filter(|c| c.policy.paused_since.is_some())
            .collect())
    }

    /// Confirms (resume) or rejects (re-enable, then resume) a paused
    /// mass deprovisioning.
    pub async fn release_breaker(
        &self,
        tenant: &str,
        connection: &str,
        confirm: bool,
    ) -> ScimResult<Released> {
        self.who.check_change(tenant)?;
        self.svc
            .release_breaker_by(&self.actor(), tenant, connection, confirm)
            .await
    }

    /// A tenant's webhooks with their delivery status.
    pub async fn webhooks(
        &self,
        tenant: &str,
    ) -> ScimResult<Vec<crate::admin_webhooks::WebhookStatus>> {
        self.who.check_read(tenant)?;
        self.svc.list_webhooks(tenant).await
    }

    /// Queues a webhook's dead letters for redelivery; returns how many.
    pub async fn redeliver(&self, tenant: &str, webhook: i64) -> ScimResult<u64> {
        self.who.check_change(tenant)?;
        let n = self.svc.redeliver(tenant, webhook, None).await?;
        self.audit(
            tenant,
            "webhook-redeliver",
            ("Webhook", &webhook.to_string()),
            format!("{n} dead letter(s) of webhook {webhook} queued again"),
            Vec::new(),
        )
        .await?;
        Ok(n)
    }
}
