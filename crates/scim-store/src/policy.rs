//! Provisioning policies as the stores keep them: per tenant
//! ([`TenantSettings`]), per connection ([`ConnectionPolicy`]), and per
//! resource ([`Provenance`]). Stores persist them as JSON text and never
//! interpret them, except the seat limit and the circuit breaker's count
//! ([`Deprovision`]), which they enforce inside the write transaction. Their meaning is documented in `docs/policies.md`; the
//! service applies them.
//!
//! Invariant: every field has a default, so a settings document written by
//! an older build (or an empty `{}`) reads as the defaults.

use crate::model::ConnectionId;
use scim_core::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// What `active=false` does (per connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum DeactivatePolicy {
    /// Keep the user, marked inactive (the default).
    #[default]
    Disable,
    /// Answer success but change nothing; the event is recorded.
    Acknowledge,
}

/// What `DELETE` does (per connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum DeletePolicy {
    /// Remove the resource (the default).
    #[default]
    Delete,
    /// Hide it from SCIM, keep it for the retention period, then purge it.
    SoftDelete,
    /// Treat a user's DELETE as `active=false` (groups are deleted).
    Disable,
}

/// Whether other connections may modify what this connection created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Ownership {
    /// Any connection of the tenant may modify it (the default).
    #[default]
    Shared,
    /// Only this connection may modify or delete it: others get 403.
    Exclusive,
}

/// What a SCIM create or replace does with attributes and schema URIs the
/// tenant's schemas do not define (`docs/custom-attributes.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum UndefinedPolicy {
    /// 400 `invalidSyntax`, naming them.
    Reject,
    /// Leave them out, as the connection's profile says (the lenient
    /// profiles drop them, `strict` refuses them); the audit entry names
    /// what was dropped. Connections made before the setting existed.
    Drop,
    /// Store them as sent, as the resource's raw attributes (shown to the
    /// application, never returned to SCIM clients). New connections.
    Keep,
}

impl UndefinedPolicy {
    /// The policy of a connection stored without one: today's behaviour.
    pub fn existing() -> UndefinedPolicy {
        UndefinedPolicy::Drop
    }
}

/// A connection's policies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, rename_all = "camelCase")]
pub struct ConnectionPolicy {
    pub deactivate: DeactivatePolicy,
    pub delete: DeletePolicy,
    pub ownership: Ownership,
    /// How many unrevoked, unexpired tokens the connection may hold.
    pub max_active_tokens: u32,
    /// Set when the circuit breaker paused the connection's deprovisioning
    /// (Unix milliseconds); cleared when an admin confirms or rejects.
    pub paused_since: Option<i64>,
    /// When an admin last released the breaker: deprovisionings before it
    /// no longer count.
    pub released_at: Option<i64>,
    /// What undefined attributes become (`keep` for a new connection,
    /// `drop` for one stored without the setting).
    #[serde(default = "UndefinedPolicy::existing")]
    pub undefined: UndefinedPolicy,
}

impl Default for ConnectionPolicy {
    fn default() -> Self {
        ConnectionPolicy {
            deactivate: DeactivatePolicy::Disable,
            delete: DeletePolicy::Delete,
            ownership: Ownership::Shared,
            max_active_tokens: 3,
            paused_since: None,
            released_at: None,
            undefined: UndefinedPolicy::Keep,
        }
    }
}

/// What a SCIM create does when it matches a local account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum MatchAction {
    /// Link the account to the connection, update it, answer 201 with its id.
    #[default]
    Adopt,
    /// Answer 409 `uniqueness`.
    Conflict,
}

/// An attribute account matching compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum MatchKey {
    ExternalId,
    Email,
    UserName,
}

/// Account matching and adoption (per tenant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, rename_all = "camelCase")]
pub struct MatchPolicy {
    pub action: MatchAction,
    /// Tried in order; the first key that finds a local account wins.
    pub order: Vec<MatchKey>,
    /// Whether an adopted account keeps its auth provider (`true`, the
    /// default) or takes the connection's IdP.
    pub keep_auth_provider: bool,
}

impl Default for MatchPolicy {
    fn default() -> Self {
        MatchPolicy {
            action: MatchAction::Adopt,
            order: vec![MatchKey::ExternalId, MatchKey::Email, MatchKey::UserName],
            keep_auth_provider: true,
        }
    }
}

