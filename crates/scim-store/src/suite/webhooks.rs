//! Webhooks in the storage suite: leases, delivery progress, dead letters
//! and their redelivery, and dead letters outliving event retention.

use super::events::{journal, seqs};
use super::{t, user};
use crate::events::*;
use crate::Store;
use serde_json::json;
use std::sync::Arc;

pub async fn webhooks_leases_and_dead_letters(store: Arc<dyn Store>) {
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let b = store.create_tenant("b", t(0)).await.unwrap();
    let r = store.resources(a.id);
    let mut u = user("u1", json!({"userName": "a"}));
    u.journal = journal("create", 201, "u1", 1, 1);
    r.insert(u).await.unwrap();
    let hook = store
        .create_webhook(NewWebhook {
            tenant: a.id,
            url: "http://127.0.0.1:1/hook".into(),
            secret: "s3cret".into(),
            format: WebhookFormat::Signed,
            full: true,
            created: t(2),
            allow_private: true,
        })
        .await
        .unwrap();
    let latest = store
        .events(a.id, 0, 100)
        .await
        .unwrap()
        .last()
        .unwrap()
        .seq;
    assert_eq!(
        hook.cursor, latest,
        "a new webhook starts at the newest event"
    );
    assert!(hook.allow_private, "the operator's allowance is kept");
    assert_eq!(
        store.list_webhooks(Some(a.id)).await.unwrap(),
        vec![hook.clone()]
    );
    assert!(store.list_webhooks(Some(b.id)).await.unwrap().is_empty());
    assert_eq!(store.list_webhooks(None).await.unwrap().len(), 1);

    // One replica at a time holds the lease.
    assert!(store
        .claim_webhook(hook.id, "r1", t(10), t(3))
        .await
        .unwrap());
    assert!(!store
        .claim_webhook(hook.id, "r2", t(10), t(4))
        .await
        .unwrap());
    assert!(
        store
            .claim_webhook(hook.id, "r1", t(12), t(5))
            .await
            .unwrap(),
        "renewal"
    );
    let progress = DeliveryProgress {
        cursor: latest,
        failures: 2,
        last_error: Some("HTTP 500".into()),
        next_attempt: Some(t(20)),
    };
    assert!(!store
        .save_delivery(hook.id, "r2", progress.clone())
        .await
        .unwrap());
    assert!(store.save_delivery(hook.id, "r1", progress).await.unwrap());
    // The lease expires; another replica takes over, the first may not write.
    assert!(store
        .claim_webhook(hook.id, "r2", t(30), t(13))
        .await
        .unwrap());
    let stale = DeliveryProgress {
        cursor: 0,
        failures: 0,
        last_error: None,
        next_attempt: None,
    };
    assert!(!store.save_delivery(hook.id, "r1", stale).await.unwrap());
    let w = &store.list_webhooks(Some(a.id)).await.unwrap()[0];
    assert_eq!(
        (
            w.cursor,
            w.failures,
            w.last_error.as_deref(),
            w.next_attempt
        ),
        (latest, 2, Some("HTTP 500"), Some(t(20)))
    );

    // Two events that exhausted their retries (numbers 2 and 3), read as
    // a delivery reads them.
    for rid in ["u3", "u4"] {
        let mut u = user(rid, json!({"userName": rid}));
        u.journal = journal("create", 201, rid, 30, 1);
        r.insert(u).await.unwrap();
    }
    let read = store.events(a.id, latest, 100).await.unwrap();
    assert_eq!(read.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3]);
    for seq in [2, 3] {
        store
            .dead_letter(DeadLetter {
                webhook: hook.id,
                event_seq: seq,
                error: "HTTP 500".into(),
                at: t(14),
                requeued: false,
            })
            .await
            .unwrap();
    }
    assert_eq!(store.list_webhooks(Some(a.id)).await.unwrap()[0].dead, 2);
    assert_eq!(
        store
            .requeue_dead_letters(b.id, hook.id, None)
            .await
            .unwrap(),
        0,
        "not another tenant's"
    );
    assert_eq!(
        store
            .requeue_dead_letters(a.id, hook.id, Some(3))
            .await
            .unwrap(),
        1
    );
    let dead = store.dead_letters(hook.id).await.unwrap();
    assert_eq!(
        dead.iter()
            .map(|d| (d.event_seq, d.requeued))
            .collect::<Vec<_>>(),
        [(2, false), (3, true)]
    );
    store.resolve_dead_letter(hook.id, 3).await.unwrap();
    assert_eq!(store.dead_letters(hook.id).await.unwrap().len(), 1);
    assert!(
        store
            .dead_letter(DeadLetter {
                webhook: hook.id,
                event_seq: 99,
                error: "x".into(),
                at: t(14),
                requeued: false,
            })
            .await
            .is_err(),
        "no such event"
    );

    // Events are purged only once every webhook of their tenant passed them.
    let mut u = user("u2", json!({"userName": "b"}));
    u.journal = journal("create", 201, "u2", 40, 1);
    r.insert(u).await.unwrap();
    // Another tenant's event, newer than the purge's cut-off.
    let mut o = user("o1", json!({"userName": "o"}));
    o.journal = journal("create", 201, "o1", 200, 1);
    store.resources(b.id).insert(o).await.unwrap();
    // Pending depth: events of the tenant after a cursor, capped.
    assert_eq!(store.count_events(a.id, 0, 100).await.unwrap(), 4);
    assert_eq!(store.count_events(a.id, 0, 1).await.unwrap(), 1);
    assert_eq!(store.count_events(a.id, latest, 100).await.unwrap(), 3);
    assert_eq!(store.count_events(b.id, 0, 100).await.unwrap(), 1);
    assert_eq!(
        store.purge_events(t(100)).await.unwrap(),
        1,
        "only the one behind the cursor"
    );
    assert_eq!(
        seqs(&store, a.id).await,
        ["create:u3", "create:u4", "create:u2"]
    );
    assert_eq!(
        store.list_webhooks(Some(a.id)).await.unwrap()[0].cursor,
        latest,
        "the cursor outlives the events before it"
    );

    assert!(!store.delete_webhook(b.id, hook.id).await.unwrap());
    assert!(store.delete_webhook(a.id, hook.id).await.unwrap());
    assert!(store.list_webhooks(None).await.unwrap().is_empty());
    assert!(store.dead_letters(hook.id).await.unwrap().is_empty());
    assert_eq!(store.purge_events(t(100)).await.unwrap(), 3);
}

