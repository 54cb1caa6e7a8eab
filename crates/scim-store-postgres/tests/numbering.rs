//! Events are numbered after their commit on PostgreSQL
//! (`scim_store_sql::sequencer`): a write commits while another
//! transaction holding events stays open (writers take no lock for their
//! events), a reader sees the committed events numbered 1, 2 … without a
//! gap, and the late commit's event gets the next number, so a reader
//! that passed the others still receives it. Also: a webhook whose cursor
//! a replica of an earlier release saved (a `seq`, no `position`) reads
//! as the right number, and a backlog longer than a numbering chunk is
//! numbered a chunk per read, every event once.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::timestamp::Timestamp;
use scim_store::suite::created_user;
use scim_store::{EventStore, NewWebhook, Store, TenantId, WebhookFormat};
use scim_store_postgres::testing::{admin_or_skip, TestDb};
use scim_store_postgres::tls::parse_url;
use scim_store_postgres::Postgres;
use std::time::Duration;

fn admin() -> Option<String> {
    admin_or_skip()
}

async fn numbers(store: &dyn Store, tenant: TenantId, after: i64) -> Vec<(i64, String)> {
    let events = store.events(tenant, after, 100).await.unwrap();
    events
        .into_iter()
        .map(|e| (e.seq, e.event.resource_id))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_commit_gets_the_next_number() {
    let Some(admin) = admin() else { return };
    let db = TestDb::create(&admin).await.unwrap();
    let store = Postgres::open(&db.url).await.unwrap();
    let t0 = Timestamp::from_unix_millis(0).unwrap();
    let tenant = store.create_tenant("t", t0).await.unwrap().id;
    let users = store.resources(tenant);
    users.insert(created_user("u1", 1)).await.unwrap();
    assert_eq!(numbers(&store, tenant, 0).await, [(1, "u1".to_string())]);

    // Another transaction inserts an event (a copy of u1's) and stays open.
    let opts = parse_url(&db.url).unwrap();
    let (mut raw, conn) = opts.config.connect(opts.tls).await.unwrap();
    let conn = tokio::spawn(conn);
    let open = raw.transaction().await.unwrap();
    let copy = "INSERT INTO events (tenant_id, at, event)
        SELECT tenant_id, at, replace(event, '\"u1\"', '\"late\"') FROM events WHERE tenant_id = $1";
    open.execute(copy, &[&tenant.db_key()]).await.unwrap();

    // A write commits meanwhile, without waiting for it.
    let write = users.insert(created_user("u2", 2));
    tokio::time::timeout(Duration::from_secs(30), write)
        .await
        .expect("a write waited for another transaction's events")
        .unwrap();
    assert_eq!(numbers(&store, tenant, 1).await, [(2, "u2".to_string())]);

    // The late commit's event comes after what a reader already passed.
    open.commit().await.unwrap();
    assert_eq!(numbers(&store, tenant, 2).await, [(3, "late".to_string())]);
    users.insert(created_user("u3", 3)).await.unwrap();
    let all: Vec<i64> = numbers(&store, tenant, 0)
        .await
        .iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(all, [1, 2, 3, 4]);

    // A webhook saved by a replica of an earlier release: `cursor` holds
    // the `seq` of event 2, `position` nothing.
    let hook = store
        .create_webhook(NewWebhook {
            tenant,
            url: "http://127.0.0.1:1/hook".into(),
            secret: "s".into(),
            format: WebhookFormat::Signed,
            full: true,
            created: t0,
            allow_private: false,
        })
        .await
        .unwrap();
    assert_eq!(hook.cursor, 4, "a new webhook starts at the newest event");
    let old = "UPDATE webhooks SET position = NULL,
        cursor = (SELECT seq FROM events WHERE tenant_id = $1 AND tenant_seq = 2)";
    raw.execute(old, &[&tenant.db_key()]).await.unwrap();
    let listed = store.list_webhooks(Some(tenant)).await.unwrap();
    assert_eq!(listed[0].cursor, 2);
    drop(raw);
    let _ = conn.await;
    drop(store);
    drop(db);
}

/// A backlog longer than one numbering chunk: each read numbers one chunk
/// (its cost does not grow with the backlog), and a reader following the
/// cursor still gets every event once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_is_numbered_a_chunk_per_read() {
    let Some(admin) = admin() else { return };
    let db = TestDb::create(&admin).await.unwrap();
    let store = Postgres::open(&db.url).await.unwrap();
    let t0 = Timestamp::from_unix_millis(0).unwrap();
    let tenant = store.create_tenant("t", t0).await.unwrap().id;
    store
        .resources(tenant)
        .insert(created_user("u1", 1))
        .await
        .unwrap();
    let backlog = 2 * scim_store_sql::sequencer::CHUNK + 17;
    let opts = parse_url(&db.url).unwrap();
    let (raw, conn) = opts.config.connect(opts.tls).await.unwrap();
    let conn = tokio::spawn(conn);
    let copy = "INSERT INTO events (tenant_id, at, event)
        SELECT e.tenant_id, e.at, e.event FROM events e, generate_series(1, $2::bigint)
        WHERE e.tenant_id = $1";
    raw.execute(copy, &[&tenant.db_key(), &backlog])
        .await
        .unwrap();
    let mut seen = Vec::new();
    for _ in 0..100 {
        let after = seen.last().copied().unwrap_or(0);
        let page = store.events(tenant, after, 1000).await.unwrap();
        if page.is_empty() {
            break;
        }
        seen.extend(page.iter().map(|e| e.seq));
    }
    let expected: Vec<i64> = (1..=backlog + 1).collect();
    assert_eq!(seen, expected, "every event once, in order");
    drop(raw);
    let _ = conn.await;
    drop(store);
    drop(db);
}
