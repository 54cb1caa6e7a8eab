//! The mass-deprovisioning circuit breaker (`docs/policies.md`). When one
//! connection deprovisions (deactivates or deletes) more than a share of
//! the tenant's users within the window (a broken IdP scope, say), further
//! deprovisioning through it is paused: such requests answer 503 with
//! `Retry-After` (RFC 7644 §3.12), and everything else still works, until
//! an admin confirms (deprovisioning resumes) or rejects (the users it
//! deactivated in the window are re-enabled, and it resumes).
//!
//! The count lives in the database, so every replica sees it; the pause is
//! part of the connection, which every request loads.

use crate::journal::LocalActor;
use crate::{Principal, ScimService};
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_store::{ConnectionUpdate, Load, PageRequest, Query, ResourceKind, Update};
use serde_json::Value;

/// Seconds a paused IdP is asked to wait before retrying.
const RETRY_AFTER_SECS: u64 = 600;
const MINUTE_MS: i64 = 60_000;

/// What releasing a tripped breaker did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Released {
    /// Users re-enabled (on reject).
    pub reenabled: Vec<String>,
}

/// 503 for a deprovisioning through a paused connection.
pub(crate) fn paused_error(who: &Principal) -> ScimError {
    ScimError::ServiceUnavailable(
        format!(
            "deprovisioning through connection {:?} is paused by the mass-deprovisioning circuit breaker until an admin confirms or rejects it",
            who.connection_name()
        ),
        RETRY_AFTER_SECS,
    )
}

/// 503 if deprovisioning through this principal's connection is paused.
pub(crate) fn check_not_paused(who: &Principal) -> ScimResult<()> {
    match who.policy().paused_since {
        Some(_) => Err(paused_error(who)),
        None => Ok(()),
    }
}

fn window_start(now: Timestamp, minutes: u32, released: Option<i64>) -> Timestamp {
    let start = now.unix_millis() - i64::from(minutes) * MINUTE_MS;
    let start = released.map_or(start, |r| start.max(r));
    Timestamp::from_unix_millis(start).unwrap_or(now)
}

impl ScimService {
    /// Counts a deprovisioning that just happened and trips the breaker
    /// when the connection exceeded its share. Never fails the request: the
    /// change is already committed.
    pub(crate) async fn after_deprovision(&self, who: &Principal) {
        if let Err(e) = self.count_deprovision(who).await {
            tracing::warn!(error = %e, "the circuit breaker could not count a deprovisioning");
        }
    }

    async fn count_deprovision(&self, who: &Principal) -> ScimResult<()> {
        let tenant = self
            .store
            .tenant(who.tenant())
            .await?
            .ok_or_else(|| ScimError::Internal("the principal's tenant vanished".into()))?;
        let b = tenant.settings.breaker;
        if !b.enabled {
            return Ok(());
        }
        let now = self.clock.now();
        let since = window_start(now, b.window_minutes, who.policy().released_at);
        let count = self
            .store
            .note_deprovision(who.connection(), now, since)
            .await?;
        let users = self
            .store
            .resources(who.tenant())
            .count(ResourceKind::User, false)
            .await?;
        let allowed = (users * u64::from(b.percent))
            .div_ceil(100)
            .max(u64::from(b.minimum));
        if count > allowed {
            let Some(c) = self.store.connection(who.connection()).await? else {
                return Ok(());
            };
            if c.policy.paused_since.is_none() {
                let mut policy = c.policy.clone();
                policy.paused_since = Some(now.unix_millis());
                let change = ConnectionUpdate {
                    name: c.name.clone(),
                    profile: c.profile.clone(),
                    policy,
                };
                self.store.update_connection(c.tenant, c.id, change).await?;
                self.breaker_trips
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let detail = format!(
                    "circuit breaker tripped: connection {:?} deprovisioned {count} users within {} minutes (allowed {allowed}); deprovisioning through it is paused until an admin confirms or rejects",
                    c.name, b.window_minutes
                );
                let mut origin = crate::journal::Origin::local("breaker");
                origin.connection = Some(c.id.db_key());
                let entry = origin.entry(
                    now,
                    503,
                    "breaker-tripped",
                    None,
                    None,
                    Some(detail.clone()),
                    Vec::new(),
                );
                let alert = scim_store::ChangeEvent {
                    event: crate::set::BREAKER_TRIPPED.into(),
                    resource_type: "Connection".into(),
                    resource_id: c.name.clone(),
                    at: now.unix_millis(),
                    data: Some(serde_json::json!({
                        "connection": c.name, "deprovisioned": count,
                        "windowMinutes": b.window_minutes, "allowed": allowed, "detail": detail
                    })),
                    ..scim_store::ChangeEvent::default()
                };
                let journal = scim_store::Journal {
                    audit: Some(entry),
                    events: vec![alert],
                };
                self.store.append_journal(c.tenant, journal).await?;
                tracing::warn!(
                    tenant = %tenant.name,
                    connection = %c.name,
                    deprovisioned = count,
                    window_minutes = b.window_minutes,
                    "circuit breaker tripped: deprovisioning through this connection is paused"
                );
            }
        }
        Ok(())
    }

