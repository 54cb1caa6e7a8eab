//! Storage suite cases for the provisioning log: batches appended and
//! read back newest first, every filter, per-connection counts, pruning
//! by age and by count per tenant (rows without a tenant bounded too),
//! a tenant's deletion taking its rows, and batches of any size.

use super::t;
use crate::model::*;
use crate::provlog::*;
use crate::Store;
use std::sync::Arc;

fn row(
    tenant: Option<TenantId>,
    connection: Option<ConnectionId>,
    at: u32,
    status: u16,
) -> LogEntry {
    LogEntry {
        at: t(at),
        tenant,
        connection,
        client: None,
        token_prefix: None,
        method: "GET".into(),
        path: "/Users".into(),
        query: String::new(),
        resource: Some("Users".into()),
        resource_id: None,
        status,
        micros: 1500,
        scim_type: None,
        detail: None,
        request_id: format!("r{at}"),
        audited: false,
    }
}

fn ids(rows: &[LogRecord]) -> Vec<String> {
    rows.iter().map(|r| r.entry.request_id.clone()).collect()
}

pub async fn provisioning_log_filters_and_bounds(store: Arc<dyn Store>) {
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let b = store.create_tenant("b", t(0)).await.unwrap();
    let ca = store
        .create_connection(a.id, "ca", Profile::Auto, t(0))
        .await
        .unwrap();
    let cb = store
        .create_connection(a.id, "cb", Profile::Auto, t(0))
        .await
        .unwrap();
    let mut written = row(Some(a.id), Some(ca.id), 3, 201);
    written.method = "POST".into();
    written.audited = true;
    written.detail = Some("it's <b>".into());
    let mut failed = row(Some(a.id), Some(cb.id), 4, 404);
    failed.resource_id = Some("u-1".into());
    failed.scim_type = Some("noTarget".into());
    let mut refused = row(None, None, 5, 401);
    refused.client = Some("127.0.0.1".into());
    refused.token_prefix = Some("scimd_abcd".into());
    store
        .append_log(&[
            row(Some(a.id), Some(ca.id), 1, 200),
            row(Some(b.id), None, 2, 200),
            written.clone(),
            failed.clone(),
            refused.clone(),
        ])
        .await
        .unwrap();
    store.append_log(&[]).await.unwrap();
    let q = |f: fn(&mut LogQuery)| {
        let mut q = LogQuery {
            limit: 100,
            ..LogQuery::default()
        };
        f(&mut q);
        q
    };
    let all = store.provisioning_log(a.id, &q(|_| {})).await.unwrap();
    assert_eq!(ids(&all), ["r4", "r3", "r1"], "a's rows, newest first");
    assert!(all[0].seq > all[1].seq && all[1].seq > all[2].seq);
    assert_eq!(all[0].entry, failed, "a row reads back as written");
    assert_eq!(all[1].entry, written);
    let got = |q: LogQuery| {
        let store = store.clone();
        async move { ids(&store.provisioning_log(a.id, &q).await.unwrap()) }
    };
    let mut by_conn = q(|_| {});
    by_conn.connection = Some(ca.id);
    assert_eq!(got(by_conn).await, ["r3", "r1"]);
    assert_eq!(got(q(|q| q.status_class = Some(4))).await, ["r4"]);
    assert_eq!(got(q(|q| q.status_class = Some(2))).await, ["r3", "r1"]);
    assert_eq!(got(q(|q| q.method = Some("POST".into()))).await, ["r3"]);
    assert_eq!(
        got(q(|q| q.resource = Some("Groups".into()))).await,
        Vec::<String>::new()
    );
    assert_eq!(got(q(|q| q.resource_id = Some("u-1".into()))).await, ["r4"]);
    assert_eq!(got(q(|q| q.request_id = Some("r1".into()))).await, ["r1"]);
    assert_eq!(got(q(|q| q.since = Some(t(3)))).await, ["r4", "r3"]);
    assert_eq!(got(q(|q| q.until = Some(t(3)))).await, ["r1"]);
    assert_eq!(got(q(|q| q.limit = 1)).await, ["r4"]);
    let tail = all[1].seq;
    let mut after = q(|_| {});
    after.after_seq = Some(tail);
    assert_eq!(
        got(after).await,
        ["r4"],
        "the live tail reads what is newer"
    );
    let mut before = q(|_| {});
    before.before_seq = Some(tail);
    assert_eq!(got(before).await, ["r1"], "paging backwards");
    assert_eq!(
        ids(&store.provisioning_log(b.id, &q(|_| {})).await.unwrap()),
        ["r2"],
        "tenants are apart; a row without a tenant is in none"
    );
    assert_eq!(
        store.log_counts(a.id, cb.id, t(0)).await.unwrap(),
        LogCounts {
            requests: 1,
            errors: 1
        }
    );
    assert_eq!(
        store.log_counts(a.id, ca.id, t(2)).await.unwrap(),
        LogCounts {
            requests: 1,
            errors: 0
        }
    );

    // Bounds: by age, then by count per tenant (the rows without a tenant
    // counted as one more).
    let many: Vec<LogEntry> = (10..20)
        .map(|i| row(Some(a.id), Some(ca.id), i, 200))
        .chain((10..14).map(|i| row(None, None, i, 401)))
        .collect();
    store.append_log(&many).await.unwrap();
    let gone = store.prune_log(3, t(3)).await.unwrap();
    // age: r1, r2 (b's only row); count: a keeps r17..r19, the tenantless keep 3 of 5.
    assert_eq!(gone, 2 + (12 - 3) + 2);
    assert_eq!(
        got(q(|_| {})).await,
        ["r19", "r18", "r17"],
        "the newest rows of each tenant are kept"
    );
    assert!(store
        .provisioning_log(b.id, &q(|_| {}))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store.prune_log(3, t(3)).await.unwrap(),
        0,
        "pruning again removes nothing"
    );

    // A tenant's deletion takes its log.
    store
        .append_log(&[row(Some(b.id), None, 30, 200)])
        .await
        .unwrap();
    store
        .delete_tenant(
            b.id,
            true,
            Box::new(|_| crate::events::AuditEntry::default()),
        )
        .await
        .unwrap();
    let c = store.create_tenant("c", t(40)).await.unwrap();
    assert!(store
        .provisioning_log(c.id, &q(|_| {}))
        .await
        .unwrap()
        .is_empty());
}

/// Batches of every size are written whole and in order (the SQL stores
/// split them into statements of fixed row counts).
pub async fn provisioning_log_batches_of_any_size(store: Arc<dyn Store>) {
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let mut expected = Vec::new();
    let mut at = 0;
    for size in [0, 1, 7, 8, 9, 63, 64, 65, 73, 137] {
        let batch: Vec<LogEntry> = (0..size)
            .map(|_| {
                at += 1;
                row(Some(a.id), None, at, 200)
            })
            .collect();
        expected.extend(batch.iter().map(|e| e.request_id.clone()));
        store.append_log(&batch).await.unwrap();
    }
    let q = LogQuery {
        limit: 1000,
        ..LogQuery::default()
    };
    let mut got = ids(&store.provisioning_log(a.id, &q).await.unwrap());
    got.reverse();
    assert_eq!(got.len(), 427);
    assert_eq!(got, expected, "every row once, in the order appended");
}
