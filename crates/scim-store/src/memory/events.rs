//! The in-memory audit log, event outbox and webhook delivery state.

use super::{lock, MemoryStore, State};
use crate::error::{StoreError, StoreResult};
use crate::events::*;
use crate::model::TenantId;
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;

/// A webhook with its delivery lease.
#[derive(Debug, Clone)]
pub(super) struct HookRow {
    hook: Webhook,
    lease: Option<(String, Timestamp)>,
}

/// The journal part of the in-memory state.
#[derive(Debug, Default)]
pub(super) struct Journals {
    seq: i64,
    audit: Vec<AuditRecord>,
    /// Events with their store-wide sequence number; `seq` of the event
    /// itself is its number among its tenant's.
    events: Vec<(i64, StoredEvent)>,
    /// Each tenant's last event number.
    numbers: std::collections::BTreeMap<TenantId, i64>,
    hooks: Vec<HookRow>,
    dead: Vec<(TenantId, DeadLetter)>,
}

impl Journals {
    fn next(&mut self) -> i64 {
        self.seq += 1;
        self.seq
    }

    /// Forgets a deleted tenant's events, webhooks and dead letters; its
    /// audit log stays.
    pub(super) fn forget_tenant(&mut self, tenant: TenantId) {
        self.events.retain(|(_, e)| e.tenant != tenant);
        self.hooks.retain(|h| h.hook.tenant != tenant);
        self.dead.retain(|(t, _)| *t != tenant);
    }

    /// Records the audit entries of a group write's members.
    pub(super) fn record_entries(&mut self, tenant: TenantId, entries: Vec<AuditEntry>) {
        for entry in entries {
            let seq = self.next();
            self.audit.push(AuditRecord { seq, tenant, entry });
        }
    }

    /// Records a write's journal (events only when something changed).
    pub(super) fn record(&mut self, tenant: TenantId, journal: Journal, changed: bool) {
        if let Some(entry) = journal.audit {
            let seq = self.next();
            self.audit.push(AuditRecord { seq, tenant, entry });
        }
        if changed {
            for event in journal.events {
                let global = self.next();
                let n = self.numbers.entry(tenant).or_insert(0);
                *n += 1;
                let seq = *n;
                self.events
                    .push((global, StoredEvent { seq, tenant, event }));
            }
        }
    }
}

fn matches(r: &AuditRecord, q: &AuditQuery) -> bool {
    let e = &r.entry;
    q.resource.as_ref().is_none_or(|(k, id)| {
        e.resource_type.as_deref() == Some(k.name()) && e.resource_id.as_deref() == Some(id)
    }) && q
        .connection
        .is_none_or(|c| e.connection == Some(c.db_key()))
        && q.since.is_none_or(|t| e.at >= t.unix_millis())
        && q.until.is_none_or(|t| e.at < t.unix_millis())
        && q.succeeded.is_none_or(|s| e.succeeded() == s)
        && q.before_seq.is_none_or(|b| r.seq < b)
}

fn hook_mut(s: &mut State, id: i64) -> StoreResult<&mut HookRow> {
    s.journals
        .hooks
        .iter_mut()
        .find(|h| h.hook.id == id)
        .ok_or_else(|| StoreError::Backend(format!("no webhook {id}")))
}

#[async_trait]
impl EventStore for MemoryStore {
    async fn append_audit(&self, tenant: TenantId, entry: AuditEntry) -> StoreResult<()> {
        let mut s = lock(&self.state)?;
        s.journals.record(
            tenant,
            Journal {
                audit: Some(entry),
                events: Vec::new(),
                ..Journal::default()
            },
            false,
        );
        Ok(())
    }

    async fn append_journal(&self, tenant: TenantId, journal: Journal) -> StoreResult<()> {
        lock(&self.state)?.journals.record(tenant, journal, true);
        Ok(())
    }

    async fn audit(&self, tenant: TenantId, q: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
        let s = lock(&self.state)?;
        Ok(s.journals
            .audit
            .iter()
            .rev()
            .filter(|r| r.tenant == tenant && matches(r, q))
            .take(usize::try_from(q.limit).unwrap_or(usize::MAX))
            .cloned()
            .collect())
    }

    async fn purge_audit(&self, before: Timestamp) -> StoreResult<u64> {
        let mut s = lock(&self.state)?;
        let n = s.journals.audit.len();
        s.journals
            .audit
            .retain(|r| r.entry.at >= before.unix_millis());
        Ok((n - s.journals.audit.len()) as u64)
    }

    async fn events(
        &self,
        tenant: TenantId,
        after: i64,
        limit: u64,
    ) -> StoreResult<Vec<StoredEvent>> {
        let s = lock(&self.state)?;
        Ok(s.journals
            .events
            .iter()
            .map(|(_, e)| e)
            .filter(|e| e.seq > after && e.tenant == tenant)
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .cloned()
            .collect())
    }

    async fn event_number_at(&self, tenant: TenantId, seq: i64) -> StoreResult<i64> {
        let s = lock(&self.state)?;
        Ok(s.journals
            .events
            .iter()
            .filter(|(g, e)| *g <= seq && e.tenant == tenant)
            .map(|(_, e)| e.seq)
            .next_back()
            .unwrap_or(0))
    }