    /// Releases a tripped breaker. `confirm` resumes deprovisioning;
    /// otherwise (reject) the users this connection deactivated since the
    /// window began are re-enabled first.
    pub async fn release_breaker(
        &self,
        tenant: &str,
        connection: &str,
        confirm: bool,
    ) -> ScimResult<Released> {
        self.release_breaker_by(&LocalActor::default(), tenant, connection, confirm)
            .await
    }

    /// [`ScimService::release_breaker`] by a named actor (a console admin).
    pub async fn release_breaker_by(
        &self,
        actor: &LocalActor,
        tenant: &str,
        connection: &str,
        confirm: bool,
    ) -> ScimResult<Released> {
        let t = self.tenant_named(tenant).await?;
        let c = self.connection_named(tenant, connection).await?;
        let Some(paused) = c.policy.paused_since else {
            return Err(ScimError::Conflict(format!(
                "connection {connection:?} is not paused"
            )));
        };
        let now = self.clock.now();
        let mut reenabled = Vec::new();
        if !confirm {
            let since = window_start(
                Timestamp::from_unix_millis(paused).unwrap_or(now),
                t.settings.breaker.window_minutes,
                c.policy.released_at,
            );
            reenabled = self.reenable_since(&t, c.id.db_key(), since).await?;
        }
        let mut policy = c.policy.clone();
        policy.paused_since = None;
        policy.released_at = Some(now.unix_millis());
        let change = ConnectionUpdate {
            name: c.name.clone(),
            profile: c.profile.clone(),
            policy,
        };
        self.store.update_connection(c.tenant, c.id, change).await?;
        let action = if confirm {
            "breaker-confirmed"
        } else {
            "breaker-rejected"
        };
        let mut origin = actor.origin("breaker");
        origin.connection = Some(c.id.db_key());
        let detail = format!("re-enabled {} user(s)", reenabled.len());
        let entry = origin.entry(now, 200, action, None, None, Some(detail), Vec::new());
        self.store.append_audit(c.tenant, entry).await?;
        Ok(Released { reenabled })
    }

    /// Re-enables users that connection `by` deactivated since `since`.
    async fn reenable_since(
        &self,
        t: &scim_store::Tenant,
        by: i64,
        since: Timestamp,
    ) -> ScimResult<Vec<String>> {
        let view = self.view(ResourceKind::User)?;
        let filter =
            scim_core::filter::lower(&scim_core::filter::Filter::parse("active eq false")?, &view)?;
        let store = self.store.resources(t.id);
        let mut page = PageRequest::Cursor(None);
        let mut targets = Vec::new();
        for _ in 0..1000 {
            let q = Query {
                filter: Some(filter.clone()),
                sort: None,
                page,
                limit: 500,
                load: Load::NONE,
            };
            let result = store.query(ResourceKind::User, &q).await?;
            targets.extend(
                result
                    .records
                    .into_iter()
                    .filter(|r| r.provenance.modified_by == Some(by) && r.last_modified >= since)
                    .map(|r| r.id),
            );
            match result.next_cursor {
                Some(c) => page = PageRequest::Cursor(Some(c)),
                None => break,
            }
        }
        let unique_groups = self.unique_groups(&t.settings);
        let mut done = Vec::new();
        for id in targets {
            let now = self.clock.now();
            let update = Box::new(move |cur: &scim_store::Record| {
                let mut doc = cur.doc.clone();
                doc.insert("active".into(), Value::Bool(true));
                let k = scim_store::index::keys(ResourceKind::User, &doc, unique_groups);
                Ok(Update {
                    doc: Some((doc, k)),
                    ..Update::none(now)
                })
            });
            if store
                .update(ResourceKind::User, &id, Load::NONE, update)
                .await?
                .is_some()
            {
                done.push(id.to_string());
            }
        }
        Ok(done)
    }
}
