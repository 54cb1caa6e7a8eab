//! The mass-deprovisioning circuit breaker (`docs/policies.md`). When one
//! connection has deprovisioned (deactivated or deleted) as many users as
//! its share of the tenant allows within the window (a broken IdP scope,
//! say), further deprovisioning through it is refused and paused: such
//! requests answer 503 with `Retry-After` (RFC 7644 §3.12), and
//! everything else still works, until an admin confirms (deprovisioning
//! resumes) or rejects (the users it deactivated in the window are
//! re-enabled, and it resumes).
//!
//! The count lives in the database and is taken inside the deprovisioning
//! write's transaction ([`scim_store::Deprovision`]): concurrent requests,
//! through one replica or several, never deprovision more than the window
//! allows. The pause is part of the connection, so every replica sees it.

use crate::journal::{change, Change, Entry, LocalActor, Origin};
use crate::state::Core;
use crate::Principal;
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_store::{
    Connection, ConnectionUpdate, Deprovision, Load, PageRequest, Query, ResourceKind, StoreError,
    StoreResult, Tenant, Update, BREAKER_RETRY_AFTER_SECS,
};
use serde_json::Value;

const MINUTE_MS: i64 = 60_000;

/// What releasing a tripped breaker did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Released {
    /// Users re-enabled (on reject).
    pub reenabled: Vec<String>,
    /// Users that could not be re-enabled (on reject), with the reason,
    /// for example no free licence seat.
    pub failed: Vec<(String, String)>,
}

/// Whether a connection's deprovisioning is paused (the metrics gauge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakerState {
    pub tenant: String,
    pub connection: String,
    pub paused: bool,
}

/// 503 for a deprovisioning through a paused connection.
pub(crate) fn paused_error(who: &Principal) -> ScimError {
    ScimError::ServiceUnavailable(
        format!(
            "deprovisioning through connection {:?} is paused by the mass-deprovisioning circuit breaker until an admin confirms or rejects it",
            who.connection_name()
        ),
        BREAKER_RETRY_AFTER_SECS,
    )
}

/// 503 if deprovisioning through this principal's connection is paused
/// (as loaded with the request; the write's transaction checks again).
pub(crate) fn check_not_paused(who: &Principal) -> ScimResult<()> {
    match who.policy().paused_since {
        Some(_) => Err(paused_error(who)),
        None => Ok(()),
    }
}

/// What the breaker counts for a deprovisioning through this principal
/// at `now`, when the tenant has it on.
pub(crate) fn deprovision(who: &Principal, now: Timestamp) -> Option<Deprovision> {
    let breaker = who.settings().breaker.clone();
    breaker.enabled.then(|| Deprovision {
        connection: who.connection(),
        at: now,
        breaker,
    })
}

/// The result of a write that may deprovision: when the circuit breaker
/// held it, the breaker trips (once, however many requests were held at
/// the same time) and the client gets 503.
pub(crate) async fn breaker_held<T>(
    core: &Core,
    who: &Principal,
    result: StoreResult<T>,
) -> ScimResult<T> {
    match result {
        Err(StoreError::Breaker {
            deprovisioned,
            allowed,
        }) => {
            if let Err(e) = trip(core, who, deprovisioned, allowed).await {
                tracing::warn!(error = %e, "the circuit breaker could not pause a connection");
            }
            Err(paused_error(who))
        }
        other => Ok(other?),
    }
}

async fn trip(core: &Core, who: &Principal, deprovisioned: u64, allowed: u64) -> ScimResult<()> {
    let now = core.clock.now();
    let minutes = who.settings().breaker.window_minutes;
    let name = who.connection_name().to_string();
    let detail = format!(
        "circuit breaker tripped: connection {name:?} deprovisioned {deprovisioned} users within {minutes} minutes (allowed {allowed}) and asked for more; deprovisioning through it is paused until an admin confirms or rejects"
    );
    let mut origin = Origin::local("breaker");
    origin.connection = Some(who.connection().db_key());
    let entry = origin.entry(Entry::new(now, 503, "breaker-tripped").detail(detail.clone()));
    let alert = scim_store::ChangeEvent {
        event: crate::set::BREAKER_TRIPPED.into(),
        resource_type: "Connection".into(),
        resource_id: name.clone(),
        at: now.unix_millis(),
        data: Some(serde_json::json!({
            "connection": name, "deprovisioned": deprovisioned,
            "windowMinutes": minutes, "allowed": allowed, "detail": detail
        })),
        ..scim_store::ChangeEvent::default()
    };
    let journal = scim_store::Journal {
        audit: Some(entry),
        events: vec![alert],
        ..scim_store::Journal::default()
    };
    if core
        .store
        .pause_connection(who.connection(), now, journal)
        .await?
    {
        core.breaker_trips
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::warn!(
            connection = %name,
            deprovisioned,
            window_minutes = minutes,
            "circuit breaker tripped: deprovisioning through this connection is paused"
        );
    }
    Ok(())
}

