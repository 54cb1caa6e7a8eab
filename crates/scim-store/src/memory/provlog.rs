//! The in-memory provisioning log: rows in insertion order.

use super::{lock, MemoryStore};
use crate::error::StoreResult;
use crate::model::{ConnectionId, TenantId};
use crate::provlog::*;
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;
use std::collections::BTreeMap;

/// The log part of the in-memory state.
#[derive(Debug, Default)]
pub(super) struct Log {
    seq: i64,
    rows: Vec<LogRecord>,
}

impl Log {
    /// Forgets a deleted tenant's rows.
    pub(super) fn forget_tenant(&mut self, tenant: TenantId) {
        self.rows.retain(|r| r.entry.tenant != Some(tenant));
    }
}

#[async_trait]
impl LogStore for MemoryStore {
    async fn append_log(&self, entries: &[LogEntry]) -> StoreResult<()> {
        let mut s = lock(&self.state)?;
        for e in entries {
            s.log.seq += 1;
            let seq = s.log.seq;
            s.log.rows.push(LogRecord {
                seq,
                entry: e.clone(),
            });
        }
        Ok(())
    }

    async fn provisioning_log(
        &self,
        tenant: TenantId,
        q: &LogQuery,
    ) -> StoreResult<Vec<LogRecord>> {
        let s = lock(&self.state)?;
        let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
        Ok(s.log
            .rows
            .iter()
            .rev()
            .filter(|r| r.entry.tenant == Some(tenant) && q.matches(r))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn log_counts(
        &self,
        tenant: TenantId,
        connection: ConnectionId,
        since: Timestamp,
    ) -> StoreResult<LogCounts> {
        let s = lock(&self.state)?;
        let mut c = LogCounts::default();
        for r in s.log.rows.iter().filter(|r| {
            r.entry.tenant == Some(tenant)
                && r.entry.connection == Some(connection)
                && r.entry.at >= since
        }) {
            c.requests += 1;
            if r.entry.status >= 400 {
                c.errors += 1;
            }
        }
        Ok(c)
    }

    async fn prune_log(&self, keep: u64, before: Timestamp) -> StoreResult<u64> {
        let mut s = lock(&self.state)?;
        let was = s.log.rows.len();
        let keep = usize::try_from(keep).unwrap_or(usize::MAX);
        let mut seen: BTreeMap<Option<TenantId>, usize> = BTreeMap::new();
        let mut kept: Vec<LogRecord> = Vec::with_capacity(was);
        for r in s.log.rows.drain(..).rev() {
            let n = seen.entry(r.entry.tenant).or_default();
            if r.entry.at >= before && *n < keep {
                *n += 1;
                kept.push(r);
            }
        }
        kept.reverse();
        s.log.rows = kept;
        Ok((was - s.log.rows.len()) as u64)
    }
}
