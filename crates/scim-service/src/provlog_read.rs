//! Reading a tenant's provisioning log ([`crate::provlog`]): filters as
//! the console, the admin API and `scimd log` give them (a connection by
//! name, a status class such as `4xx`), each row with its connection's
//! name.

use crate::TenantReader;
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_store::{LogQuery, LogRecord};

/// The most rows one read returns.
pub const MAX_READ: u64 = 1000;

/// What to read of the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// A connection's name.
    pub connection: Option<String>,
    /// `2xx`, `3xx`, `4xx` or `5xx`.
    pub status: Option<String>,
    pub method: Option<String>,
    /// `Users`, `Groups`, `Bulk`, …
    pub resource: Option<String>,
    /// A user's (or group's) id as the request path names it.
    pub user: Option<String>,
    pub request_id: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Rows after this number (the live tail).
    pub after: Option<i64>,
    /// Rows before this number (older pages).
    pub before: Option<i64>,
    /// At most this many (0: [`MAX_READ`]).
    pub limit: u64,
}

/// A row with its connection's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub record: LogRecord,
    pub connection: Option<String>,
}

/// The status class of `2xx` … `5xx`.
pub fn status_class(text: &str) -> ScimResult<u16> {
    let t = text.trim().to_ascii_lowercase();
    match t.as_bytes() {
        [d @ b'1'..=b'5', b'x', b'x'] => Ok(u16::from(d - b'0')),
        _ => Err(ScimError::InvalidValue(format!(
            "unknown status class {text:?}: use 2xx, 3xx, 4xx or 5xx"
        ))),
    }
}

impl TenantReader<'_> {
    /// The tenant's provisioning log, newest first.
    pub async fn provisioning_log(&self, f: &LogFilter) -> ScimResult<Vec<LogRow>> {
        let connections = self.connections().await?;
        let connection = match &f.connection {
            None => None,
            Some(name) => Some(
                connections
                    .iter()
                    .find(|c| &c.name == name)
                    .map(|c| c.id)
                    .ok_or_else(|| {
                        ScimError::NotFound(format!(
                            "tenant {:?} has no connection {name:?}",
                            self.tenant.name
                        ))
                    })?,
            ),
        };
        let q = LogQuery {
            connection,
            status_class: f.status.as_deref().map(status_class).transpose()?,
            method: f.method.as_ref().map(|m| m.to_ascii_uppercase()),
            resource: f.resource.clone(),
            resource_id: f.user.clone(),
            request_id: f.request_id.clone(),
            since: f.since,
            until: f.until,
            after_seq: f.after,
            before_seq: f.before,
            limit: if f.limit == 0 || f.limit > MAX_READ {
                MAX_READ
            } else {
                f.limit
            },
        };
        let rows = self.core.store.provisioning_log(self.tenant.id, &q).await?;
        Ok(rows
            .into_iter()
            .map(|record| {
                let connection = record.entry.connection.and_then(|id| {
                    connections
                        .iter()
                        .find(|c| c.id == id)
                        .map(|c| c.name.clone())
                });
                LogRow { record, connection }
            })
            .collect())
    }
}
