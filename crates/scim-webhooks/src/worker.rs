//! The delivery worker (`docs/events.md`, "Delivery guarantees"): one loop
//! per `serve` process. Each tick, for every webhook:
//!
//! 1. skip it while it is disabled or its back-off runs;
//! 2. take its lease (`claim_webhook`), so one replica delivers it, and
//!    re-read its state (the previous holder may have saved progress after
//!    the list was read); renew the lease before every request;
//! 3. deliver requeued dead letters first, resolving each on success;
//! 4. deliver the events after its cursor in order, saving progress after
//!    each success (a batch in the `signed` format, one SET per request in
//!    the `set` format and while retrying, so a failing event is isolated);
//! 5. on failure, back off (exponential, full jitter); after
//!    `max_attempts` failures dead-letter the head event and move past it.
//!
//! After the pass, every webhook's gauges are refreshed from the database.
//!
//! Secrets are stored sealed (`scim_service::webhook_keys`); the worker
//! opens each webhook's before its deliveries. One that no configured key
//! opens holds its webhook's delivery (nothing is dead-lettered for a
//! missing key): the error shows as its last error, retried after the
//! longest back-off.
//!
//! Everything is in the store, so delivery resumes after a restart, from
//! the last saved cursor: an event may be delivered twice, never lost.

use crate::backoff::{random_u64, Backoff};
use crate::metrics::WebhookMetrics;
use crate::request::{build, delivered};
use crate::transport::Transport;
use scim_core::timestamp::Timestamp;
use scim_service::admin_webhooks::PENDING_CAP;
use scim_service::set::security_event;
use scim_service::Clock;
use scim_store::{DeadLetter, DeliveryProgress, StoreResult, StoredEvent, Webhook};
use std::sync::Arc;
use std::time::Duration;

/// Worker settings.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerConfig {
    /// Time between ticks.
    pub poll: Duration,
    /// How long a claimed webhook stays with this replica without renewal.
    pub lease: Duration,
    pub backoff: Backoff,
    /// Attempts of one event before it is dead-lettered.
    pub max_attempts: u32,
    /// Events per request in the `signed` format.
    pub batch: u64,
    /// Requests per webhook per tick (bounded work per tick).
    pub requests_per_tick: usize,
    /// The SETs' `iss`: the SCIM base URL.
    pub issuer: String,
    /// The keys that open the webhooks' secrets.
    pub keys: scim_service::webhook_keys::Keyring,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(30),
            backoff: Backoff::default(),
            max_attempts: 8,
            batch: 50,
            requests_per_tick: 20,
            issuer: "scimd".into(),
            keys: scim_service::webhook_keys::Keyring::empty(),
        }
    }
}

/// Delivers every webhook's events.
pub struct Worker {
    pub(crate) store: Arc<dyn scim_store::Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) config: WorkerConfig,
    /// This replica's lease owner name.
    pub(crate) owner: String,
    pub(crate) metrics: Arc<WebhookMetrics>,
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn after(t: Timestamp, ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(t.unix_millis().saturating_add(ms)).unwrap_or(t)
}

fn describe(outcome: &Result<u16, String>) -> String {
    match outcome {
        Ok(status) => format!("HTTP {status}"),
        Err(e) => e.clone(),
    }
}

impl Worker {
    pub fn new(
        store: Arc<dyn scim_store::Store>,
        clock: Arc<dyn Clock>,
        transport: Arc<dyn Transport>,
        config: WorkerConfig,
        metrics: Arc<WebhookMetrics>,
    ) -> Worker {
        let owner = format!("replica-{:016x}", random_u64());
        Worker {
            store,
            clock,
            transport,
            config,
            owner,
            metrics,
        }
    }

