//! Administration of a tenant's IdP connections, its settings and seats, and
//! token rotation (the CLI's `connection`, `tenant settings` and
//! `token rotate` commands; `docs/policies.md`).
//!
//! - A connection has a profile, a deprovisioning policy, an ownership mode
//!   and a cap on active tokens.
//! - Rotation is overlap-free (old tokens are revoked at once) or
//!   overlapping (old tokens expire after the overlap), as the admin
//!   chooses. Rotation works at the cap: the tokens it retires do not
//!   count, so an overlapping rotation may exceed the cap until the
//!   overlap ends.

use crate::admin::{audit_token, check_name, IssuedToken};
use crate::console::manage::{audit_change, Audited};
use crate::resource::breaker::Released;
use crate::tenant::{TenantAdmin, TenantReader};
use scim_core::profile::Profile;
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_store::{
    Connection, ConnectionPolicy, ConnectionUpdate, ResourceKind, TenantSettings, TokenRecord,
};
use serde_json::json;

const DAY_MS: i64 = 86_400_000;

/// Seat usage of a tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seats {
    pub used: u64,
    pub limit: Option<u64>,
}

/// `now` plus whole days.
pub(crate) fn days_after(now: Timestamp, days: u32) -> ScimResult<Timestamp> {
    Timestamp::from_unix_millis(now.unix_millis() + i64::from(days) * DAY_MS)
        .ok_or_else(|| ScimError::InvalidValue("date out of range".into()))
}

fn is_live(t: &TokenRecord, now: Timestamp) -> bool {
    t.revoked.is_none() && t.expires.is_none_or(|e| e > now)
}

impl TenantReader<'_> {
    /// The tenant's connections, by name.
    pub async fn connections(&self) -> ScimResult<Vec<Connection>> {
        Ok(self.core.store.list_connections(self.tenant.id).await?)
    }

    /// The connection with this name, or 404.
    pub(crate) async fn connection_named(&self, name: &str) -> ScimResult<Connection> {
        self.connections()
            .await?
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| {
                ScimError::NotFound(format!(
                    "tenant {:?} has no connection {name:?}",
                    self.tenant.name
                ))
            })
    }

    /// Seats in use (active users) and the limit.
    pub async fn seats(&self) -> ScimResult<Seats> {
        let used = self
            .core
            .store
            .resources(self.tenant.id)
            .count(ResourceKind::User, true)
            .await?;
        Ok(Seats {
            used,
            limit: self.tenant.settings.seat_limit,
        })
    }
}

