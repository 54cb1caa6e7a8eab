//! The audit log where a process matters: the `X-Request-Id` a client
//! sends is the entry's correlation id, `scimd audit` queries it, refusals
//! made before the service (bodies, media types, rate limits) are audited
//! by the HTTP layer, and a console change made over the admin API names
//! its admin and request. What each write records (diffs, sent bodies,
//! membership timelines) and the change feed are tested at the service
//! boundary (`crates/scim-service/tests/service/audit.rs`).

use crate::server::*;
use serde_json::{json, Value};

fn audit(s: &Server, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["audit", "--tenant", "default", "--json"];
    all.extend_from_slice(args);
    s.cli_ok(&all)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_write_and_refusal_is_audited() {
    let s = Server::start();
    let r = s.raw(
        "POST",
        "/Users",
        Some(json!({"schemas": [USER], "userName": "ann@example.com", "password": "hunter2", "title": "Dev"}).to_string()),
        &[
            ("Authorization", &format!("Bearer {}", s.token)),
            ("Content-Type", "application/scim+json"),
            ("X-Request-Id", "corr-create-1"),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("x-request-id"), Some("corr-create-1"));
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/Users/{id}");
    s.patch(&path, json!([{"op": "replace", "path": "title", "value": "Lead"}, {"op": "replace", "path": "active", "value": false}]));
    assert_error(
        &s.post(
            "/Users",
            &json!({"schemas": [USER], "userName": "ANN@example.com"}),
        ),
        409,
        Some("uniqueness"),
    );
    s.delete(&path);

    let entries = audit(&s, &[]);
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["delete", "refused", "patch", "create"],
        "newest first"
    );
    let create = &entries[3];
    assert_eq!(create["requestId"], "corr-create-1");
    assert_eq!(
        (create["method"].as_str(), create["path"].as_str()),
        (Some("POST"), Some("/Users"))
    );
    assert_eq!(create["status"], 201);
    assert_eq!(create["resourceId"], id.as_str());
    assert!(create["connection"].is_i64());
    assert!(
        !create.to_string().contains("hunter2"),
        "no secret reaches the log: {create}"
    );
    let patch = &entries[2];
    assert_eq!(
        patch["diff"],
        json!([
            {"op": "replace", "path": "title", "old": "Dev", "new": "Lead"},
            {"op": "replace", "path": "active", "old": true, "new": false}
        ])
    );
    let refused = &entries[1];
    assert_eq!(refused["status"], 409);
    assert!(
        refused["detail"].as_str().unwrap().contains("userName"),
        "{refused}"
    );

    // Queries by resource, outcome and time.
    assert_eq!(audit(&s, &["--user", &id]).len(), 3);
    assert_eq!(audit(&s, &["--refused"]).len(), 1);
    assert_eq!(audit(&s, &["--succeeded", "--limit", "2"]).len(), 2);
    assert_eq!(audit(&s, &["--since", "2999-01-01T00:00:00Z"]).len(), 0);
    assert_eq!(audit(&s, &["--connection", "default"]).len(), 4);
    let table = s.cli_ok(&["audit", "--tenant", "default"]);
    assert!(table.lines().nth(1).unwrap().contains("delete"), "{table}");
}

/// The newest entry with this correlation id.
fn entry_of(s: &Server, request_id: &str) -> Option<Value> {
    audit(s, &["--limit", "1000"])
        .into_iter()
        .find(|e| e["requestId"] == request_id)
}

/// A request as the default connection, with a raw body and content type.
fn send(s: &Server, method: &str, path: &str, body: &str, ctype: &str, rid: &str) -> Resp {
    s.raw(
        method,
        path,
        Some(body.to_string()),
        &[
            ("Authorization", &format!("Bearer {}", s.token)),
            ("Content-Type", ctype),
            ("X-Request-Id", rid),
        ],
    )
}

#[test]
fn refusals_before_the_service_are_audited() {
    let s = Server::start();
    let id = s.create_user("kim");
    // (method, path, body, content type, request id, status, resource id)
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        u16,
        Option<&'a str>,
    );
    let cases: &[Case] = &[
        (
            "POST",
            "/Users",
            "{\"userName\": ",
            "application/scim+json",
            "bad-json",
            400,
            None,
        ),
        (
            "PUT",
            &format!("/Users/{id}"),
            "{}",
            "text/plain",
            "bad-type",
            415,
            Some(&id),
        ),
        (
            "PATCH",
            &format!("/Users/{id}"),
            "[1,",
            "application/json",
            "bad-patch",
            400,
            Some(&id),
        ),
        (
            "POST",
            "/Bulk",
            "{\"Operations\": [",
            "application/scim+json",
            "bad-bulk",
            400,
            None,
        ),
    ];
    for (method, path, body, ctype, rid, status, rid_res) in cases {
        let r = send(&s, method, path, body, ctype, rid);
        assert_eq!(r.status, *status, "{method} {path}: {}", r.text);
        assert_eq!(r.header("x-request-id"), Some(*rid));
        let e = entry_of(&s, rid).unwrap_or_else(|| panic!("{rid} was not audited"));
        assert_eq!(
            (
                e["action"].as_str(),
                e["status"].as_u64(),
                e["method"].as_str(),
                e["path"].as_str()
            ),
            (
                Some("refused"),
                Some(u64::from(*status)),
                Some(*method),
                Some(*path)
            ),
            "{e}"
        );
        assert_eq!(e["resourceId"].as_str(), *rid_res, "{e}");
        assert!(e["connection"].is_i64() && e["detail"].is_string(), "{e}");
        assert!(
            e.get("sent").is_none(),
            "an unreadable body is not kept: {e}"
        );
    }
    // A search is a read: its refusal is not a refused change.
    let r = send(
        &s,
        "POST",
        "/Users/.search",
        "{",
        "application/scim+json",
        "bad-search",
    );
    assert_eq!(r.status, 400);
    assert!(entry_of(&s, "bad-search").is_none());
    // A whole Bulk request refused by the service, with what it sent.
    let bulk = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": "none", "password": "p"});
    let r = send(
        &s,
        "POST",
        "/Bulk",
        &bulk.to_string(),
        "application/scim+json",
        "bulk-refused",
    );
    assert_eq!(r.status, 400, "{}", r.text);
    let e = entry_of(&s, "bulk-refused").unwrap();
    assert_eq!(
        (e["action"].as_str(), e["path"].as_str()),
        (Some("refused"), Some("/Bulk"))
    );
    assert_eq!(e["sent"]["Operations"], "none");
    assert_eq!(e["sent"]["password"], "[redacted]");
    // No caller, no tenant: a bad token is not audited anywhere.
    let before = audit(&s, &["--limit", "1000"]).len();
    let r = s.raw(
        "POST",
        "/Users",
        Some("{".into()),
        &[("Authorization", "Bearer scimd_nope")],
    );
    assert_eq!(r.status, 401);
    assert_eq!(audit(&s, &["--limit", "1000"]).len(), before);
}

