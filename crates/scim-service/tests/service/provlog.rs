//! The provisioning log at the service boundary: what the HTTP layer
//! reports (`Service::log_request`) reaches the tenant's log through the
//! writer, attributed to the caller (a revoked token's 401 to its
//! connection, with the token's display prefix and the client), redacted
//! (a password in a filter, a parameter or a path), linked to the audit
//! log for writes; a full queue drops rows and counts them; the log can
//! be off.

use super::harness::*;
use scim_core::ScimError;
use scim_service::provlog::{LogCaller, LogSettings, RequestReport};
use scim_service::provlog_read::{LogFilter, LogRow};
use scim_service::{Service, ServiceConfig};
use std::time::Duration;

const SECRET: &str = "Hunter2-Secret";

/// Authenticates `authorization` as the HTTP layer does and reports the
/// request with its outcome.
async fn report(
    svc: &Service,
    authorization: &str,
    method: &str,
    path: &str,
    query: Option<&str>,
    status: u16,
    error: Option<ScimError>,
) {
    let caller = LogCaller::default();
    match svc
        .authenticate_caller(Some(authorization), "192.0.2.7".parse().ok())
        .await
    {
        Ok(who) => caller.set(&who),
        Err(r) => caller.refused(&r),
    }
    svc.log_request(RequestReport {
        caller: Some(&caller),
        client: "192.0.2.7".parse().ok(),
        authorization: Some(authorization),
        method,
        path,
        query,
        status,
        elapsed: Duration::from_millis(3),
        error: error.as_ref(),
        request_id: &format!("req-{status}-{}", path.len()),
    });
}

