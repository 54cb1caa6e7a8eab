//! The delivery worker on the in-memory store with a scripted transport and
//! a manual clock: order and batching, back-off, dead letters and their
//! redelivery, leases between replicas, and gauges read from the store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use async_trait::async_trait;
use scim_core::resource::ResourceId;
use scim_core::timestamp::Timestamp;
use scim_service::ManualClock;
use scim_store::memory::MemoryStore;
use scim_store::{
    ChangeEvent, Journal, NewRecord, NewWebhook, ResourceKind, Store, TenantId, WebhookFormat,
};
use scim_webhooks::{Backoff, Outgoing, Transport, WebhookMetrics, Worker, WorkerConfig};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

const T0: i64 = 1_700_000_000_000;

#[derive(Default)]
struct Script {
    sent: Mutex<Vec<Outgoing>>,
    statuses: Mutex<VecDeque<u16>>,
}

#[async_trait]
impl Transport for Script {
    async fn post(&self, req: Outgoing) -> Result<u16, String> {
        self.sent.lock().unwrap().push(req);
        Ok(self.statuses.lock().unwrap().pop_front().unwrap_or(200))
    }
}

impl Script {
    fn fail(&self, n: usize) {
        self.statuses
            .lock()
            .unwrap()
            .extend(std::iter::repeat_n(500, n));
    }
    /// The `jti`s of every request, in order.
    fn jtis(&self) -> Vec<Vec<String>> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .map(|o| {
                let ids = o.headers.iter().find(|(k, _)| *k == "X-Scimd-Event-Ids");
                ids.unwrap().1.split(',').map(String::from).collect()
            })
            .collect()
    }
}

struct Fixture {
    store: Arc<dyn Store>,
    clock: Arc<ManualClock>,
    script: Arc<Script>,
    tenant: TenantId,
    hook: i64,
}

async fn fixture(format: WebhookFormat) -> Fixture {
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let now = Timestamp::from_unix_millis(T0).unwrap();
    let tenant = store.create_tenant("t", now).await.unwrap().id;
    let hook = store
        .create_webhook(NewWebhook {
            tenant,
            url: "http://127.0.0.1:9/hook".into(),
            secret: "whsec_test".into(),
            format,
            full: false,
            created: now,
            allow_private: false,
        })
        .await
        .unwrap()
        .id;
    Fixture {
        store,
        clock: Arc::new(ManualClock::at(T0)),
        script: Arc::new(Script::default()),
        tenant,
        hook,
    }
}

impl Fixture {
    fn worker(&self, max_attempts: u32) -> Worker {
        self.worker_with(max_attempts, Arc::new(WebhookMetrics::default()))
    }

    fn worker_with(&self, max_attempts: u32, metrics: Arc<WebhookMetrics>) -> Worker {
        let config = WorkerConfig {
            backoff: Backoff {
                base_ms: 1_000,
                cap_ms: 8_000,
            },
            max_attempts,
            batch: 2,
            ..WorkerConfig::default()
        };
        Worker::new(
            self.store.clone(),
            self.clock.clone(),
            self.script.clone(),
            config,
            metrics,
        )
    }

    /// Creates users; each insert commits one `create` event.
    async fn users(&self, names: &[&str]) {
        for name in names {
            let doc: serde_json::Map<String, Value> =
                json!({"userName": name}).as_object().unwrap().clone();
            let record = NewRecord {
                kind: ResourceKind::User,
                id: ResourceId::parse(name).unwrap(),
                created: Timestamp::from_unix_millis(T0).unwrap(),
                provenance: Default::default(),
                keys: scim_store::index::keys(ResourceKind::User, &doc, true),
                doc,
                members: vec![],
                journal: Journal {
                    audit: None,
                    events: vec![ChangeEvent {
                        event: "create".into(),
                        resource_type: "User".into(),
                        resource_id: (*name).into(),
                        at: T0,
                        ..ChangeEvent::default()
                    }],
                    ..Journal::default()
                },
            };
            self.store
                .resources(self.tenant)
                .insert(record)
                .await
                .unwrap();
        }
    }

    async fn hook(&self) -> scim_store::Webhook {
        let hooks = self.store.list_webhooks(Some(self.tenant)).await.unwrap();
        hooks.into_iter().find(|h| h.id == self.hook).unwrap()
    }

    fn jti(&self, seq: i64) -> String {
        format!("scimd-{}-n{seq}", self.tenant.db_key())
    }
}

#[tokio::test]
async fn delivers_in_order_in_batches() {
    let f = fixture(WebhookFormat::Signed).await;
    let w = f.worker(3);
    assert_eq!(w.tick().await.unwrap(), 0, "nothing to deliver");
    f.users(&["a", "b", "c"]).await;
    assert_eq!(w.tick().await.unwrap(), 3);
    let events = f.store.events(f.tenant, 0, 10).await.unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(
        f.script.jtis(),
        vec![vec![f.jti(seqs[0]), f.jti(seqs[1])], vec![f.jti(seqs[2])]]
    );
    let hook = f.hook().await;
    assert_eq!(hook.cursor, seqs[2]);
    assert_eq!(hook.failures, 0);
    assert_eq!(w.tick().await.unwrap(), 0, "already delivered");
}

#[tokio::test]
async fn a_disabled_webhook_is_sent_nothing_until_enabled() {
    let f = fixture(WebhookFormat::Signed).await;
    let w = f.worker(3);
    let at = Timestamp::from_unix_millis(T0).unwrap();
    assert!(f
        .store
        .set_webhook_disabled(f.tenant, f.hook, Some(at))
        .await
        .unwrap());
    f.users(&["a", "b"]).await;
    assert_eq!(w.tick().await.unwrap(), 0);
    assert!(f.script.jtis().is_empty(), "nothing sent while disabled");
    assert!(f
        .store
        .set_webhook_disabled(f.tenant, f.hook, None)
        .await
        .unwrap());
    assert_eq!(w.tick().await.unwrap(), 2, "the waiting events follow");
}

