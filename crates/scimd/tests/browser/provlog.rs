//! Browser test of the provisioning log's live tail: with a connection's
//! log page open in headless Chromium, a failed connection test (a token
//! the IdP still holds, revoked since: 401) and the lookup that follows
//! appear on the page through server-sent events, without a reload.

use super::*;
use std::time::Instant;

#[test]
fn a_failed_connection_test_appears_in_the_live_tail() {
    let Some(d) = browser() else { return };
    let s = Server::start();
    create_admin(&s, "owner", &["owner", "--tenant", "default"]);
    sign_in(&d, &s, "owner");
    let out = s.cli_ok(&["token", "create", "--tenant", "default"]);
    let stale = out.lines().last().unwrap().to_string();
    let id = s
        .cli_ok(&["token", "list", "--tenant", "default", "--json"])
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|t| stale.starts_with(t["prefix"].as_str().unwrap()))
        .unwrap()["id"]
        .to_string();
    s.cli_ok(&["token", "revoke", "--tenant", "default", &id]);

    d.goto(&format!(
        "{}/admin/t/default/connections/default/log",
        origin(&s)
    ));
    d.wait_text("Provisioning log");
    assert!(
        wait_for(10, || d.text("#live") == "live tail: on"),
        "the live tail did not connect: {}",
        d.text("#live")
    );
    assert_eq!(s.req_as(&stale, "GET", "/Users?count=1", None).status, 401);
    let r = s.get("/Users?filter=userName%20eq%20%22nobody%40example.com%22");
    assert_eq!(r.body["totalResults"], 0);
    let sent = Instant::now();
    let mut rows = String::new();
    let shown = wait_for(10, || {
        rows = d.text("#log-rows");
        rows.contains("has been revoked") && rows.contains("nobody@example.com")
    });
    assert!(shown, "the tail did not show both requests: {rows}");
    println!(
        "the live tail showed the 401 and the lookup {} ms after the lookup",
        sent.elapsed().as_millis()
    );
    assert!(rows.contains("401"), "{rows}");
    d.screenshot("20-provisioning-log-live-tail");
}
