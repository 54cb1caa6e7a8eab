//! What stores record about changes: the audit log, the event outbox, and
//! webhook endpoints with their delivery progress (`docs/events.md`).
//!
//! A write carries a [`Journal`]; the store commits its audit entry and its
//! events in the same transaction as the change (the transactional
//! outbox), so an acknowledged change always has its events, and a change
//! that rolled back has none. Stores keep the payloads as JSON text.
//!
//! Events are numbered per tenant ([`StoredEvent::seq`]: 1, 2, 3 … in the
//! order their writes committed), in the write's transaction. Everything a
//! tenant sees of the outbox (SET `jti`s, the feed's cursor, webhook
//! cursors, dead letters) is such a number, so nothing in it depends on
//! another tenant's activity.

use crate::error::StoreResult;
use crate::model::{ConnectionId, ResourceKind, TenantId};
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One audit log entry: what a connection asked for and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct AuditEntry {
    /// Unix milliseconds.
    pub at: i64,
    pub connection: Option<i64>,
    /// The correlation id, also sent to the client as `X-Request-Id`.
    pub request_id: String,
    pub method: String,
    pub path: String,
    /// The IdP profile in effect.
    pub profile: String,
    /// The HTTP status answered.
    pub status: u16,
    /// What scimd did: `create`, `adopt`, `replace`, `patch`, `delete`,
    /// `soft-delete`, `deactivate`, `acknowledge`, `refused`, `restore`,
    /// `unmanage` …
    pub action: String,
    /// `User` or `Group`, when a resource is concerned.
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    /// Why a request was refused (the SCIM error detail).
    pub detail: Option<String>,
    /// The structured diff of what changed (`password` redacted): a list of
    /// `{"op": "add"|"remove"|"replace", "path": …, "old": …, "new": …}`.
    pub diff: Value,
    /// What the client sent: the request body (for Bulk, the operation's
    /// `data`), secrets redacted as in `diff`. When its JSON text is longer
    /// than the service's cap, a string holding the first part of that text
    /// followed by `…`, with `sent_truncated` set. Stores keep it in a
    /// column of its own (see [`AuditEntry::sent_text`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<Value>,
    #[serde(skip_serializing_if = "is_false")]
    pub sent_truncated: bool,
    /// The console admin who made a local change (`None` for SCIM
    /// connections and the command line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin: Option<String>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl AuditEntry {
    /// Whether the request succeeded (2xx).
    pub fn succeeded(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The `sent` column of this entry: the JSON text of `sent`, or the
    /// truncated text itself (which never parses as JSON: it ends inside
    /// the document, followed by `…`).
    pub fn sent_text(&self) -> StoreResult<Option<String>> {
        match (&self.sent, self.sent_truncated) {
            (None, _) => Ok(None),
            (Some(Value::String(cut)), true) => Ok(Some(cut.clone())),
            (Some(v), _) => serde_json::to_string(v)
                .map(Some)
                .map_err(|e| crate::StoreError::Backend(format!("cannot encode sent body: {e}"))),
        }
    }

    /// Sets `sent` from the column written by [`AuditEntry::sent_text`].
    pub fn set_sent_text(&mut self, text: Option<String>) {
        (self.sent, self.sent_truncated) = match text {
            None => (None, false),
            Some(t) => match serde_json::from_str::<Value>(&t) {
                Ok(v) => (Some(v), false),
                Err(_) => (Some(Value::String(t)), true),
            },
        };
    }

    /// The entry JSON text and the `sent` column: what SQL stores write.
    pub fn stored_texts(&self) -> StoreResult<(String, Option<String>)> {
        if self.sent.is_none() {
            return Ok((crate::policy::to_text(self)?, None));
        }
        let sent = self.sent_text()?;
        let mut rest = self.clone();
        rest.sent = None;
        rest.sent_truncated = false;
        Ok((crate::policy::to_text(&rest)?, sent))
    }

    /// The entry a group write records on the timeline of one member it
    /// added or removed: same time, request and outcome; action
    /// `membership`; the diff is one change of the member's `groups`.
    pub fn for_member(&self, delta: &MemberDelta, group_display: Option<&str>) -> AuditEntry {
        let group = serde_json::json!({
            "value": self.resource_id,
            "display": group_display,
        });
        let change = if delta.added {
            serde_json::json!({"op": "add", "path": "groups", "new": group})
        } else {
            serde_json::json!({"op": "remove", "path": "groups", "old": group})
        };
        AuditEntry {
            at: self.at,
            connection: self.connection,
            request_id: self.request_id.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            profile: self.profile.clone(),
            status: self.status,
            action: "membership".into(),
            resource_type: Some(delta.kind.name().to_string()),
            resource_id: Some(delta.id.clone()),
            detail: None,
            diff: Value::Array(vec![change]),
            sent: None,
            sent_truncated: false,
            admin: self.admin.clone(),
        }
    }
}

/// One member a group write added or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDelta {
    pub kind: ResourceKind,
    pub id: String,
    pub added: bool,
}