    /// This replica's lease owner name.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Runs ticks forever, `poll` apart.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(self.config.poll);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = self.tick().await {
                    tracing::warn!(error = %e, "webhook delivery tick failed");
                }
            }
        })
    }

    /// One pass over every webhook; returns how many events were delivered.
    pub async fn tick(&self) -> StoreResult<u64> {
        let hooks = self.store.list_webhooks(None).await?;
        let mut sent = 0;
        for hook in &hooks {
            match self.run_hook(hook).await {
                Ok(n) => sent += n,
                Err(e) => tracing::warn!(webhook = hook.id, error = %e, "webhook delivery failed"),
            }
        }
        self.refresh_metrics().await?;
        Ok(sent)
    }

    /// Sets every webhook's gauges from the database: pending depth, dead
    /// letters, consecutive failures and last error.
    async fn refresh_metrics(&self) -> StoreResult<()> {
        let hooks = self.store.list_webhooks(None).await?;
        let ids: Vec<i64> = hooks.iter().map(|h| h.id).collect();
        self.metrics.retain(&ids);
        for hook in hooks {
            let pending = self
                .store
                .count_events(hook.tenant, hook.cursor, PENDING_CAP)
                .await?;
            self.metrics.status(&hook, pending);
        }
        Ok(())
    }

    async fn claim(&self, hook: &Webhook) -> StoreResult<bool> {
        let now = self.clock.now();
        self.store
            .claim_webhook(
                hook.id,
                &self.owner,
                after(now, millis(self.config.lease)),
                now,
            )
            .await
    }

    /// Delivers what one webhook has waiting; returns the events delivered.
    async fn run_hook(&self, hook: &Webhook) -> StoreResult<u64> {
        // A disabled webhook is sent nothing; its events wait for it.
        if hook.disabled.is_some() || hook.next_attempt.is_some_and(|t| t > self.clock.now()) {
            return Ok(0);
        }
        if !self.claim(hook).await? {
            return Ok(0);
        }
        // The list was read before the claim: the previous holder may have
        // saved progress since. Once claimed, nobody else can save, so this
        // read is the state to continue from (no event delivered twice).
        let Some(fresh) = self
            .store
            .list_webhooks(Some(hook.tenant))
            .await?
            .into_iter()
            .find(|h| h.id == hook.id)
        else {
            return Ok(0);
        };
        let hook = &fresh;
        if hook.disabled.is_some() || hook.next_attempt.is_some_and(|t| t > self.clock.now()) {
            return Ok(0);
        }
        let secret = match self.config.keys.open(hook.tenant.db_key(), &hook.secret) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(webhook = hook.id, error = %e, "cannot open the webhook's secret; its delivery waits for the key");
                let wait = i64::try_from(self.config.backoff.cap_ms).unwrap_or(i64::MAX);
                let held = DeliveryProgress {
                    cursor: hook.cursor,
                    failures: hook.failures,
                    last_error: Some(e),
                    next_attempt: Some(after(self.clock.now(), wait)),
                };
                self.save(hook, &held).await?;
                return Ok(0);
            }
        };
        let signing = Webhook {
            secret,
            ..hook.clone()
        };
        let hook = &signing;
        let mut sent = self.redeliver(hook).await?;
        let mut progress = DeliveryProgress {
            cursor: hook.cursor,
            failures: hook.failures,
            last_error: hook.last_error.clone(),
            next_attempt: None,
        };
        for _ in 0..self.config.requests_per_tick {
            let batch = match hook.format {
                scim_store::WebhookFormat::Signed if progress.failures == 0 => self.config.batch,
                _ => 1,
            };
            let events = self
                .store
                .events(hook.tenant, progress.cursor, batch.max(1))
                .await?;
            let (Some(head), Some(last)) = (events.first(), events.last()) else {
                break;
            };
            if !self.claim(hook).await? {
                break;
            }
            let outcome = self.send(hook, &events).await;
            if outcome.as_ref().is_ok_and(|s| delivered(*s)) {
                progress.cursor = last.seq;
                progress.failures = 0;
                progress.next_attempt = None;
                let n = events.len() as u64;
                self.metrics.delivered(hook.id, n);
                sent += n;
                if !self.save(hook, &progress).await? {
                    break;
                }
                continue;
            }
            let error = describe(&outcome);
            self.metrics.failed(hook.id);
            progress.failures += 1;
            progress.last_error = Some(error.clone());
            tracing::info!(webhook = hook.id, event = head.seq, attempt = progress.failures, %error, "webhook delivery failed");
            if progress.failures >= self.config.max_attempts.max(1) {
                self.store
                    .dead_letter(DeadLetter {
                        webhook: hook.id,
                        event_seq: head.seq,
                        error,
                        at: self.clock.now(),
                        requeued: false,
                    })
                    .await?;
                tracing::warn!(webhook = hook.id, event = head.seq, "event dead-lettered");
                progress.cursor = head.seq;
                progress.failures = 0;
                progress.next_attempt = None;
                if !self.save(hook, &progress).await? {
                    break;
                }
                continue;
            }
            let wait = self
                .config
                .backoff
                .delay_ms(progress.failures, random_u64());
            progress.next_attempt = Some(after(
                self.clock.now(),
                i64::try_from(wait).unwrap_or(i64::MAX),
            ));
            self.save(hook, &progress).await?;
            break;
        }
        Ok(sent)
    }

    async fn save(&self, hook: &Webhook, progress: &DeliveryProgress) -> StoreResult<bool> {
        let saved = self
            .store
            .save_delivery(hook.id, &self.owner, progress.clone())
            .await?;
        if !saved {
            tracing::info!(
                webhook = hook.id,
                "lost the webhook's lease; another replica delivers it"
            );
        }
        Ok(saved)
    }

    /// Sends events as the webhook's format wants them (`hook` carrying
    /// its secret in clear).
    async fn send(&self, hook: &Webhook, events: &[StoredEvent]) -> Result<u16, String> {
        let sets: Vec<serde_json::Value> = events
            .iter()
            .map(|e| security_event(e, &self.config.issuer, &hook.url, hook.full))
            .collect();
        let now_secs = self.clock.now().unix_millis() / 1000;
        self.transport.post(build(hook, &sets, now_secs)).await
    }

    /// Delivers requeued dead letters, oldest first; stops at the first
    /// failure, which leaves the letter dead (not requeued) with its error.
    async fn redeliver(&self, hook: &Webhook) -> StoreResult<u64> {
        let letters = self.store.dead_letters(hook.id).await?;
        let mut sent = 0;
        for letter in letters
            .into_iter()
            .filter(|l| l.requeued)
            .take(self.config.requests_per_tick)
        {
            let event = self
                .store
                .events(hook.tenant, letter.event_seq - 1, 1)
                .await?
                .into_iter()
                .find(|e| e.seq == letter.event_seq);
            let Some(event) = event else {
                self.store
                    .dead_letter(DeadLetter {
                        error: "the event is no longer stored".into(),
                        at: self.clock.now(),
                        requeued: false,
                        ..letter
                    })
                    .await?;
                continue;
            };
            if !self.claim(hook).await? {
                break;
            }
            let outcome = self.send(hook, std::slice::from_ref(&event)).await;
            if outcome.as_ref().is_ok_and(|s| delivered(*s)) {
                self.store.resolve_dead_letter(hook.id, event.seq).await?;
                self.metrics.delivered(hook.id, 1);
                sent += 1;
                continue;
            }
            self.metrics.failed(hook.id);
            self.store
                .dead_letter(DeadLetter {
                    error: describe(&outcome),
                    at: self.clock.now(),
                    requeued: false,
                    ..letter
                })
                .await?;
            break;
        }
        Ok(sent)
    }
}