    async fn purge_events(&self, before: Timestamp) -> StoreResult<u64> {
        let mut s = lock(&self.state)?;
        let hooks: Vec<(TenantId, i64)> = s
            .journals
            .hooks
            .iter()
            .filter(|h| h.hook.disabled.is_none())
            .map(|h| (h.hook.tenant, h.hook.cursor))
            .collect();
        let dead: Vec<(TenantId, i64)> = s
            .journals
            .dead
            .iter()
            .map(|(t, d)| (*t, d.event_seq))
            .collect();
        let n = s.journals.events.len();
        s.journals.events.retain(|(_, e)| {
            let passed = hooks
                .iter()
                .filter(|(t, _)| *t == e.tenant)
                .all(|(_, c)| *c >= e.seq);
            // A dead letter keeps its event until it is redelivered or its
            // webhook deleted.
            let kept = dead.contains(&(e.tenant, e.seq));
            !(e.event.at < before.unix_millis() && passed && !kept)
        });
        Ok((n - s.journals.events.len()) as u64)
    }

    async fn create_webhook(&self, h: NewWebhook) -> StoreResult<Webhook> {
        let mut s = lock(&self.state)?;
        let id = s.key();
        let cursor = s.journals.numbers.get(&h.tenant).copied().unwrap_or(0);
        let hook = Webhook {
            id,
            tenant: h.tenant,
            url: h.url,
            secret: h.secret,
            format: h.format,
            full: h.full,
            created: h.created,
            cursor,
            failures: 0,
            last_error: None,
            next_attempt: None,
            dead: 0,
            allow_private: h.allow_private,
            disabled: None,
        };
        s.journals.hooks.push(HookRow {
            hook: hook.clone(),
            lease: None,
        });
        Ok(hook)
    }

    async fn set_webhook_secret(&self, id: i64, old: &str, new: &str) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        let h = hook_mut(&mut s, id)?;
        if h.hook.secret != old {
            return Ok(false);
        }
        h.hook.secret = new.to_string();
        Ok(true)
    }

    async fn list_webhooks(&self, tenant: Option<TenantId>) -> StoreResult<Vec<Webhook>> {
        let s = lock(&self.state)?;
        Ok(s.journals
            .hooks
            .iter()
            .filter(|h| tenant.is_none_or(|t| h.hook.tenant == t))
            .map(|h| {
                let mut w = h.hook.clone();
                w.dead = s
                    .journals
                    .dead
                    .iter()
                    .filter(|(_, d)| d.webhook == w.id)
                    .count() as u64;
                w
            })
            .collect())
    }

    async fn delete_webhook(&self, tenant: TenantId, id: i64) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        let n = s.journals.hooks.len();
        s.journals
            .hooks
            .retain(|h| !(h.hook.tenant == tenant && h.hook.id == id));
        let gone = s.journals.hooks.len() < n;
        if gone {
            s.journals.dead.retain(|(_, d)| d.webhook != id);
        }
        Ok(gone)
    }

    async fn set_webhook_disabled(
        &self,
        tenant: TenantId,
        id: i64,
        at: Option<Timestamp>,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        match s
            .journals
            .hooks
            .iter_mut()
            .find(|h| h.hook.tenant == tenant && h.hook.id == id)
        {
            Some(h) => {
                h.hook.disabled = at;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn claim_webhook(
        &self,
        id: i64,
        owner: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        let h = hook_mut(&mut s, id)?;
        let free = h
            .lease
            .as_ref()
            .is_none_or(|(o, t)| o == owner || *t <= now);
        if free {
            h.lease = Some((owner.to_string(), until));
        }
        Ok(free)
    }

    async fn save_delivery(&self, id: i64, owner: &str, p: DeliveryProgress) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        let h = hook_mut(&mut s, id)?;
        if h.lease.as_ref().is_none_or(|(o, _)| o != owner) {
            return Ok(false);
        }
        h.hook.cursor = p.cursor;
        h.hook.failures = p.failures;
        h.hook.last_error = p.last_error;
        h.hook.next_attempt = p.next_attempt;
        Ok(true)
    }

    async fn dead_letter(&self, letter: DeadLetter) -> StoreResult<()> {
        let mut s = lock(&self.state)?;
        let tenant = hook_mut(&mut s, letter.webhook)?.hook.tenant;
        if !s
            .journals
            .events
            .iter()
            .any(|(_, e)| e.tenant == tenant && e.seq == letter.event_seq)
        {
            return Err(StoreError::Backend(format!(
                "no event {} to dead-letter",
                letter.event_seq
            )));
        }
        s.journals
            .dead
            .retain(|(_, d)| !(d.webhook == letter.webhook && d.event_seq == letter.event_seq));
        s.journals.dead.push((tenant, letter));
        Ok(())
    }

    async fn dead_letters(&self, webhook: i64) -> StoreResult<Vec<DeadLetter>> {
        let s = lock(&self.state)?;
        let mut v: Vec<DeadLetter> = s
            .journals
            .dead
            .iter()
            .filter(|(_, d)| d.webhook == webhook)
            .map(|(_, d)| d.clone())
            .collect();
        v.sort_by_key(|d| d.event_seq);
        Ok(v)
    }

    async fn requeue_dead_letters(
        &self,
        tenant: TenantId,
        webhook: i64,
        event_seq: Option<i64>,
    ) -> StoreResult<u64> {
        let mut s = lock(&self.state)?;
        let mut n = 0;
        for (t, d) in s.journals.dead.iter_mut() {
            if *t == tenant && d.webhook == webhook && event_seq.is_none_or(|e| e == d.event_seq) {
                d.requeued = true;
                n += 1;
            }
        }
        Ok(n)
    }

    async fn resolve_dead_letter(&self, webhook: i64, event_seq: i64) -> StoreResult<()> {
        let mut s = lock(&self.state)?;
        s.journals
            .dead
            .retain(|(_, d)| !(d.webhook == webhook && d.event_seq == event_seq));
        Ok(())
    }
}
