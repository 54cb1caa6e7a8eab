//! Webhook delivery end to end (`docs/events.md`): a real HTTP receiver in
//! the test verifies HMAC signatures and timestamps, ordering, retries with
//! recovery (and the failure gauges of `/metrics`), dead letters with
//! redelivery, a SIGKILL while delivery is failing, the RFC 8935 SET
//! format, the events of PUT, re-activation and a membership change, and
//! `webhook delete`.
//! Conditions are awaited by polling with a deadline.

use crate::receiver::{verify, wait_for, Receiver};
use crate::server::{Server, USER};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;

const PROV: &str = "urn:ietf:params:scim:event:prov:";
/// Fast delivery for tests: short ticks, back-off and lease.
pub const FAST: &[&str] = &[
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
    let seq = set["jti"].as_str().unwrap().rsplit("-n").next().unwrap();
    (
        kind.to_string(),
        seq.parse().unwrap(),
        set["sub_id"]["uri"].as_str().unwrap_or("").to_string(),
    )
}

/// [`FAST`], with retries that never dead-letter within a test.
pub fn patient() -> Vec<&'static str> {
    let mut flags = FAST.to_vec();
    flags.extend_from_slice(&["--webhook-max-attempts", "1000000"]);
    flags
}

/// Creates a webhook to a receiver on loopback (so allowed private
/// addresses); returns its id and secret.
pub fn create_hook(s: &Server, url: &str, extra: &[&str]) -> (String, String) {
    let mut args = vec![
        "webhook",
        "create",
        "--tenant",
        "default",
        "--url",
        url,
        "--allow-private",
    ];
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
    s.metrics()
}