/// The tenant's rows once `n` are written (the writer runs on its own
/// task and gathers rows for `provlog::GATHER` before it writes them;
/// bounded in time, without sleeping).
async fn rows(h: &Harness, n: usize) -> Vec<LogRow> {
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < until {
        let rows = h
            .tenant("default")
            .await
            .provisioning_log(&LogFilter::default())
            .await
            .unwrap();
        if rows.len() >= n {
            return rows;
        }
        tokio::task::yield_now().await;
    }
    panic!("the writer did not write {n} rows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_reach_the_log_attributed_and_redacted() {
    let h = Harness::new().await;
    tokio::spawn(h.svc.log_writer().unwrap());
    assert!(h.svc.log_writer().is_none(), "one writer per process");
    let good = format!("Bearer {}", h.idp.token);
    let old = h.token("default", "default").await;
    let t = h.tenant("default").await;
    let id = t
        .tokens()
        .await
        .unwrap()
        .into_iter()
        .find(|k| old.token.starts_with(&k.prefix))
        .unwrap()
        .id;
    t.revoke_token(id).await.unwrap();
    let revoked = format!("Bearer {}", old.token);

    // A failed connection test: a revoked token, then a lookup.
    let e401 = ScimError::Unauthorized("the bearer token has been revoked".into());
    report(
        &h.svc,
        &revoked,
        "GET",
        "/Users",
        Some("count=1"),
        401,
        Some(e401),
    )
    .await;
    let filter =
        format!("filter=userName%20eq%20%22a%40b%22%20or%20password%20eq%20%22{SECRET}%22");
    report(&h.svc, &good, "GET", "/Users", Some(&filter), 200, None).await;
    let e404 = ScimError::NotFound("no User u-404".into());
    report(&h.svc, &good, "GET", "/Users/u-404", None, 404, Some(e404)).await;
    let param = format!("password={SECRET}");
    report(&h.svc, &good, "POST", "/Users", Some(&param), 201, None).await;
    let path = format!("/Users/u-1/password/{SECRET}");
    report(&h.svc, &good, "PATCH", &path, None, 404, None).await;
    // An unknown token belongs to no tenant.
    report(
        &h.svc,
        "Bearer scimd_nope",
        "GET",
        "/Users",
        None,
        401,
        None,
    )
    .await;

    let rows = rows(&h, 5).await;
    let shown: Vec<(String, String, String, u16)> = rows
        .iter()
        .map(|r| {
            let e = &r.record.entry;
            (e.method.clone(), e.path.clone(), e.query.clone(), e.status)
        })
        .collect();
    let s = |m: &str, p: &str, q: &str, st: u16| (m.to_string(), p.to_string(), q.to_string(), st);
    assert_eq!(
        shown,
        [
            s("PATCH", "/Users/u-1/[redacted]/[redacted]", "", 404),
            s("POST", "/Users", "[redacted]=[redacted]", 201),
            s("GET", "/Users/u-404", "", 404),
            s(
                "GET",
                "/Users",
                "filter=userName eq \"a@b\" or password eq \"[redacted]\"",
                200
            ),
            s("GET", "/Users", "count=1", 401),
        ]
    );
    let text = format!("{rows:?}");
    assert!(!text.contains(SECRET), "a password reached the log: {text}");
    assert!(!text.contains(&old.token), "a token reached the log");

    let refused = &rows[4].record.entry;
    assert_eq!(rows[4].connection.as_deref(), Some("default"));
    assert_eq!(refused.token_prefix.as_deref(), Some(&old.token[..10]));
    assert_eq!(refused.client.as_deref(), Some("192.0.2.7"));
    assert!(!refused.audited);
    let lookup = &rows[2].record.entry;
    assert_eq!(lookup.scim_type, None);
    assert_eq!(lookup.detail.as_deref(), Some("no User u-404"));
    assert_eq!(lookup.resource_id.as_deref(), Some("u-404"));
    assert_eq!(lookup.request_id, "req-404-12");
    assert!(
        rows[1].record.entry.audited,
        "a write links its audit entries"
    );
    assert_eq!(lookup.micros, 3000);
    assert_eq!(lookup.at.unix_millis(), START_MS - 3, "when it arrived");

    // Filters, as the console and the command line give them.
    let only = |f: LogFilter| {
        let h = &h;
        async move {
            let t = h.tenant("default").await;
            let rows = t.provisioning_log(&f).await.unwrap();
            rows.iter()
                .map(|r| r.record.entry.status)
                .collect::<Vec<_>>()
        }
    };
    let f = |status: &str| LogFilter {
        status: Some(status.into()),
        ..LogFilter::default()
    };
    assert_eq!(only(f("4xx")).await, [404, 404, 401]);
    assert_eq!(only(f("2XX")).await, [201, 200]);
    let by_user = LogFilter {
        user: Some("u-404".into()),
        ..LogFilter::default()
    };
    assert_eq!(only(by_user).await, [404]);
    let t = h.tenant("default").await;
    let bad = t.provisioning_log(&f("6xx")).await.unwrap_err();
    assert_eq!(bad.status(), 400);
    let nobody = LogFilter {
        connection: Some("nobody".into()),
        ..LogFilter::default()
    };
    assert_eq!(t.provisioning_log(&nobody).await.unwrap_err().status(), 404);

    // The connection's health counts them.
    let views = t.connection_views().await.unwrap();
    let health = &views[0].health;
    assert_eq!((health.hour.requests, health.hour.errors), (5, 3));
    assert_eq!(health.day.requests, 5);
    assert_eq!(h.svc.status().log_dropped(), 0);
}

#[tokio::test]
async fn a_full_queue_drops_rows_and_counts_them() {
    let config = ServiceConfig {
        provisioning_log: LogSettings {
            queue: 2,
            ..LogSettings::default()
        },
        ..ServiceConfig::default()
    };
    let h = Harness::with(config).await;
    let good = format!("Bearer {}", h.idp.token);
    for _ in 0..5 {
        report(&h.svc, &good, "GET", "/Users", None, 200, None).await;
    }
    assert_eq!(h.svc.status().log_dropped(), 3, "no writer yet: two wait");
    tokio::spawn(h.svc.log_writer().unwrap());
    assert_eq!(rows(&h, 2).await.len(), 2);
    assert_eq!(h.svc.status().log_written(), 2);
}

#[tokio::test]
async fn the_log_can_be_off() {
    let config = ServiceConfig {
        provisioning_log: LogSettings {
            enabled: false,
            ..LogSettings::default()
        },
        ..ServiceConfig::default()
    };
    let h = Harness::with(config).await;
    assert!(h.svc.log_writer().is_none());
    let good = format!("Bearer {}", h.idp.token);
    report(&h.svc, &good, "GET", "/Users", None, 200, None).await;
    assert_eq!(h.svc.status().log_dropped(), 0);
    let t = h.tenant("default").await;
    assert!(t
        .provisioning_log(&LogFilter::default())
        .await
        .unwrap()
        .is_empty());
}