impl TenantAdmin<'_> {
    /// Creates a connection with a profile (by name) and policies.
    pub async fn create_connection(
        &self,
        name: &str,
        profile: &str,
        policy: ConnectionPolicy,
    ) -> ScimResult<Connection> {
        check_name("connection", name)?;
        let profile = Profile::parse(profile)?;
        check_policy(profile, &policy)?;
        let store = &self.core.store;
        let c = store
            .create_connection(self.tenant.id, name, profile, self.core.clock.now())
            .await?;
        let change = ConnectionUpdate {
            name: c.name.clone(),
            profile: c.profile,
            policy,
        };
        let c = store
            .update_connection(self.tenant.id, c.id, change)
            .await?
            .ok_or_else(|| ScimError::Internal("new connection vanished".into()))?;
        audit_change(
            self,
            Audited {
                action: "connection-create",
                on: ("Connection", &c.name),
                summary: format!("connection {:?} created (profile {})", c.name, c.profile),
                diff: vec![json!({"op": "add", "path": "policy", "new": c.policy})],
            },
        )
        .await?;
        Ok(c)
    }

    /// Changes a connection: `edit` receives its current fields.
    pub async fn update_connection(
        &self,
        name: &str,
        edit: impl FnOnce(&mut ConnectionUpdate) -> ScimResult<()>,
    ) -> ScimResult<Connection> {
        let old = self.connection_named(name).await?;
        let mut change = ConnectionUpdate {
            name: old.name.clone(),
            profile: old.profile,
            policy: old.policy.clone(),
        };
        edit(&mut change)?;
        check_name("connection", &change.name)?;
        check_policy(change.profile, &change.policy)?;
        let c = self
            .core
            .store
            .update_connection(old.tenant, old.id, change)
            .await?
            .ok_or_else(|| ScimError::NotFound(format!("no connection {name:?}")))?;
        audit_change(self, Audited {
            action: "connection-update",
            on: ("Connection", &c.name),
            summary: format!("connection {:?} changed", old.name),
            diff: vec![
                json!({"op": "replace", "path": "name", "old": old.name, "new": c.name}),
                json!({"op": "replace", "path": "profile", "old": old.profile, "new": c.profile}),
                json!({"op": "replace", "path": "policy", "old": old.policy, "new": c.policy}),
            ],
        })
        .await?;
        Ok(c)
    }

    /// Deletes a connection and its tokens; what it provisioned stays.
    pub async fn delete_connection(&self, name: &str) -> ScimResult<()> {
        let c = self.connection_named(name).await?;
        if self.core.store.delete_connection(c.tenant, c.id).await? {
            audit_change(
                self,
                Audited {
                    action: "connection-delete",
                    on: ("Connection", name),
                    summary: format!("connection {name:?} deleted with its tokens"),
                    diff: Vec::new(),
                },
            )
            .await
        } else {
            Err(ScimError::NotFound(format!("no connection {name:?}")))
        }
    }

    /// Changes the tenant's settings: `edit` receives the current ones.
    pub async fn update_settings(
        &self,
        edit: impl FnOnce(&mut TenantSettings) -> ScimResult<()>,
    ) -> ScimResult<TenantSettings> {
        let mut settings = self.tenant.settings.clone();
        edit(&mut settings)?;
        if settings.matching.order.is_empty() {
            return Err(ScimError::InvalidValue(
                "the match order needs at least one key".into(),
            ));
        }
        if settings.breaker.enabled && !(1..=100).contains(&settings.breaker.percent) {
            return Err(ScimError::InvalidValue(
                "the breaker's share is a percentage from 1 to 100".into(),
            ));
        }
        self.core
            .store
            .update_tenant(self.tenant.id, &settings)
            .await?;
        let old = &self.tenant.settings;
        audit_change(
            self,
            Audited {
                action: "settings-update",
                on: ("Tenant", &self.tenant.name),
                summary: "tenant settings changed".into(),
                diff: vec![
                    json!({"op": "replace", "path": "settings", "old": old, "new": settings}),
                ],
            },
        )
        .await?;
        Ok(settings)
    }

    /// The live tokens of a connection.
    async fn live_tokens(&self, c: &Connection) -> ScimResult<Vec<TokenRecord>> {
        let now = self.core.clock.now();
        Ok(self
            .tokens()
            .await?
            .into_iter()
            .filter(|t| t.connection == c.id && is_live(t, now))
            .collect())
    }

    /// 409 unless the connection may hold `extra` more live tokens, the
    /// tokens `retiring` (by a rotation) not counted.
    pub(crate) async fn check_token_cap(
        &self,
        c: &Connection,
        extra: usize,
        retiring: &[i64],
    ) -> ScimResult<()> {
        let live = self
            .live_tokens(c)
            .await?
            .iter()
            .filter(|t| !retiring.contains(&t.id))
            .count();
        let max = usize::try_from(c.policy.max_active_tokens).unwrap_or(usize::MAX);
        if live + extra > max {
            return Err(ScimError::Conflict(format!(
                "connection {:?} already has {live} active token(s), its maximum is {max}: revoke one, or rotate",
                c.name
            )));
        }
        Ok(())
    }

    /// Issues a new token for a connection and retires its live ones:
    /// revoked at once (`overlap_days` 0), or expiring after the overlap.
    pub async fn rotate_token(&self, connection: &str, r: Rotation<'_>) -> ScimResult<IssuedToken> {
        if r.expires_in_days == Some(0) {
            return Err(ScimError::InvalidValue(
                "a token must live at least one day: --expires-in-days 0 would issue a token that is already expired".into(),
            ));
        }
        let c = self.connection_named(connection).await?;
        let old = self.live_tokens(&c).await?;
        let now = self.core.clock.now();
        let store = &self.core.store;
        if r.overlap_days == 0 {
            for t in &old {
                store.revoke_token(c.tenant, t.id, now).await?;
            }
        } else {
            // The old tokens expire at the overlap's end: until then the
            // connection may hold more than --max-tokens live tokens.
            let until = days_after(now, r.overlap_days)?;
            for t in old.iter().filter(|t| t.expires.is_none_or(|e| e > until)) {
                store.expire_token(c.tenant, t.id, until).await?;
            }
        }
        let retiring: Vec<i64> = old.iter().map(|t| t.id).collect();
        let issued = self
            .issue(Some(connection), r.label, r.expires_in_days, &retiring)
            .await?;
        audit_token(self, "token-rotate", &issued, Some(r.overlap_days)).await?;
        Ok(issued)
    }

    /// Confirms (resume) or rejects (re-enable, then resume) a mass
    /// deprovisioning the circuit breaker paused ([`crate::resource::breaker`]).
    pub async fn release_breaker(&self, connection: &str, confirm: bool) -> ScimResult<Released> {
        let c = self.connection_named(connection).await?;
        crate::resource::breaker::release(self.core, &self.actor, &self.tenant, c, confirm).await
    }
}

/// How a token rotation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation<'a> {
    /// The new token's label.
    pub label: &'a str,
    /// Days the old tokens stay valid (0: revoked at once).
    pub overlap_days: u32,
    /// Days the new token lasts (`None`: until revoked).
    pub expires_in_days: Option<u32>,
}

