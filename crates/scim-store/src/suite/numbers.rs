//! Storage suite case for event numbers: each tenant's events are
//! numbered 1, 2, 3 … whatever other tenants do, so what a tenant sees
//! (SET ids, feed and webhook cursors) reveals nothing of their activity;
//! and a reader following a tenant's numbers while writers of both
//! tenants commit in parallel sees every number once, in order.

use super::events::journal;
use super::{t, user};
use crate::events::NewWebhook;
use crate::model::TenantId;
use crate::{Store, WebhookFormat};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn write(store: &Arc<dyn Store>, tenant: TenantId, rid: String) {
    let mut u = user(&rid, json!({"userName": rid}));
    u.journal = journal("create", 201, &rid, 1, 1);
    store.resources(tenant).insert(u).await.unwrap();
}

async fn numbers(store: &Arc<dyn Store>, tenant: TenantId) -> Vec<i64> {
    let all = store.events(tenant, 0, 1000).await.unwrap();
    all.iter().map(|e| e.seq).collect()
}

pub async fn event_numbers_are_per_tenant(store: Arc<dyn Store>) {
    let a = store.create_tenant("a", t(0)).await.unwrap().id;
    let b = store.create_tenant("b", t(0)).await.unwrap().id;
    for i in 0..3 {
        write(&store, a, format!("a{i}")).await;
        write(&store, b, format!("b{i}x")).await;
        write(&store, b, format!("b{i}y")).await;
    }
    assert_eq!(numbers(&store, a).await, [1, 2, 3]);
    assert_eq!(numbers(&store, b).await, [1, 2, 3, 4, 5, 6]);
    let hook = store
        .create_webhook(NewWebhook {
            tenant: a,
            url: "http://127.0.0.1:1/hook".into(),
            secret: "s".into(),
            format: WebhookFormat::Signed,
            full: true,
            created: t(1),
            allow_private: false,
        })
        .await
        .unwrap();
    assert_eq!(hook.cursor, 3, "a's newest event");
    for i in 0..5 {
        write(&store, b, format!("b{i}z")).await;
    }
    let listed = &store.list_webhooks(Some(a)).await.unwrap()[0];
    assert_eq!(listed.cursor, 3, "b's writes do not move a's cursor");
    assert_eq!(store.count_events(a, 3, 100).await.unwrap(), 0);
    write(&store, a, "a3".into()).await;
    assert_eq!(numbers(&store, a).await, [1, 2, 3, 4]);
    // Feed cursors of earlier releases named store-wide positions.
    assert_eq!(store.event_number_at(a, i64::MAX).await.unwrap(), 4);
    assert_eq!(store.event_number_at(a, 0).await.unwrap(), 0);

    // Writers of both tenants in parallel; a reader follows a's numbers.
    const WRITERS: usize = 4;
    const EACH: usize = 15;
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        for (tenant, name) in [(a, "a"), (b, "b")] {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..EACH {
                    write(&store, tenant, format!("{name}-{w}-{i}")).await;
                }
            }));
        }
    }
    let end = 4 + (WRITERS * EACH) as i64;
    let mut cursor = 4;
    let deadline = Instant::now() + Duration::from_secs(60);
    while cursor < end && Instant::now() < deadline {
        for e in store.events(a, cursor, 7).await.unwrap() {
            assert_eq!(e.seq, cursor + 1, "a number skipped or repeated");
            cursor = e.seq;
        }
        tokio::task::yield_now().await;
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(cursor, end, "the reader saw every event");
    assert_eq!(store.count_events(a, end, 1000).await.unwrap(), 0);
    assert_eq!(numbers(&store, b).await.len(), 11 + WRITERS * EACH);
}