#[test]
fn rate_limited_writes_are_audited() {
    let s = Server::start_with(&["--rate-limit-token", "3"]);
    let mut limited = None;
    for i in 0..40 {
        let body = json!({"schemas": [USER], "userName": format!("u{i}")}).to_string();
        let r = send(
            &s,
            "POST",
            "/Users",
            &body,
            "application/scim+json",
            &format!("rl-{i}"),
        );
        if r.status == 429 {
            limited = Some(i);
            break;
        }
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let i = limited.expect("the writes were never limited");
    let e = entry_of(&s, &format!("rl-{i}")).expect("the 429 was not audited");
    assert_eq!(
        (
            e["action"].as_str(),
            e["status"].as_u64(),
            e["path"].as_str()
        ),
        (Some("refused"), Some(429), Some("/Users")),
        "{e}"
    );
    // A limited read is not a refused change.
    let mut read_limited = false;
    for _ in 0..40 {
        let r = s.raw(
            "GET",
            "/Users",
            None,
            &[
                ("Authorization", &format!("Bearer {}", s.token)),
                ("X-Request-Id", "rl-read"),
            ],
        );
        if r.status == 429 {
            read_limited = true;
            break;
        }
    }
    assert!(read_limited);
    assert!(entry_of(&s, "rl-read").is_none());
}

fn create_admin(s: &Server, username: &str, password: &str) {
    let (ok, out) = s.admin_create(&[username, "--role", "super"], password);
    assert!(ok, "{out}");
}

#[test]
fn console_changes_name_the_admin() {
    let s = Server::start();
    let id = s.create_user("pat");
    s.cli_ok(&["user", "unmanage", "--tenant", "default", &id]);
    create_admin(&s, "root", "an admin password");
    let root = s.base.trim_end_matches("/scim/v2").to_string();
    let r = s.raw(
        "POST",
        &format!("{root}/admin/api/login"),
        Some(json!({"username": "root", "password": "an admin password"}).to_string()),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = r.body["csrfToken"].as_str().unwrap().to_string();
    let r = s.raw(
        "PUT",
        &format!("{root}/admin/api/tenants/default/users/{id}/active"),
        Some(json!({"active": false}).to_string()),
        &[
            ("Content-Type", "application/json"),
            ("Cookie", &cookie),
            ("X-CSRF-Token", &csrf),
            ("X-Request-Id", "console-disable-1"),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let e = entry_of(&s, "console-disable-1")
        .expect("the console change is audited with its request id");
    assert_eq!(
        (
            e["action"].as_str(),
            e["admin"].as_str(),
            e["resourceId"].as_str()
        ),
        (Some("disable-local"), Some("root"), Some(id.as_str())),
        "{e}"
    );
    // The command line's unmanage names no admin.
    let cli = audit(&s, &["--user", &id])
        .into_iter()
        .find(|e| e["action"] == "unmanage")
        .unwrap();
    assert!(cli.get("admin").is_none(), "{cli}");
    // The admin API's timeline shows who it was.
    let r = s.raw(
        "GET",
        &format!("{root}/admin/api/tenants/default/users/{id}/timeline"),
        None,
        &[("Cookie", &cookie)],
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["entries"][0]["admin"], "root", "{}", r.text);
    assert_eq!(r.body["entries"][0]["requestId"], "console-disable-1");
}
