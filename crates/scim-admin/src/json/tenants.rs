//! JSON of the signed-in admin, tenants, seats, connections with their
//! tokens and health, and a new token (its secret shown once).

use super::{at_ms, opt_at, AuditEntryJson};
use scim_service::admin::IssuedToken;
use scim_service::admin_connections::Seats;
use scim_service::console::{
    AdminPrincipal, ConnectionHealth, ConnectionView, TenantView, Timeline, TokenView,
};
use scim_store::{Connection, ConnectionPolicy, Tenant, TenantSettings, TokenRecord};
use serde::Serialize;
use utoipa::ToSchema;

/// The signed-in admin, with the session's CSRF token.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalJson {
    pub username: String,
    /// `owner` or `viewer`.
    pub role: String,
    /// An owner of every tenant.
    pub super_admin: bool,
    /// The one tenant a scoped admin reaches.
    pub tenant: Option<String>,
    /// Send it in `X-CSRF-Token` with every change.
    pub csrf_token: String,
}

impl From<&AdminPrincipal> for PrincipalJson {
    fn from(p: &AdminPrincipal) -> Self {
        PrincipalJson {
            username: p.username().into(),
            role: p.role().name().into(),
            super_admin: p.is_super(),
            tenant: p.tenant_name().map(str::to_string),
            csrf_token: p.csrf().into(),
        }
    }
}

/// A tenant and its settings.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantJson {
    pub name: String,
    pub created: String,
    pub settings: TenantSettings,
}

impl From<&Tenant> for TenantJson {
    fn from(t: &Tenant) -> Self {
        TenantJson {
            name: t.name.clone(),
            created: t.created.to_string(),
            settings: t.settings.clone(),
        }
    }
}

/// Active users against the seat limit (`null`: none).
#[derive(Debug, Serialize, ToSchema)]
pub struct SeatsJson {
    pub used: u64,
    pub limit: Option<u64>,
}

impl From<&Seats> for SeatsJson {
    fn from(s: &Seats) -> Self {
        SeatsJson {
            used: s.used,
            limit: s.limit,
        }
    }
}

/// A tenant's overview: settings, seats, connections.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TenantOverviewJson {
    #[serde(flatten)]
    pub tenant: TenantJson,
    pub seats: SeatsJson,
    pub connections: Vec<ConnectionJson>,
}

impl From<&TenantView> for TenantOverviewJson {
    fn from(v: &TenantView) -> Self {
        TenantOverviewJson {
            tenant: (&v.tenant).into(),
            seats: (&v.seats).into(),
            connections: v.connections.iter().map(ConnectionJson::from).collect(),
        }
    }
}

/// A connection with its profile and policies.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionJson {
    pub name: String,
    pub profile: String,
    pub created: String,
    pub policy: ConnectionPolicy,
    /// Whether the circuit breaker paused its deprovisioning.
    pub paused: bool,
    pub paused_since: Option<String>,
}

impl From<&Connection> for ConnectionJson {
    fn from(c: &Connection) -> Self {
        ConnectionJson {
            name: c.name.clone(),
            profile: c.profile.name().to_string(),
            created: c.created.to_string(),
            policy: c.policy.clone(),
            paused: c.policy.paused_since.is_some(),
            paused_since: c.policy.paused_since.and_then(at_ms),
        }
    }
}

/// A token's metadata (never its secret).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenJson {
    pub id: i64,
    pub name: String,
    /// The first characters of the token, to recognise it.
    pub prefix: String,
    pub created: String,
    pub expires: Option<String>,
    pub revoked: Option<String>,
    /// When it last authenticated a request (recorded to the minute).
    pub last_used: Option<String>,
}

impl From<&TokenRecord> for TokenJson {
    fn from(t: &TokenRecord) -> Self {
        TokenJson {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            created: t.created.to_string(),
            expires: opt_at(t.expires),
            revoked: opt_at(t.revoked),
            last_used: opt_at(t.last_used),
        }
    }
}

