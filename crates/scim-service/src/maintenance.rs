//! What runs apart from any request: [`Maintenance`] (the hourly purge of
//! the trash, expired console sessions and the audit log and events past
//! their retention), reached only through the operator principal, and
//! [`Status`] (readiness and the figures `/metrics` reports), which the
//! HTTP layer reads without a principal and which changes nothing.

use crate::journal::{Entry, Origin};
use crate::resource::breaker::BreakerState;
use crate::state::Core;
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use std::sync::atomic::Ordering;

const DAY_MS: i64 = 86_400_000;

fn days_before(now: Timestamp, days: u32) -> ScimResult<Timestamp> {
    Timestamp::from_unix_millis(now.unix_millis() - i64::from(days) * DAY_MS)
        .ok_or_else(|| ScimError::InvalidValue("retention out of range".into()))
}

/// Purges and expiry (`serve` runs them hourly; `scimd trash purge`).
#[derive(Clone, Copy)]
pub struct Maintenance<'a> {
    pub(crate) core: &'a Core,
}

impl Maintenance<'_> {
    /// Purges every soft-deleted resource whose retention has ended; each
    /// one gets an audit entry (`purge`) in the purge's transaction.
    pub async fn purge_trash(&self) -> ScimResult<u64> {
        let now = self.core.clock.now();
        let audit = Origin::local("purge")
            .entry(Entry::new(now, 200, "purge").detail("the trash retention period ended".into()));
        Ok(self.core.store.purge_trash(now, audit).await?)
    }

    /// Runs the recomputations of effective roles that are due (queued by
    /// the command line, or cut short), at most `limit`, each leased while
    /// it runs; returns how many ran.
    pub async fn role_refreshes(&self, limit: usize) -> ScimResult<usize> {
        use crate::admin_roles::{Roles, LEASE_MS};
        let core = self.core;
        let mut ran = 0;
        while ran < limit {
            let now = core.clock.now().unix_millis();
            let until = now.saturating_add(LEASE_MS);
            let Some(r) = core.store.claim_role_refresh(now, until).await? else {
                break;
            };
            ran += 1;
            if let Some(tenant) = core.store.tenant(r.tenant).await? {
                let admin = crate::tenant::TenantAdmin::new(
                    core,
                    tenant,
                    crate::journal::LocalActor::default(),
                );
                Roles::new(&admin).run(&r, "role-refresh").await?;
            }
            core.store.finish_role_refresh(r.seq).await?;
        }
        Ok(ran)
    }

    /// Deletes expired console sessions; returns how many.
    pub async fn purge_sessions(&self) -> ScimResult<u64> {
        Ok(self
            .core
            .store
            .purge_sessions(self.core.clock.now())
            .await?)
    }

    /// Deletes audit entries older than `audit_days` and events older than
    /// `event_days` that every webhook has passed and no dead letter holds;
    /// returns both counts.
    pub async fn expire_journal(&self, audit_days: u32, event_days: u32) -> ScimResult<(u64, u64)> {
        let now = self.core.clock.now();
        let store = &self.core.store;
        let audit = store.purge_audit(days_before(now, audit_days)?).await?;
        let events = store.purge_events(days_before(now, event_days)?).await?;
        Ok((audit, events))
    }
}

/// Readiness and metrics: reads only.
#[derive(Clone, Copy)]
pub struct Status<'a> {
    pub(crate) core: &'a Core,
}

impl Status<'_> {
    /// Whether the store answers a query (`/readyz`).
    pub async fn ready(&self) -> ScimResult<()> {
        self.core.store.list_tenants().await?;
        Ok(())
    }

    /// How many times this process tripped a circuit breaker.
    pub fn breaker_trips(&self) -> u64 {
        self.core.breaker_trips.load(Ordering::Relaxed)
    }

    /// Every connection of every tenant with whether the breaker paused
    /// it, read from the database (so every replica reports the pause).
    pub async fn breaker_states(&self) -> ScimResult<Vec<BreakerState>> {
        let store = &self.core.store;
        let mut out = Vec::new();
        for t in store.list_tenants().await? {
            for c in store.list_connections(t.id).await? {
                out.push(BreakerState {
                    tenant: t.name.clone(),
                    connection: c.name,
                    paused: c.policy.paused_since.is_some(),
                });
            }
        }
        Ok(out)
    }
}
