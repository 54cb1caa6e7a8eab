//! Webhook delivery end to end (`docs/events.md`): a real HTTP receiver in
//! the test verifies HMAC signatures and timestamps, ordering, retries with
//! recovery, dead letters with redelivery, SIGKILL restarts, and the RFC
//! 8935 SET format. Conditions are awaited by polling with a deadline.

use crate::receiver::{verify, wait_for, Receiver};
use crate::server::Server;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

const PROV: &str = "urn:ietf:params:scim:event:prov:";
/// Fast delivery for tests: short ticks, back-off and lease.
const FAST: &[&str] = &[
    "--webhook-poll-ms",
    "50",
    "--webhook-retry-base-ms",
    "20",
    "--webhook-retry-max-ms",
    "100",
    "--webhook-lease-ms",
    "1000",
];

/// `(kind, sequence number, subject uri)` of a SET.
fn describe(set: &Value) -> (String, i64, String) {
    let uri = set["events"].as_object().unwrap().keys().next().unwrap();
    let kind = uri
        .trim_start_matches(PROV)
        .trim_end_matches(":full")
        .trim_end_matches(":notice");
    let seq = set["jti"].as_str().unwrap().rsplit('-').next().unwrap();
    (
        kind.to_string(),
        seq.parse().unwrap(),
        set["sub_id"]["uri"].as_str().unwrap_or("").to_string(),
    )
}

/// Creates a webhook; returns its id and secret.
fn create_hook(s: &Server, url: &str, extra: &[&str]) -> (String, String) {
    let mut args = vec!["webhook", "create", "--tenant", "default", "--url", url];
    args.extend_from_slice(extra);
    let out = s.cli_ok(&args);
    let id = out.split_whitespace().nth(1).unwrap().to_string();
    let secret = out.lines().last().unwrap().trim().to_string();
    assert!(secret.starts_with("whsec_"), "{out}");
    (id, secret)
}

/// The `webhook list` row of a webhook, by column name.
fn status(s: &Server, id: &str) -> std::collections::HashMap<String, String> {
    let out = s.cli_ok(&["webhook", "list", "--tenant", "default"]);
    let mut lines = out.lines();
    let names: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let row = lines.find(|l| l.split('\t').next() == Some(id)).unwrap();
    names
        .iter()
        .map(|n| n.to_string())
        .zip(row.split('\t').map(String::from))
        .collect()
}

fn metrics(s: &Server) -> String {
    let root = s.base.trim_end_matches("/scim/v2");
    s.raw("GET", &format!("{root}/metrics"), None, &[]).text
}

#[test]
fn signed_deliveries_arrive_in_order_and_verify() {
    let s = Server::start_with(FAST);
    let rx = Receiver::start();
    let (id, secret) = create_hook(&s, &rx.url, &[]);
    let out = s.cli_ok(&["webhook", "test", "--tenant", "default", &id]);
    assert!(out.contains("HTTP 200"), "{out}");
    let test = rx.requests();
    assert_eq!(test.len(), 1);
    verify(&test[0], &secret);
    assert!(test[0].sets()[0]["events"]["urn:scimd:event:test"].is_object());

    let uid = s.create_user("alice");
    let path = format!("/Users/{uid}");
    assert_eq!(
        s.patch(
            &path,
            json!([{"op": "replace", "path": "displayName", "value": "Alice"}])
        )
        .status,
        200
    );
    assert_eq!(
        s.patch(
            &path,
            json!([{"op": "replace", "path": "active", "value": false}])
        )
        .status,
        200
    );
    assert_eq!(s.delete(&path).status, 204);
    assert!(
        wait_for(20, || rx.delivered().len() >= 6),
        "{:?}",
        rx.requests()
    );
    for r in rx.requests() {
        verify(&r, &secret);
        assert_eq!(r.header("content-type"), "application/json");
        assert_eq!(r.header("x-scimd-webhook"), id);
    }
    let events: Vec<(String, i64, String)> = rx.delivered()[1..].iter().map(describe).collect();
    let kinds: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(kinds, ["create", "patch", "patch", "deactivate", "delete"]);
    assert!(events.windows(2).all(|w| w[0].1 < w[1].1), "{events:?}");
    assert!(events.iter().all(|e| e.2 == path), "{events:?}");
    assert_eq!(
        rx.delivered()[1]["events"][format!("{PROV}create:full")]["data"]["userName"],
        "alice"
    );

    assert!(wait_for(10, || status(&s, &id)["pending"] == "0"));
    let row = status(&s, &id);
    assert_eq!((row["failures"].as_str(), row["dead"].as_str()), ("0", "0"));
    assert!(wait_for(10, || metrics(&s).contains(&format!(
        "scimd_webhook_delivered_total{{webhook=\"{id}\"}} 5"
    ))));
    assert!(metrics(&s).contains(&format!("scimd_webhook_pending{{webhook=\"{id}\"}} 0")));
}

#[test]
fn a_failing_receiver_gets_retries_until_it_recovers() {
    let s = Server::start_with(FAST);
    let rx = Receiver::start();
    rx.fail_next.store(3, Ordering::SeqCst);
    let (id, secret) = create_hook(&s, &rx.url, &[]);
    let uid = s.create_user("bob");
    assert!(
        wait_for(20, || !rx.delivered().is_empty()),
        "{:?}",
        rx.requests()
    );
    let reqs = rx.requests();
    assert!(reqs.len() >= 4);
    assert!(reqs[..3].iter().all(|r| r.status == 500));
    assert!(reqs[3].ok());
    for r in &reqs {
        verify(r, &secret);
        let (kind, _, uri) = describe(&r.sets()[0]);
        assert_eq!((kind.as_str(), uri), ("create", format!("/Users/{uid}")));
    }
    assert!(wait_for(10, || status(&s, &id)["pending"] == "0"));
    let row = status(&s, &id);
    assert_eq!(row["failures"], "0", "reset by the success");
    assert_eq!(
        row["last_error"], "HTTP 500",
        "the last error stays visible"
    );
    assert!(metrics(&s).contains(&format!(
        "scimd_webhook_failures_total{{webhook=\"{id}\"}} 3"
    )));
}