/// The mass-deprovisioning circuit breaker (per tenant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, rename_all = "camelCase")]
pub struct BreakerPolicy {
    pub enabled: bool,
    /// Trips when one connection deprovisions more than this share (percent)
    /// of the tenant's users within the window.
    pub percent: u32,
    pub window_minutes: u32,
    /// Below this many deprovisionings in the window it never trips.
    pub minimum: u32,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        BreakerPolicy {
            enabled: false,
            percent: 20,
            window_minutes: 60,
            minimum: 10,
        }
    }
}

/// A deprovisioning (a user deactivated or deleted through a connection)
/// that the mass-deprovisioning circuit breaker counts. A write carries it
/// in its [`crate::Journal`]; the store counts it inside the write's
/// transaction, after reading the connection's pause state there, so
/// concurrent deprovisionings through any replica are counted one after
/// another and never pass the allowance (`docs/policies.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprovision {
    pub connection: ConnectionId,
    pub at: Timestamp,
    /// The tenant's breaker settings (enabled).
    pub breaker: BreakerPolicy,
}

const MINUTE_MS: i64 = 60_000;

impl Deprovision {
    /// The first instant (Unix milliseconds) of the counting window:
    /// `window_minutes` before `at`, or the connection's last release if
    /// that is later.
    pub fn window_start(&self, released_at: Option<i64>) -> i64 {
        let start = self.at.unix_millis() - i64::from(self.breaker.window_minutes) * MINUTE_MS;
        released_at.map_or(start, |r| start.max(r))
    }

    /// How many deprovisionings the window allows a connection among
    /// `users` users: `max(minimum, ⌈percent × users⌉)`.
    pub fn allowed(&self, users: u64) -> u64 {
        (users.saturating_mul(u64::from(self.breaker.percent)))
            .div_ceil(100)
            .max(u64::from(self.breaker.minimum))
    }

    /// Whether this deprovisioning may proceed, given the connection's
    /// policy as read in the transaction, the deprovisionings already
    /// counted in its window, and the tenant's users: it may not while the
    /// connection is paused, nor when the window's allowance is used up
    /// ([`crate::StoreError::Breaker`]; the caller then pauses the
    /// connection).
    pub fn admit(
        &self,
        policy: &ConnectionPolicy,
        counted: u64,
        users: u64,
    ) -> crate::StoreResult<()> {
        let allowed = self.allowed(users);
        if policy.paused_since.is_some() || counted >= allowed {
            return Err(crate::StoreError::Breaker {
                deprovisioned: counted,
                allowed,
            });
        }
        Ok(())
    }
}

/// A tenant's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, rename_all = "camelCase")]
pub struct TenantSettings {
    /// Active users allowed; `None` is unlimited. Stores enforce it in the
    /// write transaction.
    pub seat_limit: Option<u64>,
    pub matching: MatchPolicy,
    /// Days a soft-deleted resource is kept before it is purged.
    pub retention_days: u32,
    pub breaker: BreakerPolicy,
    /// Whether group displayNames must be unique in the tenant; `None`
    /// follows the server's default (unique, as Entra's validator expects).
    pub unique_group_names: Option<bool>,
}

impl Default for TenantSettings {
    fn default() -> Self {
        TenantSettings {
            seat_limit: None,
            matching: MatchPolicy::default(),
            retention_days: 30,
            breaker: BreakerPolicy::default(),
            unique_group_names: None,
        }
    }
}

/// Who created and who last changed a resource.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, rename_all = "camelCase")]
pub struct Provenance {
    /// The connection that created (or adopted) it; `None` for a local account.
    pub created_by: Option<i64>,
    /// The name the creating connection had then (for display).
    pub provisioned_by: Option<String>,
    /// The connection that last changed it; `None` when that was local.
    pub modified_by: Option<i64>,
    /// `local`, or the IdP of the connection that provisioned it.
    pub auth_provider: String,
    /// Whether a SCIM connection manages it: local administration may not
    /// edit or delete it.
    pub managed: bool,
    /// When a connection last changed it (Unix milliseconds).
    pub last_synced: Option<i64>,
    /// The name the connection that last changed it had then (for
    /// display); kept when local administration changes it.
    pub last_synced_by: Option<String>,
}

impl Provenance {
    /// A local account (created by import or the admin CLI).
    pub fn local(auth_provider: &str) -> Provenance {
        Provenance {
            auth_provider: auth_provider.to_string(),
            ..Provenance::default()
        }
    }

    /// A resource a connection (`by`, named `name`) provisions now.
    pub fn provisioned(
        by: ConnectionId,
        name: &str,
        auth_provider: &str,
        now: Timestamp,
    ) -> Provenance {
        Provenance {
            created_by: Some(by.db_key()),
            provisioned_by: Some(name.to_string()),
            modified_by: Some(by.db_key()),
            auth_provider: auth_provider.to_string(),
            managed: true,
            last_synced: Some(now.unix_millis()),
            last_synced_by: Some(name.to_string()),
        }
    }

