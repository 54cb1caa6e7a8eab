//! The console's views of a tenant: its overview (settings, seats,
//! connections), connections with their tokens and token states, the
//! connections the circuit breaker paused, and the connection form.

use crate::admin_connections::Seats;
use crate::tenant::TenantReader;
use scim_core::{ScimError, ScimResult};
use scim_store::{
    Connection, ConnectionPolicy, ConnectionUpdate, DeactivatePolicy, DeletePolicy, Ownership,
    Tenant, TokenRecord, UndefinedPolicy, UndefinedSeen,
};

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

/// A connection with its tokens.
#[derive(Debug, Clone)]
pub struct ConnectionView {
    pub connection: Connection,
    pub tokens: Vec<TokenView>,
    /// The attributes it sent that the tenant's schemas do not define
    /// (filled by [`TenantReader::connection_view`] only).
    pub undefined: Vec<UndefinedSeen>,
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
    /// What undefined attributes become (unchanged when `None`; a new
    /// connection's default: keep).
    pub undefined: Option<UndefinedPolicy>,
}

impl ConnectionForm {
    /// The policies of a new connection with these fields.
    pub fn policy(&self) -> ConnectionPolicy {
        ConnectionPolicy {
            deactivate: self.deactivate,
            delete: self.delete,
            ownership: self.ownership,
            max_active_tokens: self.max_tokens,
            undefined: self.undefined.unwrap_or(UndefinedPolicy::Keep),
            ..ConnectionPolicy::default()
        }
    }

    /// Sets a connection's fields to these (the profile by name: 400 when
    /// there is no such profile).
    pub fn apply(self, c: &mut ConnectionUpdate) -> ScimResult<()> {
        c.name = self.name;
        c.profile = self.profile.parse()?;
        c.policy.deactivate = self.deactivate;
        c.policy.delete = self.delete;
        c.policy.ownership = self.ownership;
        c.policy.max_active_tokens = self.max_tokens;
        if let Some(u) = self.undefined {
            c.policy.undefined = u;
        }
        Ok(())
    }
}

impl TenantReader<'_> {
    /// The tenant's overview: settings, seats and connections.
    pub async fn overview(&self) -> ScimResult<TenantView> {
        Ok(TenantView {
            tenant: self.tenant.clone(),
            seats: self.seats().await?,
            connections: self.connections().await?,
        })
    }

    /// The tenant's connections with their tokens.
    pub async fn connection_views(&self) -> ScimResult<Vec<ConnectionView>> {
        let now = self.core.clock.now();
        let tokens: Vec<TokenView> = self
            .tokens()
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
        Ok(self
            .connections()
            .await?
            .into_iter()
            .map(|c| ConnectionView {
                undefined: Vec::new(),
                tokens: tokens
                    .iter()
                    .filter(|t| t.record.connection == c.id)
                    .cloned()
                    .collect(),
                connection: c,
            })
            .collect())
    }

    /// One connection with its tokens.
    pub async fn connection_view(&self, name: &str) -> ScimResult<ConnectionView> {
        let mut v = self
            .connection_views()
            .await?
            .into_iter()
            .find(|v| v.connection.name == name)
            .ok_or_else(|| {
                ScimError::NotFound(format!(
                    "tenant {:?} has no connection {name:?}",
                    self.tenant.name
                ))
            })?;
        v.undefined = self
            .core
            .store
            .undefined_attributes(self.tenant.id, v.connection.id)
            .await?;
        Ok(v)
    }

    /// The connections whose deprovisioning the circuit breaker paused.
    pub async fn paused(&self) -> ScimResult<Vec<Connection>> {
        Ok(self
            .connections()
            .await?
            .into_iter()
            .filter(|c| c.policy.paused_since.is_some())
            .collect())
    }
}
