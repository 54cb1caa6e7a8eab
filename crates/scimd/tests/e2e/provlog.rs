//! The provisioning log against the binary, on either backend: a failed
//! connection test (a revoked token's 401, then a lookup that finds
//! nobody and a read of a missing user) appears in `scimd log`; a write
//! links its audit entry; a password sent in a filter, a parameter or a
//! path appears nowhere; the rows are counted on
//! `/metrics`; `--provisioning-log off` records nothing. Redaction and
//! attribution rules are tested at the service boundary
//! (`crates/scim-service/tests/service/provlog.rs`).

use crate::receiver::wait_for;
use crate::server::*;
use serde_json::{json, Value};

const SECRET: &str = "Pl-Secret-93kq";

fn log(s: &Server, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["log", "--tenant", "default", "--json"];
    all.extend_from_slice(args);
    s.cli_ok(&all)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The log once it holds `n` rows (written off the request path).
fn settled(s: &Server, n: usize) -> Vec<Value> {
    let mut rows = Vec::new();
    let ok = wait_for(10, || {
        rows = log(s, &["--limit", "100"]);
        rows.len() >= n
    });
    assert!(ok, "{} rows, not {n}: {rows:?}", rows.len());
    rows
}

#[test]
fn requests_failures_and_writes_are_logged_and_redacted() {
    let s = Server::start();
    let out = s.cli_ok(&["token", "create", "--tenant", "default"]);
    let expired = out.lines().last().unwrap().to_string();
    let id = s
        .cli_ok(&["token", "list", "--tenant", "default", "--json"])
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|t| expired.starts_with(t["prefix"].as_str().unwrap()))
        .unwrap()["id"]
        .to_string();
    s.cli_ok(&["token", "revoke", "--tenant", "default", &id]);
    let r = s.raw(
        "GET",
        "/Users?count=1",
        None,
        &[("Authorization", &format!("Bearer {expired}"))],
    );
    assert_eq!(r.status, 401);
    let r = s.get("/Users?filter=userName%20eq%20%22nobody%40example.com%22");
    assert_eq!(r.body["totalResults"], 0);
    let r = s.get("/Users/no-such-user");
    assert_eq!(r.status, 404);
    let r = s.raw(
        "POST",
        "/Users",
        Some(
            json!({"schemas": [USER], "userName": "pl@example.com", "password": SECRET})
                .to_string(),
        ),
        &[
            ("Authorization", &format!("Bearer {}", s.token)),
            ("Content-Type", "application/scim+json"),
            ("X-Request-Id", "corr-pl-1"),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.text);
    s.get(&format!("/Users?filter=password%20eq%20%22{SECRET}%22"));
    s.get(&format!("/Users?password={SECRET}"));
    s.get(&format!("/Users/x/password/{SECRET}"));

    let rows = settled(&s, 7);
    let text = serde_json::to_string(&rows).unwrap();
    assert!(!text.contains(SECRET), "a password reached the log: {text}");
    assert!(!text.contains(&expired), "a token reached the log");
    // Oldest first.
    let refused = &rows[0];
    assert_eq!(refused["status"], 401);
    assert_eq!(refused["connection"], "default");
    assert_eq!(refused["tokenPrefix"], &expired[..10]);
    assert_eq!(refused["client"], "127.0.0.1");
    assert_eq!(refused["query"], "count=1");
    assert_eq!(refused["detail"], "the bearer token has been revoked");
    assert_eq!(
        rows[1]["query"],
        "filter=userName eq \"nobody@example.com\""
    );
    assert_eq!(rows[1]["status"], 200);
    assert_eq!(
        (rows[2]["path"].as_str(), rows[2]["status"].as_u64()),
        (Some("/Users/no-such-user"), Some(404))
    );
    assert_eq!(rows[2]["scimType"], Value::Null);
    let write = &rows[3];
    assert_eq!(write["requestId"], "corr-pl-1");
    assert_eq!(write["status"], 201);
    assert_eq!(rows[4]["query"], "filter=password eq \"[redacted]\"");
    assert_eq!(rows[5]["query"], "[redacted]=[redacted]");
    assert_eq!(rows[6]["path"], "/Users/x/[redacted]/[redacted]");
    for r in &rows {
        assert!(r["ms"].as_f64().unwrap() >= 0.0);
        assert!(!r["requestId"].as_str().unwrap().is_empty());
    }

    // The write's link names the window its audit entry is in.
    let link = write["audit"].as_str().unwrap();
    let entries = s.cli_ok(&["audit", "--tenant", "default", "--json"]);
    let entry: Value = entries
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|e| e["requestId"] == "corr-pl-1")
        .unwrap();
    let query = link.split_once('?').unwrap().1;
    let get = |k: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
            .unwrap()
            .replace("%3A", ":")
    };
    assert_eq!(get("connection"), "default");
    let at = |t: &str| {
        scim_core::timestamp::Timestamp::parse(t)
            .unwrap()
            .unix_millis()
    };
    let entry_at = entry["at"].as_i64().unwrap();
    assert!(
        at(&get("since")) <= entry_at && entry_at < at(&get("until")),
        "{link} {entry}"
    );

    // Filters of the command line.
    // The 401, the missing user, the filter on a never-returned attribute
    // (400 invalidFilter) and the unknown endpoint.
    let errors = log(&s, &["--status", "4xx"]);
    assert_eq!(errors.len(), 4, "{errors:?}");
    let one = log(&s, &["--request-id", "corr-pl-1"]);
    assert_eq!(one.len(), 1);
    let (ok, _, err) = s.cli(&["log", "--tenant", "default", "--status", "9xx"]);
    assert!(!ok && err.contains("2xx"), "{err}");
    let table = s.cli_ok(&["log", "--tenant", "default", "--connection", "default"]);
    assert!(
        table.lines().count() >= 8 && table.contains("corr-pl-1"),
        "{table}"
    );

    let m = s.metrics();
    assert!(
        m.lines()
            .any(|l| l.starts_with("scimd_provisioning_log_rows_total{outcome=\"written\"}")),
        "{m}"
    );
    assert!(
        m.contains("scimd_provisioning_log_rows_total{outcome=\"dropped\"} 0"),
        "{m}"
    );
}

#[test]
fn the_log_can_be_turned_off() {
    let s = Server::start_with(&["--provisioning-log", "off"]);
    assert_eq!(s.get("/Users").status, 200);
    // Nothing is queued: neither written nor dropped.
    let m = s.metrics();
    assert!(
        m.contains("scimd_provisioning_log_rows_total{outcome=\"written\"} 0"),
        "{m}"
    );
    assert!(
        m.contains("scimd_provisioning_log_rows_total{outcome=\"dropped\"} 0"),
        "{m}"
    );
    assert!(log(&s, &[]).is_empty());
}