/// The members a group write actually added and removed, net: a member
/// removed and added back in one write (or the reverse) is neither. Each
/// backend collects them while it applies `MemberChange`s (so their
/// number is the size of the change, not of the group), and writes one
/// [`AuditEntry::for_member`] per member in the write's transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberDeltas(std::collections::BTreeMap<String, (ResourceKind, bool)>);

impl MemberDeltas {
    fn note(&mut self, kind: ResourceKind, id: &str, added: bool) {
        match self.0.get(id) {
            Some((_, was)) if *was != added => {
                self.0.remove(id);
            }
            _ => {
                self.0.insert(id.to_string(), (kind, added));
            }
        }
    }

    /// A member the write added.
    pub fn added(&mut self, kind: ResourceKind, id: &str) {
        self.note(kind, id, true);
    }

    /// A member the write removed.
    pub fn removed(&mut self, kind: ResourceKind, id: &str) {
        self.note(kind, id, false);
    }

    /// Whether the membership is unchanged.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The changes, by member id.
    pub fn iter(&self) -> impl Iterator<Item = MemberDelta> + '_ {
        self.0.iter().map(|(id, (kind, added))| MemberDelta {
            kind: *kind,
            id: id.clone(),
            added: *added,
        })
    }

    /// The members' audit entries of a group write's journal (none when
    /// the journal has no audit entry).
    pub fn entries(
        &self,
        journal: &Journal,
        group_doc: &serde_json::Map<String, Value>,
    ) -> Vec<AuditEntry> {
        let Some(group) = &journal.audit else {
            return Vec::new();
        };
        let display = group_doc.get("displayName").and_then(Value::as_str);
        self.iter().map(|d| group.for_member(&d, display)).collect()
    }
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRecord {
    pub seq: i64,
    pub tenant: TenantId,
    pub entry: AuditEntry,
}

/// Which audit entries to read (all conditions must hold), newest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AuditQuery {
    pub resource: Option<(ResourceKind, String)>,
    pub connection: Option<ConnectionId>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// `Some(true)`: succeeded only; `Some(false)`: refused only.
    pub succeeded: Option<bool>,
    /// Entries older than this sequence number (paging backwards).
    pub before_seq: Option<i64>,
    pub limit: u64,
}

/// A change event (RFC 9967 provisioning event) before it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct ChangeEvent {
    /// `create`, `put`, `patch`, `delete`, `activate` or `deactivate`
    /// (the `urn:ietf:params:scim:event:prov:` suffix).
    pub event: String,
    pub resource_type: String,
    pub resource_id: String,
    pub external_id: Option<String>,
    /// Unix milliseconds.
    pub at: i64,
    /// The correlation id of the request that caused it (the SET `txn`).
    pub request_id: String,
    /// The resource's attributes after the change (the "full" form).
    pub data: Option<Value>,
    /// The attributes the change touched (the "notice" form).
    pub attributes: Vec<String>,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    /// Its number among its tenant's events: 1, 2, 3 … in the order their
    /// writes committed, assigned in the write's transaction; a reader
    /// that saw number `n` has seen every number below it (purges aside).
    pub seq: i64,
    pub tenant: TenantId,
    pub event: ChangeEvent,
}

