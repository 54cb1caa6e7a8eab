//! The mass-deprovisioning circuit breaker end to end: it trips at the
//! window's allowance (the request that would pass it is refused with 503
//! and `Retry-After`), alerts in the audit log, the event stream and
//! `/metrics` until released, and is released from the CLI by rejecting
//! (re-enabling what the connection deactivated, user by user, even when a
//! seat is missing for some) or confirming. Concurrent deactivations never
//! pass the allowance.

use crate::policies::{audit_entries, audited};
use crate::server::*;
use serde_json::{json, Value};

fn breaker_on(s: &Server, percent: &str, minimum: &str) {
    s.cli_ok(&[
        "tenant",
        "set",
        "default",
        "--breaker",
        "true",
        "--breaker-percent",
        percent,
        "--breaker-window-minutes",
        "60",
        "--breaker-minimum",
        minimum,
    ]);
}

fn off() -> Value {
    json!([{"op": "replace", "path": "active", "value": false}])
}

fn metrics(s: &Server) -> String {
    s.metrics()
}

const PAUSED: &str = "scimd_breaker_paused{tenant=\"default\",connection=\"default\"} 1";
const RUNNING: &str = "scimd_breaker_paused{tenant=\"default\",connection=\"default\"} 0";

fn assert_held(r: &Resp) {
    assert_error(r, 503, None);
    assert_eq!(r.header("retry-after"), Some("600"), "{}", r.text);
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("circuit breaker"),
        "{}",
        r.text
    );
}

#[test]
fn the_breaker_pauses_mass_deprovisioning() {
    let s = Server::start();
    breaker_on(&s, "20", "2");
    let ids: Vec<String> = (0..10)
        .map(|i| s.create_user(&format!("u{i}@example.com")))
        .collect();
    assert!(metrics(&s).contains(RUNNING));
    // 20% of 10 users: two deprovisionings pass; the third is refused and
    // trips the breaker.
    for id in &ids[..2] {
        assert_eq!(s.patch(&format!("/Users/{id}"), off()).status, 200);
    }
    assert_held(&s.patch(&format!("/Users/{}", ids[2]), off()));
    assert_ne!(
        s.get(&format!("/Users/{}", ids[2])).body["active"],
        false,
        "a held deactivation changes nothing"
    );
    let list = s.cli_ok(&["connection", "list", "--tenant", "default"]);
    assert!(list.contains("PAUSED"), "{list}");
    // The admin is alerted in the audit log and in metrics ...
    let audit = s.cli_ok(&["audit", "--tenant", "default", "--refused"]);
    assert!(audit.contains("breaker-tripped"), "{audit}");
    let m = metrics(&s);
    assert!(
        m.contains("scimd_breaker_trips_total 1") && m.contains(PAUSED),
        "{m}"
    );
    // ... and in the event stream.
    let feed = s.get("/Events?count=1000").body;
    let alert = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["events"].get("urn:scimd:event:breaker:tripped"))
        .unwrap_or_else(|| panic!("no alert event in {feed}"))
        .clone();
    assert_eq!(
        (
            alert["connection"].as_str(),
            alert["deprovisioned"].as_u64(),
            alert["allowed"].as_u64()
        ),
        (Some("default"), Some(2), Some(2))
    );
    assert_held(&s.patch(&format!("/Users/{}", ids[3]), off()));
    assert_held(&s.delete(&format!("/Users/{}", ids[4])));
    // Everything else still works while paused.
    let r = s.patch(
        &format!("/Users/{}", ids[3]),
        json!([{"op": "replace", "path": "title", "value": "x"}]),
    );
    assert_eq!(r.status, 200);
    assert_eq!(s.create_user("new@example.com").len(), 36);
    // Rejecting re-enables what the connection deactivated in the window,
    // each user journaled with its diff and events.
    let out = s.cli_ok(&[
        "connection",
        "release",
        "--tenant",
        "default",
        "default",
        "--reject",
    ]);
    assert!(out.contains("re-enabled 2 user(s)"), "{out}");
    assert_eq!(
        s.get("/Users?filter=active%20eq%20false").body["totalResults"],
        0
    );
    assert!(metrics(&s).contains(RUNNING));
    let log = audit_entries(&s);
    audited(&log, "breaker-rejected", None);
    let back = audited(&log, "breaker-reenable", Some(&ids[0]));
    assert_eq!(
        back["diff"],
        json!([{"op": "replace", "path": "active", "old": false, "new": true}])
    );
    audited(&log, "breaker-reenable", Some(&ids[1]));
    let feed = s.get("/Events?count=1000").body.to_string();
    assert!(
        feed.contains("urn:ietf:params:scim:event:prov:activate"),
        "{feed}"
    );
    // After release the window restarts; confirming is refused when not paused.
    assert_eq!(s.patch(&format!("/Users/{}", ids[3]), off()).status, 200);
    let (ok, _, err) = s.cli(&[
        "connection",
        "release",
        "--tenant",
        "default",
        "default",
        "--confirm",
    ]);
    assert!(!ok && err.contains("not paused"), "{err}");
}