pub async fn dead_letters_survive_event_retention(store: Arc<dyn Store>) {
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let r = store.resources(a.id);
    let hook = store
        .create_webhook(NewWebhook {
            tenant: a.id,
            url: "http://127.0.0.1:1/hook".into(),
            secret: "s3cret".into(),
            format: WebhookFormat::Signed,
            full: true,
            created: t(0),
            allow_private: false,
        })
        .await
        .unwrap();
    for (n, rid) in ["u1", "u2", "u3", "u4"].into_iter().enumerate() {
        let mut u = user(rid, json!({"userName": rid}));
        let at = u32::try_from(n).unwrap() + 1;
        u.journal = journal("create", 201, rid, at, 1);
        r.insert(u).await.unwrap();
    }
    let events = store.events(a.id, 0, 100).await.unwrap();
    let seq: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seq.len(), 4);
    // u2 and u3 exhausted their retries; u3 was queued for redelivery; the
    // cursor moved past all four.
    assert!(store
        .claim_webhook(hook.id, "r1", t(60), t(5))
        .await
        .unwrap());
    for (s, requeued) in [(seq[1], false), (seq[2], true)] {
        store
            .dead_letter(DeadLetter {
                webhook: hook.id,
                event_seq: s,
                error: "HTTP 500".into(),
                at: t(5),
                requeued,
            })
            .await
            .unwrap();
    }
    let done = DeliveryProgress {
        cursor: seq[3],
        failures: 0,
        last_error: None,
        next_attempt: None,
    };
    assert!(store.save_delivery(hook.id, "r1", done).await.unwrap());

    assert_eq!(
        store.purge_events(t(100)).await.unwrap(),
        2,
        "a dead letter keeps its event"
    );
    assert_eq!(seqs(&store, a.id).await, ["create:u2", "create:u3"]);
    let kept = store.events(a.id, seq[1] - 1, 1).await.unwrap();
    assert_eq!(kept[0].seq, seq[1], "redelivery finds the event");

    // Once redelivered (resolved), the event may go.
    store.resolve_dead_letter(hook.id, seq[2]).await.unwrap();
    assert_eq!(store.purge_events(t(100)).await.unwrap(), 1);
    assert_eq!(seqs(&store, a.id).await, ["create:u2"]);
    // Deleting the webhook deletes its dead letters, and then the event.
    assert!(store.delete_webhook(a.id, hook.id).await.unwrap());
    assert_eq!(store.purge_events(t(100)).await.unwrap(), 1);
    assert!(seqs(&store, a.id).await.is_empty());
}