/// A webhook's sample of a metric family, if exposed.
fn gauge(s: &Server, name: &str, id: &str) -> Option<u64> {
    let prefix = format!("{name}{{webhook=\"{id}\"}} ");
    metrics(s)
        .lines()
        .find_map(|l| l.strip_prefix(&prefix).and_then(|v| v.parse().ok()))
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
    let s = Server::start_with(&patient());
    let rx = Receiver::start();
    rx.down.store(true, Ordering::SeqCst);
    let (id, secret) = create_hook(&s, &rx.url, &[]);
    let uid = s.create_user("bob");

    // While the receiver fails: the stored state in `webhook list` and in
    // the /metrics gauges.
    let failing = || gauge(&s, "scimd_webhook_consecutive_failures", &id).is_some_and(|n| n >= 3);
    assert!(wait_for(20, failing), "{}", metrics(&s));
    let last_error =
        format!("scimd_webhook_last_error_info{{webhook=\"{id}\",error=\"HTTP 500\"}} 1");
    let m = metrics(&s);
    assert!(m.contains(&last_error), "{m}");
    assert!(
        m.contains(&format!("scimd_webhook_pending{{webhook=\"{id}\"}} 1")),
        "{m}"
    );
    let row = status(&s, &id);
    assert!(row["failures"].parse::<u64>().unwrap() >= 3, "{row:?}");
    assert_eq!(
        (row["pending"].as_str(), row["last_error"].as_str()),
        ("1", "HTTP 500")
    );
    assert!(rx.delivered().is_empty());

    rx.down.store(false, Ordering::SeqCst);
    assert!(
        wait_for(20, || !rx.delivered().is_empty()),
        "{:?}",
        rx.requests()
    );
    let reqs = rx.requests();
    let failed = reqs.iter().take_while(|r| r.status == 500).count();
    assert!(failed >= 3, "{reqs:?}");
    assert!(reqs[failed].ok());
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
    assert!(
        wait_for(10, || gauge(&s, "scimd_webhook_consecutive_failures", &id)
            == Some(0)),
        "{}",
        metrics(&s)
    );
    let m = metrics(&s);
    assert!(m.contains(&last_error), "{m}");
    assert_eq!(
        gauge(&s, "scimd_webhook_failures_total", &id),
        Some(failed as u64),
        "{m}"
    );
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
    let flags = patient();
    let mut s = Server::start_with(&flags);
    let rx = Receiver::start();
    rx.down.store(true, Ordering::SeqCst);
    let (id, secret) = create_hook(&s, &rx.url, &[]);
    let mut users: Vec<String> = (0..15)
        .map(|i| s.create_user(&format!("before{i}")))
        .collect();
    // Delivery is under way: attempts failed and the events wait.
    assert!(
        wait_for(20, || {
            let row = status(&s, &id);
            row["pending"] != "0" && row["failures"] != "0"
        }),
        "{:?}",
        status(&s, &id)
    );
    assert!(!rx.requests().is_empty());
    s.restart_with(&flags);
    users.extend((0..5).map(|i| s.create_user(&format!("after{i}"))));
    rx.down.store(false, Ordering::SeqCst);
    let expected: Vec<String> = users.iter().map(|u| format!("/Users/{u}")).collect();
    let created = || -> Vec<String> {
        rx.delivered()
            .iter()
            .map(describe)
            .filter(|e| e.0 == "create")
            .map(|e| e.2)
            .collect()
    };
    assert!(
        wait_for(30, || created().len() >= expected.len()),
        "missing: {:?}",
        expected
            .iter()
            .filter(|u| !created().contains(u))
            .collect::<Vec<_>>()
    );
    for r in rx.requests() {
        verify(&r, &secret);
    }
    // Every event exactly once (no delivery succeeded before the kill, so
    // none is repeated), in commit order.
    assert_eq!(created(), expected);
    let seqs: Vec<i64> = rx.delivered().iter().map(|e| describe(e).1).collect();
    assert_eq!(seqs.len(), 20, "{seqs:?}");
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
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

#[test]
fn replace_reactivation_and_membership_emit_their_events() {
    let s = Server::start_with(FAST);
    let rx = Receiver::start();
    let (_, secret) = create_hook(&s, &rx.url, &[]);
    let uid = s.create_user("ivy");
    let path = format!("/Users/{uid}");
    let user = |active: bool| json!({"schemas": [USER], "userName": "ivy", "displayName": "Ivy", "active": active});
    let on = json!([{"op": "replace", "path": "active", "value": true}]);
    assert_eq!(s.put(&path, &user(true)).status, 200, "PUT");
    assert_eq!(s.put(&path, &user(false)).status, 200, "PUT deactivates");
    assert_eq!(s.patch(&path, on).status, 200, "PATCH re-activates");
    assert_eq!(s.put(&path, &user(false)).status, 200, "PUT deactivates");
    assert_eq!(s.put(&path, &user(true)).status, 200, "PUT re-activates");
    let gid = s.create_group("eng", &[]);
    let add = json!([{"op": "add", "path": "members", "value": [{"value": uid}]}]);
    let r = s.patch(&format!("/Groups/{gid}"), add);
    assert!(r.status == 200 || r.status == 204, "{}", r.text);
    let expected = [
        "create",
        "put",
        "put",
        "deactivate",
        "patch",
        "activate",
        "put",
        "deactivate",
        "put",
        "activate",
        "create",
        "patch",
    ];
    assert!(
        wait_for(20, || rx.delivered().len() >= expected.len()),
        "{:?}",
        rx.delivered().iter().map(describe).collect::<Vec<_>>()
    );
    for r in rx.requests() {
        verify(&r, &secret);
    }
    let sets = rx.delivered();
    let events: Vec<(String, i64, String)> = sets.iter().map(describe).collect();
    let kinds: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(kinds, expected);
    assert!(events[..10].iter().all(|e| e.2 == path), "{events:?}");
    let group = format!("/Groups/{gid}");
    assert!(events[10..].iter().all(|e| e.2 == group), "{events:?}");
    // A membership change: the group without its members in `data`; the
    // notice form names `members`.
    let data = &sets[11]["events"][format!("{PROV}patch:full")]["data"];
    assert_eq!(data["displayName"], "eng", "{}", sets[11]);
    assert!(data.get("members").is_none(), "{data}");
    let notice = s.get(&format!("/Events?form=notice&cursor=e{}", events[10].1));
    assert_eq!(
        notice.body["events"][0]["events"][format!("{PROV}patch:notice")]["attributes"],
        json!(["members"]),
        "{}",
        notice.text
    );
    let put = &sets[1]["events"][format!("{PROV}put:full")];
    assert_eq!(put["data"]["displayName"], "Ivy", "{}", sets[1]);
    assert_eq!(sets[5]["events"][format!("{PROV}activate")], json!({}));
    assert_eq!(sets[4]["txn"], sets[5]["txn"], "one request, one txn");
}

#[test]
fn a_deleted_webhook_gets_nothing_more() {
    let s = Server::start_with(FAST);
    let (kept, gone) = (Receiver::start(), Receiver::start());
    let (kept_id, _) = create_hook(&s, &kept.url, &[]);
    let (gone_id, _) = create_hook(&s, &gone.url, &[]);
    s.create_user("before");
    assert!(wait_for(20, || kept.delivered().len() == 1
        && gone.delivered().len() == 1
        && status(&s, &gone_id)["pending"] == "0"));

    let out = s.cli_ok(&["webhook", "delete", "--tenant", "default", &gone_id]);
    assert!(out.contains(&format!("deleted webhook {gone_id}")), "{out}");
    let list = s.cli_ok(&["webhook", "list", "--tenant", "default"]);
    let ids: Vec<&str> = list
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .collect();
    assert_eq!(ids, [kept_id.as_str()], "{list}");
    let (ok, _, err) = s.cli(&["webhook", "delete", "--tenant", "default", &gone_id]);
    assert!(!ok && err.contains("no webhook"), "{err}");
    // The gauges drop it at the next delivery pass.
    let label = format!("webhook=\"{gone_id}\"");
    assert!(wait_for(10, || !metrics(&s).contains(&label)));

    // Later events reach the kept webhook, and never the deleted one.
    let after = s.create_user("after");
    assert!(wait_for(20, || kept.delivered().len() == 2));
    assert_eq!(describe(&kept.delivered()[1]).2, format!("/Users/{after}"));
    assert!(wait_for(10, || status(&s, &kept_id)["pending"] == "0"));
    assert_eq!(gone.requests().len(), 1, "{:?}", gone.requests());
}
