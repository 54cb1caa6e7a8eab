//! The admin API end to end against the real binary: `scimd admin create`
//! with the password on stdin, sign-in over HTTP with a session cookie,
//! a connection and its token, a user provisioned through SCIM with that
//! token found by search with its timeline, a managed user's edit refused,
//! a tenant viewer refused, and the circuit breaker confirmed; webhook
//! delivery status against a failing receiver, and redelivery of a dead
//! letter through the admin API.

use crate::receiver::{wait_for, Receiver};
use crate::server::*;
use crate::webhooks::{create_hook, patient, FAST};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

const PW: &str = "an admin password";

fn create_admin(s: &Server, args: &[&str]) -> (bool, String) {
    s.admin_create(args, PW)
}

struct Session<'a> {
    s: &'a Server,
    cookie: String,
    csrf: String,
}

impl Session<'_> {
    fn login<'a>(s: &'a Server, user: &str) -> Session<'a> {
        let r = s.raw(
            "POST",
            &format!("{}/admin/api/login", origin(s)),
            Some(json!({"username": user, "password": PW}).to_string()),
            &[("Content-Type", "application/json")],
        );
        assert_eq!(r.status, 200, "{}", r.text);
        let set = r.header("set-cookie").unwrap();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        Session {
            s,
            cookie: set.split(';').next().unwrap().to_string(),
            csrf: r.body["csrfToken"].as_str().unwrap().to_string(),
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.s.raw(
            method,
            &format!("{}/admin/api{path}", origin(self.s)),
            body.map(|b| b.to_string()),
            &[
                ("Content-Type", "application/json"),
                ("Cookie", &self.cookie),
                ("X-CSRF-Token", &self.csrf),
            ],
        )
    }
}

fn origin(s: &Server) -> String {
    s.base.trim_end_matches("/scim/v2").to_string()
}