/// What one write records, in the write's own transaction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Journal {
    /// Written whether or not anything changed.
    pub audit: Option<AuditEntry>,
    /// Written only when something changed.
    pub events: Vec<ChangeEvent>,
    /// A deprovisioning for the circuit breaker to count (and refuse with
    /// [`crate::StoreError::Breaker`] when over the allowance), by an
    /// update that changed something, a delete or a trash; `None` for
    /// every other write.
    pub deprovision: Option<crate::policy::Deprovision>,
}

/// How a webhook receives events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WebhookFormat {
    /// A JSON batch signed with HMAC-SHA256 (`X-Scimd-Signature`).
    #[default]
    Signed,
    /// One SET per request, `application/secevent+jwt` (RFC 8935), unsigned
    /// JWS ("alg": "none") with an HMAC header as above.
    Set,
}

/// A webhook endpoint of a tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub id: i64,
    pub tenant: TenantId,
    pub url: String,
    /// The HMAC key as stored: sealed (`scim_service::webhook_keys`), or
    /// in clear when an earlier release stored it; in clear only in the
    /// record `create_webhook` of the service returns, to show it once.
    pub secret: String,
    pub format: WebhookFormat,
    /// Whether SETs carry the resource (`full`) or only attribute names.
    pub full: bool,
    pub created: Timestamp,
    /// The number of the last event of its tenant delivered (or
    /// dead-lettered); delivery resumes after it.
    pub cursor: i64,
    /// Consecutive failures of the event at the head of the queue.
    pub failures: u32,
    pub last_error: Option<String>,
    /// When the next attempt may run (back-off).
    pub next_attempt: Option<Timestamp>,
    /// Events that exhausted their retries.
    pub dead: u64,
    /// Whether deliveries may go to loopback, link-local and private
    /// addresses (set by an operator when the webhook is created).
    pub allow_private: bool,
    /// Since when deliveries are stopped (`None`: enabled). A disabled
    /// webhook's events wait for it, counted as pending, but do not hold
    /// back the event retention.
    pub disabled: Option<Timestamp>,
}

/// A new webhook endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWebhook {
    pub tenant: TenantId,
    pub url: String,
    pub secret: String,
    pub format: WebhookFormat,
    pub full: bool,
    pub created: Timestamp,
    /// See [`Webhook::allow_private`].
    pub allow_private: bool,
}

/// Delivery progress of a webhook, written by the replica holding its lease.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryProgress {
    pub cursor: i64,
    pub failures: u32,
    pub last_error: Option<String>,
    pub next_attempt: Option<Timestamp>,
}

/// An event whose delivery to a webhook exhausted its retries.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    pub webhook: i64,
    /// The event's number among its tenant's events.
    pub event_seq: i64,
    pub error: String,
    pub at: Timestamp,
    /// An admin asked for it to be delivered again.
    pub requeued: bool,
}

