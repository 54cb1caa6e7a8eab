//! The provisioning log's page and its live-tail rows rendered with
//! hostile values in every field a client controls (path, query, error
//! detail, request id, client address text, token prefix, connection
//! name, filter values): each comes out escaped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::hostile_tests::{admin, at, check, h};
use super::provlog::{LogPage, RowFragment, RowView};
use super::*;
use scim_service::provlog_read::LogRow;
use scim_store::*;

fn row(n: u32) -> LogRow {
    LogRow {
        record: LogRecord {
            seq: 7,
            entry: LogEntry {
                at: at(),
                tenant: Some(TenantId::from_db(1)),
                connection: Some(ConnectionId::from_db(3)),
                client: Some(h(n + 1)),
                token_prefix: Some(h(n + 2)),
                method: h(n + 3),
                path: h(n + 4),
                query: h(n + 5),
                resource: Some(h(n + 6)),
                resource_id: Some(h(n + 7)),
                status: 404,
                micros: 1500,
                scim_type: Some(h(n + 8)),
                detail: Some(h(n + 9)),
                request_id: h(n + 10),
                audited: true,
            },
        },
        connection: Some(h(n)),
    }
}

#[tokio::test]
async fn the_log_escapes_what_clients_send() {
    let who = admin().await;
    let tenant = h(60);
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "connections",
    };
    let fragment = RowFragment {
        row: RowView::of(&tenant, &row(40)),
    };
    check(
        "log row",
        &fragment.render().unwrap(),
        &[41, 42, 43, 44, 45, 48, 49, 50, 60],
    );
    let page = LogPage {
        layout: Layout::new(format!("Provisioning log {}", h(40)), &nav),
        name: h(40),
        connection_href: format!("/admin/t/{}/connections/{}", url(&tenant), url(&h(40))),
        base: format!("/admin/t/{}/connections/{}/log", url(&tenant), url(&h(40))),
        status: Select::of("status", "Status", &["any", "4xx"], &h(61)),
        method: Select::of("method", "Method", &["any", "GET"], "any"),
        resource: Select::of("resource", "Resource", &["any"], "any"),
        user: h(62),
        request_id: h(63),
        since: h(64),
        until: h(65),
        rows: vec![RowView::of(&tenant, &row(40))],
        filtered: true,
        jsonl_href: format!("/x?user={}", url(&h(62))),
        csv_href: format!("/x?user={}", url(&h(62))),
        stream_href: Some(format!("/x?requestId={}", url(&h(63)))),
        older: Some(format!("/x?before=1&since={}", url(&h(64)))),
    };
    check(
        "log",
        &page.render().unwrap(),
        &[40, 41, 42, 43, 44, 45, 48, 49, 50, 60, 62, 63, 64, 65],
    );
}