#[test]
fn a_confirmed_breaker_lets_deprovisioning_through() {
    let s = Server::start();
    breaker_on(&s, "10", "1");
    let ids: Vec<String> = (0..5)
        .map(|i| s.create_user(&format!("c{i}@example.com")))
        .collect();
    assert_eq!(s.delete(&format!("/Users/{}", ids[0])).status, 204);
    assert_held(&s.delete(&format!("/Users/{}", ids[1])));
    let out = s.cli_ok(&[
        "connection",
        "release",
        "--tenant",
        "default",
        "default",
        "--confirm",
    ]);
    assert!(out.contains("confirmed"), "{out}");
    audited(&audit_entries(&s), "breaker-confirmed", None);
    assert!(metrics(&s).contains(RUNNING));
    let list = s.cli_ok(&["connection", "list", "--tenant", "default"]);
    assert!(!list.contains("PAUSED"), "{list}");
    assert_eq!(s.delete(&format!("/Users/{}", ids[1])).status, 204);
    assert_error(&s.get(&format!("/Users/{}", ids[1])), 404, None);
}

#[test]
fn rejecting_reports_users_it_cannot_re_enable() {
    let s = Server::start();
    breaker_on(&s, "10", "2");
    let ids: Vec<String> = (0..6)
        .map(|i| s.create_user(&format!("r{i}@example.com")))
        .collect();
    for id in &ids[..2] {
        assert_eq!(s.patch(&format!("/Users/{id}"), off()).status, 200);
    }
    assert_held(&s.patch(&format!("/Users/{}", ids[2]), off()));
    // Four users are active: one seat is left for the two to re-enable.
    s.cli_ok(&["tenant", "set", "default", "--seat-limit", "5"]);
    let out = s.cli_ok(&[
        "connection",
        "release",
        "--tenant",
        "default",
        "default",
        "--reject",
    ]);
    assert!(out.contains("re-enabled 1 user(s)"), "{out}");
    assert_eq!(out.matches("could not re-enable").count(), 1, "{out}");
    assert!(out.contains("no licence seat available"), "{out}");
    // It finished: the breaker is released.
    let list = s.cli_ok(&["connection", "list", "--tenant", "default"]);
    assert!(!list.contains("PAUSED"), "{list}");
    assert_eq!(
        s.get("/Users?filter=active%20eq%20false").body["totalResults"],
        1
    );
    let rejected = audited(&audit_entries(&s), "breaker-rejected", None);
    assert!(
        rejected["detail"]
            .as_str()
            .unwrap()
            .contains("could not re-enable"),
        "{rejected}"
    );
}

#[test]
fn concurrent_deactivations_never_pass_the_breaker() {
    let s = Server::start();
    // 1% of 30 users rounds up to 1; the minimum allows 5.
    breaker_on(&s, "1", "5");
    let ids: Vec<String> = (0..30)
        .map(|i| s.create_user(&format!("k{i}@example.com")))
        .collect();
    let replies: Vec<(u16, Option<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = ids[..20]
            .iter()
            .map(|id| {
                let s = &s;
                scope.spawn(move || {
                    let r = s.patch(&format!("/Users/{id}"), off());
                    (r.status, r.header("retry-after").map(str::to_string))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = replies.iter().filter(|(c, _)| *c == 200).count();
    let held = replies
        .iter()
        .filter(|(c, retry)| *c == 503 && retry.as_deref() == Some("600"))
        .count();
    assert_eq!((ok, held), (5, 15), "{replies:?}");
    assert_eq!(
        s.get("/Users?filter=active%20eq%20false").body["totalResults"],
        5
    );
    let m = metrics(&s);
    assert!(
        m.contains("scimd_breaker_trips_total 1") && m.contains(PAUSED),
        "one trip however many were held: {m}"
    );
    let tripped = audit_entries(&s)
        .iter()
        .filter(|e| e["action"] == "breaker-tripped")
        .count();
    assert_eq!(tripped, 1);
}