/// The audit log, the event outbox and webhook delivery state of a store
/// (every [`crate::Store`] is one).
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Appends an audit entry on its own (a refused request changes nothing).
    async fn append_audit(&self, tenant: TenantId, entry: AuditEntry) -> StoreResult<()>;
    /// Commits a journal that belongs to no resource write (an alert such as
    /// a tripped circuit breaker): its audit entry and its events, in one
    /// transaction.
    async fn append_journal(&self, tenant: TenantId, journal: Journal) -> StoreResult<()>;
    /// A tenant's audit entries matching a query, newest first.
    async fn audit(&self, tenant: TenantId, query: &AuditQuery) -> StoreResult<Vec<AuditRecord>>;
    /// Deletes audit entries older than `before`; returns how many.
    async fn purge_audit(&self, before: Timestamp) -> StoreResult<u64>;
    /// A tenant's events numbered after `after`, oldest first.
    async fn events(
        &self,
        tenant: TenantId,
        after: i64,
        limit: u64,
    ) -> StoreResult<Vec<StoredEvent>>;
    /// The number of the tenant's last event whose store-wide sequence
    /// number is at most `seq` (0 if none): where a feed cursor issued
    /// before events were numbered per tenant (`e<seq>`) resumes.
    async fn event_number_at(&self, tenant: TenantId, seq: i64) -> StoreResult<i64>;
    /// How many events of a tenant come after `after`, counting at most
    /// `cap` (a webhook's pending depth). Backends may answer with one
    /// query; the default pages through [`EventStore::events`].
    async fn count_events(&self, tenant: TenantId, after: i64, cap: u64) -> StoreResult<u64> {
        let mut n = 0u64;
        let mut cursor = after;
        while n < cap {
            let page = self.events(tenant, cursor, (cap - n).min(1000)).await?;
            let Some(last) = page.last() else { break };
            cursor = last.seq;
            n += page.len() as u64;
        }
        Ok(n)
    }
    /// Deletes events older than `before` that every enabled webhook of
    /// their tenant has passed and that no dead letter names (a dead letter keeps
    /// its event until it is redelivered or its webhook deleted); returns
    /// how many.
    async fn purge_events(&self, before: Timestamp) -> StoreResult<u64>;

    /// Adds a webhook; its cursor starts at its tenant's newest event, so
    /// it receives what happens from now on.
    async fn create_webhook(&self, hook: NewWebhook) -> StoreResult<Webhook>;
    /// Replaces a webhook's stored secret if it still is `old` (sealing
    /// it, or sealing it again under a new key); whether it did.
    async fn set_webhook_secret(&self, id: i64, old: &str, new: &str) -> StoreResult<bool>;
    /// Overwrites what replaced or deleted values left behind in the
    /// database files, where the backend can (SQLite: `VACUUM` and a
    /// truncated WAL); after a secret was replaced. PostgreSQL leaves it
    /// to vacuum (docs/events.md).
    async fn scrub_free_space(&self) -> StoreResult<()> {
        Ok(())
    }
    /// A tenant's webhooks (every tenant's with `None`).
    async fn list_webhooks(&self, tenant: Option<TenantId>) -> StoreResult<Vec<Webhook>>;
    /// Deletes a webhook of the tenant and its dead letters.
    async fn delete_webhook(&self, tenant: TenantId, id: i64) -> StoreResult<bool>;
    /// Disables a webhook of the tenant since `at` (`None`: enables it);
    /// `false` if there is none.
    async fn set_webhook_disabled(
        &self,
        tenant: TenantId,
        id: i64,
        at: Option<Timestamp>,
    ) -> StoreResult<bool>;
    /// Takes the delivery lease of a webhook until `until` unless another
    /// owner holds an unexpired one: one replica delivers each webhook.
    async fn claim_webhook(
        &self,
        id: i64,
        owner: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool>;
    /// Saves delivery progress if `owner` still holds the lease.
    async fn save_delivery(
        &self,
        id: i64,
        owner: &str,
        progress: DeliveryProgress,
    ) -> StoreResult<bool>;
    /// Records (or re-records) an event that exhausted its retries.
    async fn dead_letter(&self, letter: DeadLetter) -> StoreResult<()>;
    /// A webhook's dead letters.
    async fn dead_letters(&self, webhook: i64) -> StoreResult<Vec<DeadLetter>>;
    /// Marks a dead letter for redelivery (all of the webhook's with `None`);
    /// returns how many.
    async fn requeue_dead_letters(
        &self,
        tenant: TenantId,
        webhook: i64,
        event_seq: Option<i64>,
    ) -> StoreResult<u64>;
    /// Removes a dead letter once redelivered.
    async fn resolve_dead_letter(&self, webhook: i64, event_seq: i64) -> StoreResult<()>;
}