#[tokio::test]
async fn backs_off_then_dead_letters_then_redelivers() {
    let f = fixture(WebhookFormat::Set).await;
    let w = f.worker(3);
    f.users(&["a", "b"]).await;
    let seqs: Vec<i64> = f
        .store
        .events(f.tenant, 0, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    f.script.fail(3);
    // Attempt 1 fails: back-off of at most 1 s.
    assert_eq!(w.tick().await.unwrap(), 0);
    let hook = f.hook().await;
    assert_eq!(hook.failures, 1);
    assert_eq!(hook.last_error.as_deref(), Some("HTTP 500"));
    let wait = hook.next_attempt.unwrap().unix_millis() - T0;
    assert!((0..=1_000).contains(&wait), "{wait}");
    // Attempts 2 and 3 (each after its back-off); the third dead-letters
    // event a, and b is then delivered in the same tick.
    for attempt in 2..=3u32 {
        f.clock.advance(8_001);
        w.tick().await.unwrap();
        if attempt == 2 {
            assert_eq!(f.hook().await.failures, 2);
            let wait = f.hook().await.next_attempt.unwrap().unix_millis() - f.clock_ms();
            assert!((0..=2_000).contains(&wait), "{wait}");
        }
    }
    let hook = f.hook().await;
    assert_eq!(hook.cursor, seqs[1]);
    assert_eq!(hook.dead, 1);
    let letters = f.store.dead_letters(f.hook).await.unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].event_seq, seqs[0]);
    assert_eq!(letters[0].error, "HTTP 500");
    let sent: Vec<Vec<String>> = f.script.jtis();
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[3], vec![f.jti(seqs[1])]);
    // Redelivery: requeued, delivered first on the next tick, resolved.
    let n = f
        .store
        .requeue_dead_letters(f.tenant, f.hook, None)
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(w.tick().await.unwrap(), 1);
    assert!(f.store.dead_letters(f.hook).await.unwrap().is_empty());
    assert_eq!(f.script.jtis().last().unwrap(), &vec![f.jti(seqs[0])]);
}

impl Fixture {
    fn clock_ms(&self) -> i64 {
        use scim_service::Clock;
        self.clock.now().unix_millis()
    }
}

#[tokio::test]
async fn one_replica_holds_the_lease() {
    let f = fixture(WebhookFormat::Signed).await;
    let (w1, w2) = (f.worker(3), f.worker(3));
    assert_ne!(w1.owner(), w2.owner());
    f.users(&["a"]).await;
    assert_eq!(w1.tick().await.unwrap(), 1);
    f.users(&["b"]).await;
    assert_eq!(w2.tick().await.unwrap(), 0, "w1's lease is unexpired");
    assert_eq!(w1.tick().await.unwrap(), 1);
    // Once w1's lease expires (it stopped), w2 takes over.
    f.clock.advance(31_000);
    f.users(&["c"]).await;
    assert_eq!(w2.tick().await.unwrap(), 1);
    assert_eq!(f.script.jtis().concat().len(), 3, "each event once");
}

fn exposition(m: &Arc<WebhookMetrics>) -> String {
    let mut registry = prometheus_client::registry::Registry::default();
    registry.register_collector(Box::new(m.clone()));
    let mut out = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut out, &registry).unwrap();
    out
}

#[tokio::test]
async fn every_replica_reports_the_stored_failures() {
    let f = fixture(WebhookFormat::Signed).await;
    let (m1, m2) = (
        Arc::new(WebhookMetrics::default()),
        Arc::new(WebhookMetrics::default()),
    );
    let (w1, w2) = (f.worker_with(5, m1.clone()), f.worker_with(5, m2.clone()));
    f.users(&["a"]).await;
    f.script.fail(2);
    w1.tick().await.unwrap();
    // w2 holds no lease and attempts nothing, yet reports what w1 stored.
    w2.tick().await.unwrap();
    assert_eq!(f.script.jtis().len(), 1);
    let id = f.hook;
    for (m, attempts) in [(&m1, 1), (&m2, 0)] {
        let out = exposition(m);
        for line in [
            format!("scimd_webhook_consecutive_failures{{webhook=\"{id}\"}} 1\n"),
            format!("scimd_webhook_last_error_info{{webhook=\"{id}\",error=\"HTTP 500\"}} 1\n"),
            format!("scimd_webhook_pending{{webhook=\"{id}\"}} 1\n"),
            format!("scimd_webhook_failures_total{{webhook=\"{id}\"}} {attempts}\n"),
        ] {
            assert!(out.contains(&line), "{line:?} missing from\n{out}");
        }
    }
    f.clock.advance(8_001);
    w1.tick().await.unwrap();
    assert_eq!(f.hook().await.failures, 2);
    f.clock.advance(8_001);
    assert_eq!(w1.tick().await.unwrap(), 1, "recovered");
    w2.tick().await.unwrap();
    for m in [&m1, &m2] {
        let out = exposition(m);
        for line in [
            format!("scimd_webhook_consecutive_failures{{webhook=\"{id}\"}} 0\n"),
            format!("scimd_webhook_last_error_info{{webhook=\"{id}\",error=\"HTTP 500\"}} 1\n"),
            format!("scimd_webhook_pending{{webhook=\"{id}\"}} 0\n"),
        ] {
            assert!(out.contains(&line), "{line:?} missing from\n{out}");
        }
    }
}
