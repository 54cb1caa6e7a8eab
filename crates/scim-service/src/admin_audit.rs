//! Reading the audit log (the CLI's `scimd audit`, the console's
//! timelines; `docs/events.md`). Expiry is [`crate::Maintenance`]'s.

use crate::admin::kind_named;
use crate::tenant::TenantReader;
use scim_core::timestamp::Timestamp;
use scim_core::ScimResult;
use scim_store::{AuditQuery, AuditRecord};

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

impl TenantReader<'_> {
    /// The tenant's audit entries, newest first.
    pub async fn audit(&self, f: &AuditFilter) -> ScimResult<Vec<AuditRecord>> {
        let resource = match &f.resource {
            Some((kind, id)) => Some((kind_named(kind)?, id.clone())),
            None => None,
        };
        let connection = match &f.connection {
            Some(name) => Some(self.connection_named(name).await?.id),
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
        Ok(self.core.store.audit(self.tenant.id, &query).await?)
    }
}
