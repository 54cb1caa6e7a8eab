//! One tenant cannot stall another (docs/reliability.md, "noisy
//! neighbour"): while tenant A keeps the heaviest writes the default limits
//! allow in flight (a PATCH of 9,999 `add emails` operations, a Bulk of
//! 1,000 creates, a user with 35,000 emails), tenant B's creates and
//! lookups and `/healthz` are answered, many times over, before A's writes
//! are done. Latency figures come from the benchmark (`scripts/bench.sh
//! --phases noisy`), not from this test.

use crate::server::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

fn heavy_patch(s: &Server, round: usize) {
    let id = s.create_user(&format!("a-patch-{round}"));
    let ops: Vec<Value> = (0..9_999)
        .map(|i| json!({"op": "add", "path": "emails", "value": [{"value": format!("p{i}@a.example")}]}))
        .collect();
    let r = s.req(
        "PATCH",
        &format!("/Users/{id}?excludedAttributes=emails"),
        Some(&json!({"schemas": [PATCH_OP], "Operations": ops})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    // The user was created with one email of its own.
    let stored = s.get(&format!("/Users/{id}"));
    assert_eq!(stored.body["emails"].as_array().map(Vec::len), Some(10_000));
}

fn heavy_bulk(s: &Server, round: usize) {
    let ops: Vec<Value> = (0..1_000)
        .map(|i| {
            json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"),
                   "data": {"schemas": [USER_SCHEMA], "userName": format!("a-bulk-{round}-{i}")}})
        })
        .collect();
    let r = s.post(
        "/Bulk",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
}

fn heavy_user(s: &Server, round: usize) {
    let emails: Vec<Value> = (0..35_000)
        .map(|i| json!({"value": format!("e{i}@a.example")}))
        .collect();
    let r = s.post(
        "/Users?excludedAttributes=emails",
        &json!({"schemas": [USER_SCHEMA], "userName": format!("a-big-{round}"), "emails": emails}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
}

#[test]
fn a_heavy_tenant_does_not_stall_another() {
    let s = Arc::new(Server::start());
    s.cli_ok(&["tenant", "create", "quiet"]);
    let b = s.token_for("quiet", "default");
    let busy = Arc::new(AtomicUsize::new(3));
    let mut heavy = Vec::new();
    for kind in 0..3 {
        let (s, busy) = (s.clone(), busy.clone());
        heavy.push(thread::spawn(move || {
            for round in 0..2 {
                match kind {
                    0 => heavy_patch(&s, round),
                    1 => heavy_bulk(&s, round),
                    _ => heavy_user(&s, round),
                }
            }
            busy.fetch_sub(1, Ordering::SeqCst);
        }));
    }
    let health_url = format!("{}/healthz", s.base.trim_end_matches("/scim/v2"));
    let mut served_while_busy = 0;
    for i in 0..2_000 {
        if busy.load(Ordering::SeqCst) == 0 {
            break;
        }
        let name = format!("b-{i}");
        let r = s.req_as(
            &b,
            "POST",
            "/Users",
            Some(&json!({"schemas": [USER_SCHEMA], "userName": name})),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let r = s.req_as(
            &b,
            "GET",
            &format!("/Users?filter=userName%20eq%20%22{name}%22"),
            None,
        );
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["totalResults"], 1, "{}", r.text);
        let health = s.raw("GET", &health_url, None, &[]);
        assert_eq!(health.status, 200);
        if busy.load(Ordering::SeqCst) > 0 {
            served_while_busy += 1;
        }
    }
    for h in heavy {
        h.join().unwrap();
    }
    assert!(
        served_while_busy >= 10,
        "tenant B was served {served_while_busy} times while tenant A's writes ran"
    );
    // A's writes all landed.
    let page = s.get("/Users?filter=userName%20sw%20%22a-bulk-%22&count=1");
    assert_eq!(page.body["totalResults"], 2_000, "{}", page.text);
}