    /// This provenance after a change by `by` (named `name`) at `now`.
    pub fn touched(&self, by: ConnectionId, name: &str, now: Timestamp) -> Provenance {
        Provenance {
            modified_by: Some(by.db_key()),
            last_synced: Some(now.unix_millis()),
            last_synced_by: Some(name.to_string()),
            ..self.clone()
        }
    }

    /// The name of the connection that last changed it. Records written
    /// before the name was kept fall back to the creator's name when the
    /// creator made the last change.
    pub fn last_synced_by(&self) -> Option<&str> {
        match &self.last_synced_by {
            Some(n) => Some(n),
            None if self.modified_by.is_some() && self.modified_by == self.created_by => {
                self.provisioned_by.as_deref()
            }
            None => None,
        }
    }

    /// The creating connection.
    pub fn creator(&self) -> Option<ConnectionId> {
        self.created_by.map(ConnectionId::from_db)
    }

    /// When a connection last changed it.
    pub fn last_synced_at(&self) -> Option<Timestamp> {
        self.last_synced.and_then(Timestamp::from_unix_millis)
    }
}

/// Encodes a policy value for a text column.
pub fn to_text<T: Serialize>(value: &T) -> crate::StoreResult<String> {
    serde_json::to_string(value)
        .map_err(|e| crate::StoreError::Backend(format!("cannot encode settings: {e}")))
}

/// Decodes a policy value from a text column; unknown fields are ignored and
/// missing ones take their defaults.
pub fn from_text<T: for<'de> Deserialize<'de>>(text: &str) -> crate::StoreResult<T> {
    serde_json::from_str(text)
        .map_err(|e| crate::StoreError::Backend(format!("bad settings column: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_documents_read_as_defaults() {
        let t: TenantSettings = from_text("{}").unwrap();
        assert_eq!(t, TenantSettings::default());
        // A connection stored before the `undefined` setting existed keeps
        // today's behaviour (drop); a new one keeps undefined attributes.
        let c: ConnectionPolicy = from_text("{}").unwrap();
        assert_eq!(
            c,
            ConnectionPolicy {
                undefined: UndefinedPolicy::Drop,
                ..ConnectionPolicy::default()
            }
        );
        assert_eq!(ConnectionPolicy::default().undefined, UndefinedPolicy::Keep);
        let round: ConnectionPolicy =
            from_text(&to_text(&ConnectionPolicy::default()).unwrap()).unwrap();
        assert_eq!(round, ConnectionPolicy::default());
        let p: Provenance = from_text("{}").unwrap();
        assert_eq!(p, Provenance::default());
    }

    #[test]
    fn round_trip_uses_readable_names() {
        let c = ConnectionPolicy {
            delete: DeletePolicy::SoftDelete,
            ..ConnectionPolicy::default()
        };
        let text = to_text(&c).unwrap();
        assert!(text.contains("\"soft-delete\""), "{text}");
        assert_eq!(from_text::<ConnectionPolicy>(&text).unwrap(), c);
    }

    #[test]
    fn the_breaker_admits_up_to_its_allowance() {
        let d = Deprovision {
            connection: ConnectionId::from_db(1),
            at: Timestamp::from_unix_millis(10 * MINUTE_MS).unwrap(),
            breaker: BreakerPolicy {
                enabled: true,
                percent: 20,
                window_minutes: 5,
                minimum: 2,
            },
        };
        // max(2, ⌈20% of n⌉)
        for (users, allowed) in [(0, 2), (10, 2), (11, 3), (15, 3), (16, 4), (100, 20)] {
            assert_eq!(d.allowed(users), allowed, "{users} users");
        }
        assert_eq!(d.window_start(None), 5 * MINUTE_MS);
        assert_eq!(d.window_start(Some(7 * MINUTE_MS)), 7 * MINUTE_MS);
        assert_eq!(d.window_start(Some(MINUTE_MS)), 5 * MINUTE_MS);
        let open = ConnectionPolicy::default();
        assert_eq!(d.admit(&open, 2, 15), Ok(()));
        let full = crate::StoreError::Breaker {
            deprovisioned: 3,
            allowed: 3,
        };
        assert_eq!(d.admit(&open, 3, 15), Err(full));
        let paused = ConnectionPolicy {
            paused_since: Some(1),
            ..ConnectionPolicy::default()
        };
        assert!(d.admit(&paused, 0, 15).is_err());
    }
}
