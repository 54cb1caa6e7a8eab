//! The mass-deprovisioning circuit breaker where a process matters: the
//! held request's 503 with `Retry-After`, the `/metrics` gauge and counter,
//! the alert on `/Events`, and the command line's view and release. The
//! breaker's rules (the allowance, what stays possible while paused,
//! confirming, rejecting with missing seats, concurrent deactivations) are
//! tested at the service boundary (`crates/scim-service/tests/service/breaker.rs`).

use crate::server::*;
use serde_json::{json, Value};

fn off() -> Value {
    json!([{"op": "replace", "path": "active", "value": false}])
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
    s.cli_ok(&[
        "tenant",
        "set",
        "default",
        "--breaker",
        "true",
        "--breaker-percent",
        "20",
        "--breaker-window-minutes",
        "60",
        "--breaker-minimum",
        "2",
    ]);
    let ids: Vec<String> = (0..10)
        .map(|i| s.create_user(&format!("u{i}@example.com")))
        .collect();
    assert!(s.metrics().contains(RUNNING));
    // 20% of 10 users: two deprovisionings pass; the third is refused and
    // trips the breaker.
    for id in &ids[..2] {
        assert_eq!(s.patch(&format!("/Users/{id}"), off()).status, 200);
    }
    assert_held(&s.patch(&format!("/Users/{}", ids[2]), off()));
    assert_held(&s.delete(&format!("/Users/{}", ids[3])));
    let list = s.cli_ok(&["connection", "list", "--tenant", "default"]);
    assert!(list.contains("PAUSED"), "{list}");
    let audit = s.cli_ok(&["audit", "--tenant", "default", "--refused"]);
    assert!(audit.contains("breaker-tripped"), "{audit}");
    let m = s.metrics();
    assert!(
        m.contains("scimd_breaker_trips_total 1") && m.contains(PAUSED),
        "{m}"
    );
    let feed = s.get("/Events?count=1000").text;
    assert!(feed.contains("urn:scimd:event:breaker:tripped"), "{feed}");
    // Rejecting re-enables what the connection deactivated in the window.
    let out = s.cli_ok(&[
        "connection",
        "release",
        "--tenant",
        "default",
        "default",
        "--reject",
    ]);
    assert!(out.contains("re-enabled 2 user(s)"), "{out}");
    assert!(out.contains(&format!("re-enabled {}", ids[0])), "{out}");
    assert!(s.metrics().contains(RUNNING));
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