impl Rotation<'static> {
    /// The console's rotation: labelled `console-rotation`, never expiring.
    pub fn console(overlap_days: u32) -> Rotation<'static> {
        Rotation {
            label: "console-rotation",
            overlap_days,
            expires_in_days: None,
        }
    }
}

fn check_policy(profile: Profile, p: &ConnectionPolicy) -> ScimResult<()> {
    if p.max_active_tokens == 0 {
        return Err(ScimError::InvalidValue(
            "a connection needs at least one active token: max-tokens must be 1 or more".into(),
        ));
    }
    if profile == Profile::Interop && p.delete == scim_store::DeletePolicy::Disable {
        return Err(ScimError::InvalidValue(
            "the interop profile cannot use the delete policy \"disable\": the SCIM interoperability profile (section 6.6) requires a DELETE to delete the resource, never to set active=false; use \"delete\" or \"soft-delete\"".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::{Clock, ManualClock, Sequential, ServiceConfig};
    use scim_store::memory::MemoryStore;
    use std::sync::Arc;

    const HOUR_MS: i64 = 3_600_000;

    /// An overlapping rotation keeps the old token for the overlap and
    /// not an hour longer; the new one outlives it.
    #[tokio::test]
    async fn overlapping_rotation_ends_with_the_overlap() {
        let clock = Arc::new(ManualClock::at(1_700_000_000_000));
        let op = crate::Operator::with(
            Arc::new(MemoryStore::new()),
            ServiceConfig::default(),
            clock.clone(),
            Arc::new(Sequential::new("id")),
        )
        .unwrap();
        let svc = op.service();
        op.system().create_tenant("acme").await.unwrap();
        let acme = op.tenant("acme").await.unwrap();
        let old = acme.issue_token(None, "old", None).await.unwrap();
        let auth = |t: &IssuedToken| format!("Bearer {}", t.token);
        let rotation = Rotation {
            label: "new",
            overlap_days: 7,
            expires_in_days: None,
        };
        let new = acme.rotate_token("default", rotation).await.unwrap();
        for (at_ms, old_works) in [
            (0, true),
            (6 * DAY_MS, true),
            (7 * DAY_MS - HOUR_MS, true),
            (7 * DAY_MS, false),
            (8 * DAY_MS, false),
        ] {
            let start = clock.now().unix_millis();
            clock.advance(1_700_000_000_000 + at_ms - start);
            let r = svc.authenticate(Some(&auth(&old))).await;
            assert_eq!(r.is_ok(), old_works, "old token at +{at_ms} ms");
            if let Err(e) = r {
                assert_eq!(e.status(), 401);
                assert!(e.detail().contains("expired"), "{}", e.detail());
            }
            assert!(
                svc.authenticate(Some(&auth(&new))).await.is_ok(),
                "the new token at +{at_ms} ms"
            );
        }
    }

    /// Rotation works at the token cap: overlap-free, the new token
    /// replaces the old; overlapping, the old one is kept past the cap
    /// until the overlap ends. A token that would be born expired is refused.
    #[tokio::test]
    async fn rotation_at_the_cap_and_expiry_zero() {
        let clock = Arc::new(ManualClock::at(1_700_000_000_000));
        let op = crate::Operator::with(
            Arc::new(MemoryStore::new()),
            ServiceConfig::default(),
            clock.clone(),
            Arc::new(Sequential::new("id")),
        )
        .unwrap();
        let svc = op.service();
        op.system().create_tenant("acme").await.unwrap();
        let acme = op.tenant("acme").await.unwrap();
        let one = ConnectionPolicy {
            max_active_tokens: 1,
            ..ConnectionPolicy::default()
        };
        acme.create_connection("c", "auto", one).await.unwrap();
        let first = acme.issue_token(Some("c"), "a", None).await.unwrap();
        let e = acme.issue_token(Some("c"), "b", None).await.unwrap_err();
        assert_eq!(e.status(), 409);
        let auth = |t: &IssuedToken| format!("Bearer {}", t.token);
        let rotation = |label, overlap_days, expires_in_days| Rotation {
            label,
            overlap_days,
            expires_in_days,
        };
        let second = acme
            .rotate_token("c", rotation("b", 0, None))
            .await
            .unwrap();
        assert!(svc.authenticate(Some(&auth(&first))).await.is_err());
        let third = acme
            .rotate_token("c", rotation("c", 2, None))
            .await
            .unwrap();
        assert!(svc.authenticate(Some(&auth(&second))).await.is_ok());
        assert!(svc.authenticate(Some(&auth(&third))).await.is_ok());
        clock.advance(2 * DAY_MS);
        assert!(svc.authenticate(Some(&auth(&second))).await.is_err());
        for e in [
            acme.issue_token(Some("c"), "z", Some(0)).await.unwrap_err(),
            acme.rotate_token("c", rotation("z", 0, Some(0)))
                .await
                .unwrap_err(),
        ] {
            assert_eq!(e.scim_type(), Some("invalidValue"));
            assert!(e.detail().contains("already expired"), "{}", e.detail());
        }
    }
}