#[test]
fn exhausted_retries_dead_letter_then_redeliver() {
    let mut flags = FAST.to_vec();
    flags.extend_from_slice(&["--webhook-max-attempts", "2"]);
    let s = Server::start_with(&flags);
    let rx = Receiver::start();
    rx.down.store(true, Ordering::SeqCst);
    let (id, secret) = create_hook(&s, &rx.url, &[]);
    let uid = s.create_user("carol");
    let dead = || s.cli_ok(&["webhook", "dead-letters", "--tenant", "default", &id]);
    assert!(wait_for(20, || dead().lines().count() == 2), "{}", dead());
    let letters = dead();
    let row: Vec<&str> = letters.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!((row[2], row[3]), ("false", "HTTP 500"));
    let seq = row[0].to_string();
    assert_eq!(status(&s, &id)["dead"], "1");
    assert!(wait_for(10, || metrics(&s).contains(&format!(
        "scimd_webhook_dead_letters{{webhook=\"{id}\"}} 1"
    ))));
    assert!(rx.delivered().is_empty());
    assert_eq!(rx.requests().len(), 2, "two attempts, then dead");

    rx.down.store(false, Ordering::SeqCst);
    let out = s.cli_ok(&[
        "webhook",
        "redeliver",
        "--tenant",
        "default",
        &id,
        "--event",
        &seq,
    ]);
    assert!(out.starts_with("1 dead letter"), "{out}");
    assert!(
        wait_for(20, || rx.delivered().len() == 1),
        "{:?}",
        rx.requests()
    );
    let (kind, n, uri) = describe(&rx.delivered()[0]);
    assert_eq!(
        (kind.as_str(), n.to_string(), uri),
        ("create", seq, format!("/Users/{uid}"))
    );
    verify(rx.requests().last().unwrap(), &secret);
    assert!(wait_for(10, || dead().lines().count() == 1), "{}", dead());
    assert_eq!(status(&s, &id)["dead"], "0");
    let (ok, _, err) = s.cli(&[
        "webhook",
        "redeliver",
        "--tenant",
        "default",
        &id,
        "--event",
        "999999",
    ]);
    assert!(!ok && err.contains("no dead letter"), "{err}");
}

#[test]
fn a_sigkill_during_delivery_loses_nothing() {
    let s0 = Server::start_with(FAST);
    let mut s = s0;
    let rx = Receiver::start();
    rx.fail_next.store(2, Ordering::SeqCst);
    let (id, secret) = create_hook(&s, &rx.url, &[]);
    let mut users: Vec<String> = (0..15)
        .map(|i| s.create_user(&format!("before{i}")))
        .collect();
    s.restart_with(FAST);
    users.extend((0..5).map(|i| s.create_user(&format!("after{i}"))));
    let created = || -> std::collections::HashSet<String> {
        rx.delivered()
            .iter()
            .map(describe)
            .filter(|e| e.0 == "create")
            .map(|e| e.2)
            .collect()
    };
    assert!(
        wait_for(30, || users
            .iter()
            .all(|u| created().contains(&format!("/Users/{u}")))),
        "missing: {:?}",
        users
            .iter()
            .filter(|u| !created().contains(&format!("/Users/{u}")))
            .collect::<Vec<_>>()
    );
    for r in rx.requests() {
        verify(&r, &secret);
    }
    // At least once: duplicates are allowed and identified by jti.
    let jtis: Vec<String> = rx
        .delivered()
        .iter()
        .map(|e| e["jti"].as_str().unwrap().to_string())
        .collect();
    let unique: std::collections::HashSet<&String> = jtis.iter().collect();
    assert_eq!(unique.len(), 20, "{jtis:?}");
    eprintln!(
        "{} deliveries, {} duplicates",
        jtis.len(),
        jtis.len() - unique.len()
    );
    assert!(wait_for(10, || status(&s, &id)["pending"] == "0"));
}

#[test]
fn set_push_carries_secevent_jwt() {
    let s = Server::start_with(FAST);
    let rx = Receiver::start();
    let (_, secret) = create_hook(&s, &rx.url, &["--format", "set", "--notice"]);
    s.create_user("dave");
    s.create_user("erin");
    assert!(
        wait_for(20, || rx.delivered().len() >= 2),
        "{:?}",
        rx.requests()
    );
    for r in rx.requests() {
        assert_eq!(r.status, 202);
        assert_eq!(r.header("content-type"), "application/secevent+jwt");
        verify(&r, &secret);
        let parts: Vec<&str> = r.body.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2], "", "unsecured JWS");
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header, json!({"alg": "none", "typ": "secevent+jwt"}));
        assert_eq!(r.sets().len(), 1, "one SET per request");
    }
    let set = &rx.delivered()[0];
    assert!(
        set["events"][format!("{PROV}create:notice")]["attributes"].is_array(),
        "{set}"
    );
    assert_eq!(set["aud"], json!([rx.url]));
    assert!(set["iss"].as_str().unwrap().ends_with("/scim/v2"));
}