/// A token with its state.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenStateJson {
    #[serde(flatten)]
    pub token: TokenJson,
    /// `active`, `expired` or `revoked`.
    pub state: String,
}

impl From<&TokenView> for TokenStateJson {
    fn from(t: &TokenView) -> Self {
        TokenStateJson {
            token: (&t.record).into(),
            state: t.state.name().into(),
        }
    }
}

/// A connection's health at a glance.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthJson {
    /// The latest use of any of its tokens (to the minute).
    pub last_used: Option<String>,
    /// `off` (the tenant's breaker is off), `armed` or `paused`.
    pub breaker: String,
    pub paused_since: Option<String>,
    /// Its latest refused request, from the audit log.
    pub last_error: Option<AuditEntryJson>,
    /// Its requests and errors (status 400 or above) over the last hour,
    /// from the provisioning log.
    pub hour: CountsJson,
    /// The same over the last day.
    pub day: CountsJson,
}

/// Requests and errors over a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountsJson {
    pub requests: u64,
    pub errors: u64,
}

impl From<scim_store::LogCounts> for CountsJson {
    fn from(c: scim_store::LogCounts) -> Self {
        CountsJson {
            requests: c.requests,
            errors: c.errors,
        }
    }
}

impl HealthJson {
    fn of(h: &ConnectionHealth, names: &Timeline) -> Self {
        HealthJson {
            last_used: opt_at(h.last_used),
            breaker: h.breaker.name().into(),
            paused_since: match h.breaker {
                scim_service::console::BreakerState::Paused(at) => Some(at.to_string()),
                _ => None,
            },
            last_error: h.last_error.as_ref().map(|r| AuditEntryJson::of(r, names)),
            hour: h.hour.into(),
            day: h.day.into(),
        }
    }
}

/// A connection with its tokens and health.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionViewJson {
    #[serde(flatten)]
    pub connection: ConnectionJson,
    pub tokens: Vec<TokenStateJson>,
    pub health: HealthJson,
    /// What it sent that the tenant's schemas do not define (on the
    /// connection's own page only).
    #[serde(rename = "undefinedAttributes")]
    pub undefined_attributes: Vec<UndefinedJson>,
}

/// An attribute a connection sent that no schema of its tenant defines.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UndefinedJson {
    /// Its name as sent (`nickname2`, `name.middle2`, or a URN-prefixed one).
    pub name: String,
    /// How often it was seen.
    pub count: u64,
    pub last_seen: String,
    /// One example, redacted: each string is its first character and `…`.
    pub example: String,
}

impl From<&ConnectionView> for ConnectionViewJson {
    fn from(v: &ConnectionView) -> Self {
        let names = Timeline {
            entries: Vec::new(),
            connections: [(v.connection.id.db_key(), v.connection.name.clone())]
                .into_iter()
                .collect(),
        };
        ConnectionViewJson {
            connection: (&v.connection).into(),
            tokens: v.tokens.iter().map(TokenStateJson::from).collect(),
            health: HealthJson::of(&v.health, &names),
            undefined_attributes: v
                .undefined
                .iter()
                .map(|u| UndefinedJson {
                    name: u.name.clone(),
                    count: u.count,
                    last_seen: u.last_seen.to_string(),
                    example: u.example.clone(),
                })
                .collect(),
        }
    }
}

/// A new token: the secret, shown in this response only, and the SCIM
/// base URL the identity provider needs.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedJson {
    #[serde(flatten)]
    pub record: TokenJson,
    /// The bearer token (never shown again).
    pub token: String,
    pub base_url: String,
}

impl IssuedJson {
    pub fn of(i: &IssuedToken, base_url: &str) -> Self {
        IssuedJson {
            record: (&i.record).into(),
            token: i.token.clone(),
            base_url: base_url.into(),
        }
    }
}
