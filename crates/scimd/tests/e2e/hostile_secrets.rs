//! Hostile tenants (issue 16): secrets and numbers. A password sent in
//! every form is kept nowhere; webhook secrets are not stored in clear;
//! event numbers tell a tenant nothing of another's activity.

use crate::receiver::{verify, wait_for, Receiver};
use crate::server::*;
use crate::webhooks::{create_hook, FAST};
use serde_json::json;

/// How many copies of `needle` the server's database holds: bytes of the
/// SQLite file and its WAL, or rows of every PostgreSQL table.
fn copies_at_rest(s: &Server, needle: &str) -> usize {
    if on_postgres() {
        let n = scim_store_postgres::testing::rows_containing_blocking(&s.db_url(), needle);
        return usize::try_from(n.unwrap()).unwrap();
    }
    ["scimd.db", "scimd.db-wal"]
        .iter()
        .filter_map(|f| std::fs::read(s.dir.path().join(f)).ok())
        .map(|b| {
            b.windows(needle.len())
                .filter(|w| *w == needle.as_bytes())
                .count()
        })
        .sum()
}

/// Issue 16 (1): a password sent in every form a client can is kept
/// nowhere: not in the audit log (CLI and admin API), not in the change
/// feed, not in the database (the SQLite file and its WAL; every row of
/// every PostgreSQL table).
#[test]
fn passwords_are_kept_nowhere() {
    let s = Server::start();
    let pw = |n: u32| format!("Pw{n}-hostile-secret");
    let r = s.post(
        "/Users",
        &json!({"schemas": [USER], "userName": "pw-user", "password": pw(1)}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/Users/{id}");
    let put = json!({"schemas": [USER], "userName": "pw-user", "password": pw(2)});
    assert_eq!(s.put(&path, &put).status, 200);
    let urn_pw = format!("{USER}:password");
    for ops in [
        json!([{"op": "replace", "path": "password", "value": pw(3)}]),
        json!([{"op": "Replace", "path": "PASSWORD", "value": pw(4)}]),
        json!([{"op": "add", "path": urn_pw, "value": pw(5)}]),
        json!([{"op": "replace", "value": {"password": pw(6)}}]),
        json!([{"op": "Replace", "value": {format!("{USER}:Password"): pw(7)}}]),
    ] {
        let r = s.patch(&path, ops);
        assert!(r.status == 200 || r.status == 204, "{}", r.text);
    }
    let bulk = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "b1", "data": {"schemas": [USER], "userName": "pw-bulk", "password": pw(8)}},
        {"method": "PUT", "path": path, "data": {"schemas": [USER], "userName": "pw-user", "password": pw(9)}},
        {"method": "PATCH", "path": path, "data": {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "password", "value": pw(10)}]}},
    ]});
    assert_eq!(s.post("/Bulk", &bulk).status, 200);
    // Refused writes: a taken name, a bad operation, a missing name, a
    // Bulk request refused as a whole, a body of another media type.
    let taken = json!({"schemas": [USER], "userName": "PW-USER", "password": pw(11)});
    assert_eq!(s.post("/Users", &taken).status, 409);
    let bad = json!([{"op": "replace", "path": "password", "value": pw(12)}, {"op": "jump"}]);
    assert_eq!(s.patch(&path, bad).status, 400);
    let nameless = json!({"schemas": [USER], "password": pw(13)});
    assert_eq!(s.post("/Users", &nameless).status, 400);
    let refused = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": "none", "password": pw(14)});
    assert_eq!(s.post("/Bulk", &refused).status, 400);
    let r = s.raw(
        "POST",
        "/Users",
        Some(json!({"userName": "x", "password": pw(15)}).to_string()),
        &[
            ("Authorization", &format!("Bearer {}", s.token)),
            ("Content-Type", "text/plain"),
        ],
    );
    assert_eq!(r.status, 415);
    let all: Vec<String> = (1..=15).map(pw).collect();
    let nowhere = |what: &str, text: &str| {
        for p in &all {
            assert!(!text.contains(p.as_str()), "{p} in {what}");
        }
    };
    let audit = s.cli_ok(&["audit", "--tenant", "default", "--json", "--limit", "1000"]);
    assert!(audit.matches("[redacted]").count() >= 14, "{audit}");
    nowhere("the audit log", &audit);
    nowhere("the change feed", &s.get("/Events?count=1000").text);
    let (ok, out) = s.admin_create(&["root", "--role", "super"], "an admin password");
    assert!(ok, "{out}");
    let root = s.base.trim_end_matches("/scim/v2").to_string();
    let login = json!({"username": "root", "password": "an admin password"}).to_string();
    let r = s.raw(
        "POST",
        &format!("{root}/admin/api/login"),
        Some(login),
        &[("Content-Type", "application/json")],
    );
    let cookie = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let api = s.raw(
        "GET",
        &format!("{root}/admin/api/tenants/default/audit?limit=1000"),
        None,
        &[("Cookie", &cookie)],
    );
    assert_eq!(api.status, 200, "{}", api.text);
    assert!(api.text.contains("[redacted]"));
    nowhere("the admin API", &api.text);
    for p in &all {
        assert_eq!(copies_at_rest(&s, p), 0, "{p} in the database");
    }
}