/// Releases a tripped breaker. `confirm` resumes deprovisioning; otherwise
/// (reject) the users this connection deactivated since the window began
/// are re-enabled first: each one is tried and reported, and the breaker
/// is released even if some could not be (no seat).
pub(crate) async fn release(
    core: &Core,
    actor: &LocalActor,
    t: &Tenant,
    c: Connection,
    confirm: bool,
) -> ScimResult<Released> {
    let Some(paused) = c.policy.paused_since else {
        return Err(ScimError::Conflict(format!(
            "connection {:?} is not paused",
            c.name
        )));
    };
    let now = core.clock.now();
    let mut released = Released::default();
    if !confirm {
        let window = i64::from(t.settings.breaker.window_minutes) * MINUTE_MS;
        let since = c
            .policy
            .released_at
            .map_or(paused - window, |r| r.max(paused - window));
        let since = Timestamp::from_unix_millis(since).unwrap_or(now);
        released = reenable_since(core, t, c.id.db_key(), since).await?;
    }
    let mut policy = c.policy.clone();
    policy.paused_since = None;
    policy.released_at = Some(now.unix_millis());
    let change = ConnectionUpdate {
        name: c.name.clone(),
        profile: c.profile,
        policy,
    };
    core.store.update_connection(c.tenant, c.id, change).await?;
    let action = if confirm {
        "breaker-confirmed"
    } else {
        "breaker-rejected"
    };
    let mut origin = actor.origin("breaker");
    origin.connection = Some(c.id.db_key());
    let mut detail = format!("re-enabled {} user(s)", released.reenabled.len());
    if !released.failed.is_empty() {
        let failed: Vec<String> = released
            .failed
            .iter()
            .map(|(id, why)| format!("{id} ({why})"))
            .collect();
        detail.push_str(&format!("; could not re-enable {}", failed.join(", ")));
    }
    let entry = origin.entry(Entry::new(now, 200, action).detail(detail));
    core.store.append_audit(c.tenant, entry).await?;
    Ok(released)
}

/// Re-enables users that connection `by` deactivated since `since`,
/// each with its audit entry (`breaker-reenable`, with the diff) and
/// provisioning events (`prov:patch`, `prov:activate`).
async fn reenable_since(
    core: &Core,
    t: &Tenant,
    by: i64,
    since: Timestamp,
) -> ScimResult<Released> {
    let schemas = core.schemas_of(t.id, t.schema_version).await?;
    let view = schemas.view(ResourceKind::User)?;
    let filter =
        scim_core::filter::lower(&scim_core::filter::Filter::parse("active eq false")?, &view)?;
    let store = core.store.resources(t.id);
    let mut page = PageRequest::Cursor(None);
    let mut targets = Vec::new();
    for _ in 0..1000 {
        let q = Query {
            filter: Some(filter.clone()),
            sort: None,
            page,
            limit: 500,
            load: Load::NONE,
            max_bytes: None,
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
    let unique_groups = core.unique_groups(&t.settings);
    let mut origin = Origin::local("breaker").with_schemas(&schemas);
    origin.connection = Some(by);
    let mut out = Released::default();
    for id in targets {
        let now = core.clock.now();
        let origin = origin.clone();
        let schemas = schemas.clone();
        let update = move |cur: &scim_store::Record| {
            let mut doc = cur.doc.clone();
            doc.insert("active".into(), Value::Bool(true));
            let k = schemas.keys(ResourceKind::User, &doc, unique_groups);
            let journal = change(
                &origin,
                Change {
                    at: now,
                    status: 200,
                    action: "breaker-reenable",
                    event: "patch",
                    kind: ResourceKind::User,
                    id: cur.id.as_str(),
                    old: Some(&cur.doc),
                    new: Some(&doc),
                    extra: &[],
                },
            );
            Ok(Update {
                doc: Some((doc, k)),
                journal,
                ..Update::none(now)
            })
        };
        let target = super::Modify {
            tenant: t.id,
            kind: ResourceKind::User,
            id: &id,
            load: Load::NONE,
            reply: Load::NONE,
            body: None,
        };
        match core.modify(target, update).await {
            Ok(Some(_)) => out.reenabled.push(id.to_string()),
            Ok(None) => {}
            Err(e) => {
                let e = ScimError::from(e);
                tracing::warn!(user = %id, error = %e, "the breaker could not re-enable a user");
                out.failed.push((id.to_string(), e.detail().to_string()));
            }
        }
    }
    Ok(out)
}
