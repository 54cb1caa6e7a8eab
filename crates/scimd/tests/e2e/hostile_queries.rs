//! Hostile tenants (issue 16, item 5): queries. The request's deadline
//! really bounds a query: an index-led lookup whose remainder is heavy
//! leaves the async workers after a moment and stops at the deadline,
//! scans stop there too, and the connections they held serve the next
//! requests, another tenant's among them.

use crate::server::*;
use serde_json::{json, Value};

const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

#[test]
fn heavy_queries_stop_at_the_request_deadline() {
    let s = Server::start_with(&["--request-timeout", "2"]);
    s.cli_ok(&["tenant", "create", "quiet"]);
    let quiet = s.token_for("quiet", "default");
    let quiet_id = {
        let u = json!({"schemas": [USER], "userName": "q"});
        let r = s.req_as(&quiet, "POST", "/Users", Some(&u));
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().unwrap().to_string()
    };
    // Users with 4,000 emails each, and a filter of 500 `co` terms that
    // every one of those emails is tested against (2M tests a user: many
    // seconds without the deadline). A create that a busy machine stopped
    // at the 2 s deadline (503) is sent again.
    for i in 0..3 {
        let emails: Vec<Value> = (0..4_000)
            .map(|n| json!({"value": format!("u{i}.{n}@example.com")}))
            .collect();
        let u = json!({"schemas": [USER], "userName": format!("heavy-{i}"), "emails": emails});
        let mut status = 0;
        for _ in 0..5 {
            status = s.post("/Users", &u).status;
            if status != 503 {
                break;
            }
        }
        assert_eq!(status, 201);
    }
    let terms: Vec<String> = (0..500).map(|n| format!("emails co \"zq{n}\"")).collect();
    let terms = terms.join(" or ");
    let indexed = format!("userName eq \"heavy-0\" and ({terms})");
    let scan = format!("userName co \"heavy\" and ({terms})");
    // More at once than the store has read connections.
    let answers: Vec<Resp> = std::thread::scope(|scope| {
        let asks: Vec<_> = (0..6)
            .map(|n| {
                let filter = if n % 2 == 0 { &indexed } else { &scan };
                let body = json!({"schemas": [SEARCH], "filter": filter});
                let s = &s;
                scope.spawn(move || s.post("/Users/.search", &body))
            })
            .collect();
        asks.into_iter().map(|a| a.join().unwrap()).collect()
    });
    for r in &answers {
        assert_error(r, 503, None);
        assert_eq!(r.header("retry-after"), Some("1"), "{}", r.text);
    }
    // The stopped queries gave their connections back: a scan and a
    // lookup of another tenant are answered within the same deadline.
    let list = s.req_as(&quiet, "GET", "/Users", None);
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body["totalResults"], 1);
    let one = s.req_as(&quiet, "GET", &format!("/Users/{quiet_id}"), None);
    assert_eq!(one.status, 200, "{}", one.text);
    let found = s.get("/Users?filter=userName%20eq%20%22heavy-1%22&attributes=userName");
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(found.body["totalResults"], 1);
}