/// Issue 16 (13): what a tenant sees of the event stream (SET `jti`s, the
/// feed's cursor) depends on its own events only: another tenant's writes
/// in between leave no gap.
#[test]
fn event_numbers_reveal_no_other_tenant() {
    let s = Server::start();
    s.cli_ok(&["tenant", "create", "other"]);
    let other = s.token_for("other", "default");
    s.create_user("mine-1");
    let first = s.get("/Events");
    let jti = |page: &Resp| page.body["events"][0]["jti"].as_str().unwrap().to_string();
    assert!(jti(&first).ends_with("-n1"), "{}", first.text);
    assert_eq!(first.body["cursor"], "n1");
    for i in 0..10 {
        let u = json!({"schemas": [USER], "userName": format!("theirs-{i}")});
        assert_eq!(s.req_as(&other, "POST", "/Users", Some(&u)).status, 201);
    }
    s.create_user("mine-2");
    let next = s.get("/Events?cursor=n1");
    assert_eq!(next.body["events"].as_array().unwrap().len(), 1);
    assert!(jti(&next).ends_with("-n2"), "{}", next.text);
    assert_eq!(next.body["cursor"], "n2");
    // A cursor of an earlier release (a store-wide position) still resumes.
    let legacy = s.get("/Events?cursor=e0");
    assert_eq!(legacy.body["events"].as_array().unwrap().len(), 2);
}

/// Issue 16 (2): webhook secrets are not kept in clear: neither one
/// created now (sealed before it is stored) nor one an earlier release
/// kept in clear (sealed when `serve` starts). Deliveries still verify
/// with the secret the admin was shown.
#[test]
fn webhook_secrets_are_not_stored_in_clear() {
    let mut s = Server::start_with(FAST);
    let rx = Receiver::start();
    let (id, secret) = create_hook(&s, &rx.url, &[]);
    let (old_id, _) = create_hook(&s, &rx.url, &[]);
    assert_eq!(
        copies_at_rest(&s, &secret),
        0,
        "a new secret is stored sealed"
    );
    // An earlier release kept the second one's secret in clear.
    let legacy = "whsec_0123456789legacy0123456789";
    let sql = format!("UPDATE webhooks SET secret = '{legacy}' WHERE id = {old_id}");
    if on_postgres() {
        scim_store_postgres::testing::execute_blocking(&s.db_url(), &sql).unwrap();
    } else {
        let c = rusqlite::Connection::open(s.dir.path().join("scimd.db")).unwrap();
        c.execute_batch(&sql).unwrap();
    }
    assert!(copies_at_rest(&s, legacy) > 0);
    s.restart_with(FAST);
    s.create_user("hooked");
    let both = || {
        let ids: Vec<String> = rx
            .requests()
            .iter()
            .filter(|r| r.ok())
            .map(|r| r.header("x-scimd-webhook").to_string())
            .collect();
        ids.contains(&id) && ids.contains(&old_id)
    };
    assert!(wait_for(20, both), "{:?}", rx.requests());
    for r in rx.requests() {
        let key = if r.header("x-scimd-webhook") == id {
            secret.as_str()
        } else {
            legacy
        };
        verify(&r, key);
    }
    for clear in [secret.as_str(), legacy] {
        assert_eq!(copies_at_rest(&s, clear), 0, "{clear} in the database");
    }
}
