//! Reading and expiring the audit log (the CLI's `scimd audit`, later the
//! admin console's timelines; `docs/events.md`), and expiring events.

use crate::ScimService;
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_store::{AuditQuery, AuditRecord};

const DAY_MS: i64 = 86_400_000;

/// Filters of an audit query, by names.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// `user` or `group`, with the id.
    pub resource: Option<(String, String)>,
    pub connection: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub succeeded: Option<bool>,
    pub before_seq: Option<i64>,
    pub limit: u64,
}

fn days_before(now: Timestamp, days: u32) -> ScimResult<Timestamp> {
    Timestamp::from_unix_millis(now.unix_millis() - i64::from(days) * DAY_MS)
        .ok_or_else(|| ScimError::InvalidValue("retention out of range".into()))
}

impl ScimService {
    /// A tenant's audit entries, newest first.
    pub async fn audit_log(&self, tenant: &str, f: &AuditFilter) -> ScimResult<Vec<AuditRecord>> {
        let t = self.tenant_named(tenant).await?;
        let resource = match &f.resource {
            Some((kind, id)) => Some((self.kind_named(kind)?, id.clone())),
            None => None,
        };
        let connection = match &f.connection {
            Some(name) => Some(self.connection_named(tenant, name).await?.id),
            None => None,
        };
        let query = AuditQuery {
            resource,
            connection,
            since: f.since,
            until: f.until,
            succeeded: f.succeeded,
            before_seq: f.before_seq,
            limit: f.limit.clamp(1, 10_000),
        };
        Ok(self.store.audit(t.id, &query).await?)
    }

    /// Deletes audit entries older than `audit_days` and events older than
    /// `event_days` that every webhook has passed and no dead letter holds;
    /// returns both counts.
    pub async fn expire_journal(&self, audit_days: u32, event_days: u32) -> ScimResult<(u64, u64)> {
        let now = self.clock.now();
        let audit = self
            .store
            .purge_audit(days_before(now, audit_days)?)
            .await?;
        let events = self
            .store
            .purge_events(days_before(now, event_days)?)
            .await?;
        Ok((audit, events))
    }
}
