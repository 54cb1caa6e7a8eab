//! The provisioning log's storage port: one row per SCIM request (reads
//! and refusals included), written in batches off the request path and
//! bounded per tenant by count and age ([`LogStore::prune_log`]).
//!
//! Invariant: rows arrive redacted (the service redacts paths and queries
//! by the schemas before it queues them); stores keep them as given.
//! Rows of requests whose tenant is unknown (a 401 with an unknown token)
//! have no tenant and are bounded as one more tenant.

use crate::error::StoreResult;
use crate::model::{ConnectionId, TenantId};
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;

/// One SCIM request as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub at: Timestamp,
    pub tenant: Option<TenantId>,
    pub connection: Option<ConnectionId>,
    /// The client's address (recorded for refusals before a caller is known).
    pub client: Option<String>,
    /// A presented token's display prefix (`scimd_` and four characters), for 401s.
    pub token_prefix: Option<String>,
    pub method: String,
    /// The path relative to the SCIM base URL, redacted.
    pub path: String,
    /// The query string, redacted; empty when none.
    pub query: String,
    /// The resource type the path names (`Users`, `Groups`, `Bulk`, …).
    pub resource: Option<String>,
    /// The resource id the path names.
    pub resource_id: Option<String>,
    pub status: u16,
    /// How long the request took, in microseconds.
    pub micros: i64,
    pub scim_type: Option<String>,
    pub detail: Option<String>,
    pub request_id: String,
    /// Whether the request is a write the audit log records.
    pub audited: bool,
}

/// A stored row: its number (increasing in insertion order) and entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub seq: i64,
    pub entry: LogEntry,
}

/// What to read of a tenant's log, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogQuery {
    pub connection: Option<ConnectionId>,
    /// `2` for 2xx … `5` for 5xx.
    pub status_class: Option<u16>,
    pub method: Option<String>,
    pub resource: Option<String>,
    pub resource_id: Option<String>,
    pub request_id: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Rows numbered above this (the live tail).
    pub after_seq: Option<i64>,
    /// Rows numbered below this (paging backwards).
    pub before_seq: Option<i64>,
    pub limit: u64,
}

impl LogQuery {
    /// Whether `r` passes every filter but the limit (the memory store's
    /// evaluation, and the reference for the SQL backends).
    pub fn matches(&self, r: &LogRecord) -> bool {
        let e = &r.entry;
        self.connection.is_none_or(|c| e.connection == Some(c))
            && self.status_class.is_none_or(|s| e.status / 100 == s)
            && self.method.as_ref().is_none_or(|m| &e.method == m)
            && self
                .resource
                .as_ref()
                .is_none_or(|x| e.resource.as_ref() == Some(x))
            && self
                .resource_id
                .as_ref()
                .is_none_or(|x| e.resource_id.as_ref() == Some(x))
            && self.request_id.as_ref().is_none_or(|x| &e.request_id == x)
            && self.since.is_none_or(|t| e.at >= t)
            && self.until.is_none_or(|t| e.at < t)
            && self.after_seq.is_none_or(|s| r.seq > s)
            && self.before_seq.is_none_or(|s| r.seq < s)
    }
}

/// A connection's requests and errors (status 400 or above) since a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogCounts {
    pub requests: u64,
    pub errors: u64,
}

/// Where the provisioning log is kept.
#[async_trait]
pub trait LogStore: Send + Sync {
    /// Appends rows (one batch, one write).
    async fn append_log(&self, entries: &[LogEntry]) -> StoreResult<()>;
    /// A tenant's rows matching `q`, newest first, at most `q.limit`.
    async fn provisioning_log(&self, tenant: TenantId, q: &LogQuery)
        -> StoreResult<Vec<LogRecord>>;
    /// A connection's requests and errors at or after `since`.
    async fn log_counts(
        &self,
        tenant: TenantId,
        connection: ConnectionId,
        since: Timestamp,
    ) -> StoreResult<LogCounts>;
    /// Deletes the rows older than `before`, and of each tenant (and of the
    /// rows without one) all but the newest `keep`; how many went.
    async fn prune_log(&self, keep: u64, before: Timestamp) -> StoreResult<u64>;
}
