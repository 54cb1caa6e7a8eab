//! Operations: health, readiness, metrics, request ids and rate limiting.

use crate::server::*;

#[test]
fn health_ready_metrics_and_request_ids() {
    let s = Server::start();
    let root = s.base.trim_end_matches("/scim/v2").to_string();
    assert_eq!(
        s.raw("GET", &format!("{root}/healthz"), None, &[]).status,
        200
    );
    assert_eq!(
        s.raw("GET", &format!("{root}/readyz"), None, &[]).status,
        200
    );
    let r = s.get("/Users");
    let id = r.header("x-request-id").unwrap().to_string();
    assert!(!id.is_empty());
    assert_ne!(
        s.get("/Users").header("x-request-id").unwrap(),
        id,
        "each request gets its own id"
    );
    let auth = format!("Bearer {}", s.token);
    let mine = s.raw(
        "GET",
        "/Users",
        None,
        &[("Authorization", &auth), ("X-Request-Id", "corr-42")],
    );
    assert_eq!(mine.header("x-request-id"), Some("corr-42"));
    let bad = s.raw(
        "GET",
        "/Users",
        None,
        &[
            ("Authorization", &auth),
            ("X-Request-Id", "no spaces allowed"),
        ],
    );
    assert_ne!(bad.header("x-request-id"), Some("no spaces allowed"));
    let m = s.raw("GET", &format!("{root}/metrics"), None, &[]);
    assert_eq!(m.status, 200);
    assert!(m.text.contains("scimd_http_requests_total{route=\"/scim/v2/{resource}\",method=\"GET\",status=\"200\"}"), "{}", m.text);
    assert!(m
        .text
        .contains("scimd_http_request_duration_seconds_bucket"));
    assert!(!m.text.contains(&s.token));
    // The PostgreSQL connection pool (SQLite has none to report).
    let gauge = |name: &str| {
        m.text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .map(|v| v.parse::<u64>().unwrap())
    };
    if on_postgres() {
        assert_eq!(gauge("scimd_db_pool_max_connections"), Some(16));
        let open = gauge("scimd_db_pool_connections").unwrap();
        assert!((1..=16).contains(&open), "{open}");
        assert!(gauge("scimd_db_pool_available").unwrap() <= open);
        assert!(gauge("scimd_db_pool_waiting").is_some());
    } else {
        assert_eq!(gauge("scimd_db_pool_connections"), None);
    }
}

fn other_tenant_token(s: &Server) -> String {
    assert!(s.cli(&["tenant", "create", "quiet"]).0);
    let (_, out, _) = s.cli(&["token", "create", "--tenant", "quiet"]);
    out.lines().last().unwrap().to_string()
}

#[test]
fn a_flooding_tenant_gets_429_and_does_not_starve_others() {
    let s = Server::start_with(&["--rate-limit-tenant", "5", "--rate-limit-token", "0"]);
    let quiet = other_tenant_token(&s);
    let mut limited = None;
    for _ in 0..40 {
        let r = s.get("/Users");
        if r.status == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status, 200);
    }
    let r = limited.expect("the flood was never limited");
    assert_error(&r, 429, None);
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    // The other tenant is served normally while the first is throttled.
    for _ in 0..5 {
        let ok = s.raw(
            "GET",
            "/Users",
            None,
            &[("Authorization", &format!("Bearer {quiet}"))],
        );
        assert_eq!(ok.status, 200, "{}", ok.text);
    }
    let root = s.base.trim_end_matches("/scim/v2").to_string();
    let m = s.raw("GET", &format!("{root}/metrics"), None, &[]);
    assert!(!m.text.contains("scimd_rate_limited_total 0"), "{}", m.text);
}

#[test]
fn per_token_limits() {
    let s = Server::start_with(&["--rate-limit-token", "3"]);
    let statuses: Vec<u16> = (0..20)
        .map(|_| s.get("/ServiceProviderConfig").status)
        .collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    // A second token of the same tenant has its own bucket.
    let (_, out, _) = s.cli(&["token", "create", "--tenant", "default"]);
    let t2 = out.lines().last().unwrap().to_string();
    assert_eq!(
        s.raw(
            "GET",
            "/ServiceProviderConfig",
            None,
            &[("Authorization", &format!("Bearer {t2}"))]
        )
        .status,
        200
    );
}
