//! The console's views of a tenant: its overview (settings, seats,
//! connections), connections with their tokens, token states and health
//! (tokens' last use, breaker, last refused request), the connections the
//! circuit breaker paused, and the connection form.

use crate::admin_connections::Seats;
use crate::tenant::TenantReader;
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_store::{
    AuditQuery, AuditRecord, Connection, ConnectionPolicy, ConnectionUpdate, DeactivatePolicy,
    DeletePolicy, LogCounts, Ownership, Tenant, TokenRecord, UndefinedPolicy, UndefinedSeen,
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
    /// Its requests and errors over the last hour and the last day, from
    /// the provisioning log.
    pub hour: LogCounts,
    pub day: LogCounts,
}

/// A connection with its tokens and health.
#[derive(Debug, Clone)]
pub struct ConnectionView {
    pub connection: Connection,
    pub tokens: Vec<TokenView>,
    pub health: ConnectionHealth,
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

    /// The tenant's connections with their tokens and health.
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
        let mut views = Vec::new();
        for c in self.connections().await? {
            let tokens: Vec<TokenView> = tokens
                .iter()
                .filter(|t| t.record.connection == c.id)
                .cloned()
                .collect();
            let health = self.health(&c, &tokens).await?;
            views.push(ConnectionView {
                connection: c,
                tokens,
                health,
                undefined: Vec::new(),
            });
        }
        Ok(views)
    }

    /// A connection's health: its tokens' last use, its breaker, its last
    /// refused request.
    async fn health(&self, c: &Connection, tokens: &[TokenView]) -> ScimResult<ConnectionHealth> {
        let query = AuditQuery {
            connection: Some(c.id),
            succeeded: Some(false),
            limit: 1,
            ..AuditQuery::default()
        };
        let last_error = self
            .core
            .store
            .audit(self.tenant.id, &query)
            .await?
            .into_iter()
            .next();
        let breaker = match c.policy.paused_since.and_then(Timestamp::from_unix_millis) {
            Some(at) => BreakerState::Paused(at),
            None if self.tenant.settings.breaker.enabled => BreakerState::Armed,
            None => BreakerState::Off,
        };
        let now = self.core.clock.now().unix_millis();
        let counts = |ago: i64| async move {
            match Timestamp::from_unix_millis(now - ago) {
                Some(since) => {
                    self.core
                        .store
                        .log_counts(self.tenant.id, c.id, since)
                        .await
                }
                None => Ok(LogCounts::default()),
            }
        };
        Ok(ConnectionHealth {
            last_used: tokens.iter().filter_map(|t| t.record.last_used).max(),
            breaker,
            last_error,
            hour: counts(3_600_000).await?,
            day: counts(86_400_000).await?,
        })
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