#[test]
fn the_admin_api_over_http() {
    let s = Server::start();
    let (ok, out) = create_admin(&s, &["root", "--role", "super"]);
    assert!(ok && out.contains("Created admin"), "{out}");
    let (ok, out) = create_admin(&s, &["root", "--role", "super"]);
    assert!(!ok && out.contains("exists"), "{out}");
    let (ok, _) = create_admin(&s, &["eve", "--role", "viewer", "--tenant", "default"]);
    assert!(ok);
    let list = s.cli_ok(&["admin", "list"]);
    assert!(list.contains("eve\trole=viewer\ttenant=default"), "{list}");

    let root = Session::login(&s, "root");
    let r = root.call(
        "POST",
        "/tenants/default/connections",
        Some(json!({"name": "entra", "profile": "entra", "ownership": "exclusive"})),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let r = root.call(
        "POST",
        "/tenants/default/connections/entra/tokens",
        Some(json!({"name": "prod"})),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["baseUrl"], s.base.as_str());
    let token = r.body["token"].as_str().unwrap().to_string();

    let r = s.req_as(
        &token,
        "POST",
        "/Users",
        Some(&json!({"schemas": [USER], "userName": "grace@example.com"})),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let r = root.call(
        "GET",
        "/tenants/default/users?filter=userName%20sw%20%22grace%22&count=5",
        None,
    );
    assert_eq!(r.body["totalResults"], 1, "{}", r.text);
    let r = root.call("GET", &format!("/tenants/default/users/{id}"), None);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["managed"], true);
    assert_eq!(r.body["provisionedBy"], "entra");
    assert_eq!(r.body["authProvider"], "entra");
    assert_eq!(r.body["timeline"][0]["action"], "create");
    assert_eq!(r.body["timeline"][0]["connection"], "entra");
    assert_eq!(r.body["timeline"][0]["profile"], "entra", "{}", r.text);
    let cli = s.cli_ok(&["audit", "--tenant", "default", "--json", "--user", &id]);
    let entry: Value = serde_json::from_str(cli.lines().next().unwrap()).unwrap();
    assert_eq!(
        (&entry["profile"], &entry["action"]),
        (&json!("entra"), &json!("create")),
        "{entry}"
    );
    let r = root.call(
        "PUT",
        &format!("/tenants/default/users/{id}/active"),
        Some(json!({"active": false})),
    );
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        r.body["detail"].as_str().unwrap().contains("managed"),
        "{}",
        r.text
    );
    let r = root.call("GET", "/tenants/default/audit?outcome=succeeded", None);
    let entries = r.body["entries"].as_array().unwrap();
    let scim: Vec<&Value> = entries
        .iter()
        .filter(|e| !e["connection"].is_null())
        .collect();
    assert_eq!(scim.len(), 1, "{}", r.text);
    // The console's own changes are there too, naming the admin.
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "connection-create" && e["admin"] == "root"),
        "{}",
        r.text
    );

    // A viewer of the tenant reads and changes nothing.
    let eve = Session::login(&s, "eve");
    assert_eq!(
        eve.call("GET", "/tenants/default/connections", None).status,
        200
    );
    let r = eve.call("DELETE", "/tenants/default/connections/entra", None);
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        eve.call("GET", "/tenants", None)
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The breaker: tripped through SCIM, confirmed through the admin API.
    s.cli_ok(&[
        "tenant",
        "set",
        "default",
        "--breaker",
        "true",
        "--breaker-percent",
        "10",
        "--breaker-minimum",
        "1",
    ]);
    let ids: Vec<String> = (0..4)
        .map(|i| {
            let r = s.req_as(
                &token,
                "POST",
                "/Users",
                Some(&json!({"schemas": [USER], "userName": format!("b{i}@example.com")})),
            );
            r.body["id"].as_str().unwrap().to_string()
        })
        .collect();
    let mut paused = false;
    for id in &ids {
        let r = s.req_as(&token, "DELETE", &format!("/Users/{id}"), None);
        if r.status == 503 {
            paused = true;
            break;
        }
    }
    assert!(paused, "the breaker never tripped");
    let r = root.call("GET", "/tenants/default/connections/entra", None);
    assert_eq!(r.body["paused"], true, "{}", r.text);
    let r = root.call(
        "POST",
        "/tenants/default/connections/entra/breaker",
        Some(json!({"decision": "confirm"})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = root.call("GET", "/tenants/default/connections/entra", None);
    assert_eq!(r.body["paused"], false);

    // Sign-out: the cookie no longer works.
    assert_eq!(root.call("POST", "/logout", None).status, 204);
    assert_eq!(root.call("GET", "/me", None).status, 401);
    let doc = s.get(&format!("{}/openapi.json", origin(&s)));
    assert!(doc.body["paths"]["/admin/api/login"]["post"].is_object());
}

#[test]
fn webhook_status_and_redelivery_through_the_admin_api() {
    let mut s = Server::start_with(&patient());
    for args in [
        ["own", "--role", "owner", "--tenant", "default"],
        ["eve", "--role", "viewer", "--tenant", "default"],
    ] {
        let (ok, out) = create_admin(&s, &args);
        assert!(ok, "{out}");
    }
    let rx = Receiver::start();
    rx.down.store(true, Ordering::SeqCst);
    let (id, secret) = create_hook(&s, &rx.url, &[]);
    let uid = s.create_user("hank");

    // While the receiver fails: one event pending, failures counted, the
    // last error shown; never the secret.
    let own = Session::login(&s, "own");
    let list = "/tenants/default/webhooks";
    let hook = |who: &Session| {
        let r = who.call("GET", list, None);
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(!r.text.contains(&secret));
        r.body.as_array().unwrap()[0].clone()
    };
    assert!(
        wait_for(20, || hook(&own)["failures"].as_u64().unwrap() >= 2),
        "{}",
        hook(&own)
    );
    let h = hook(&own);
    assert_eq!(h["id"].to_string(), id);
    assert_eq!(
        (&h["pending"], &h["lastError"], &h["deadLetters"]),
        (&json!(1), &json!("HTTP 500"), &json!(0)),
        "{h}"
    );
    drop(own);

    // Restarted with a single attempt per event: the next one dead-letters.
    let mut flags = FAST.to_vec();
    flags.extend_from_slice(&["--webhook-max-attempts", "1"]);
    s.restart_with(&flags);
    let own = Session::login(&s, "own");
    // The dead letter and the delivery cursor are written one after the
    // other: wait for both.
    assert!(
        wait_for(20, || {
            let h = hook(&own);
            h["deadLetters"] == 1 && h["pending"] == 0
        }),
        "{}",
        hook(&own)
    );
    let h = hook(&own);
    assert_eq!(
        (&h["pending"], &h["failures"], &h["lastError"]),
        (&json!(0), &json!(0), &json!("HTTP 500")),
        "{h}"
    );

    // A viewer sees the status and cannot redeliver; the owner can.
    let eve = Session::login(&s, "eve");
    assert_eq!(hook(&eve)["deadLetters"], 1);
    let redeliver = format!("/tenants/default/webhooks/{id}/redeliver");
    let r = eve.call("POST", &redeliver, None);
    assert_eq!(r.status, 403, "{}", r.text);
    rx.down.store(false, Ordering::SeqCst);
    assert!(rx.delivered().is_empty());
    let r = own.call("POST", &redeliver, None);
    assert_eq!(
        (r.status, &r.body),
        (200, &json!({"requeued": 1})),
        "{}",
        r.text
    );
    assert!(
        wait_for(20, || rx.delivered().len() == 1),
        "{:?}",
        rx.requests()
    );
    let set = &rx.delivered()[0];
    assert_eq!(set["sub_id"]["uri"], format!("/Users/{uid}"), "{set}");
    assert!(
        wait_for(10, || hook(&own)["deadLetters"] == 0),
        "{}",
        hook(&own)
    );
}
