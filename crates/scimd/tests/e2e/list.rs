//! Listing over HTTP (RFC 7644 §3.4.2): filters in the query string as
//! IdPs encode them (percent-encoding, `+` for spaces), the ListResponse's
//! shape, and invalid filters as SCIM errors. Sorting, paging, cursors,
//! projection and `.search` are tested at the service boundary
//! (`crates/scim-service/tests/service/list.rs`).

use crate::server::*;
use serde_json::json;

fn seed(s: &Server) -> Vec<String> {
    ["carol", "alice", "Bob", "dave", "erin"]
        .iter()
        .map(|n| s.create_user(n))
        .collect()
}

fn names(r: &Resp) -> Vec<String> {
    r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn filters_find_users() {
    let s = Server::start();
    seed(&s);
    let r = s.get("/Users?filter=userName%20eq%20%22ALICE%22");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
    assert_eq!(r.body["totalResults"], 1);
    assert!(
        r.body["totalResults"].is_u64()
            && r.body["startIndex"].is_u64()
            && r.body["itemsPerPage"].is_u64()
    );
    assert_eq!(names(&r), ["alice"]);
    // Okta's existence check, and the filter with '+' for spaces.
    let r = s.get("/Users?filter=userName+eq+%22bob%22&startIndex=1&count=100");
    assert_eq!(names(&r), ["Bob"]);
    // Entra's Test Connection: a random GUID finds nothing, with 200.
    let r = s.get("/Users?filter=userName%20eq%20%22a1b2c3d4-0000-4000-8000-123456789abc%22");
    assert_eq!((r.status, r.body["totalResults"].as_u64()), (200, Some(0)));
    assert_eq!(r.body["Resources"], json!([]));
    let r = s.get(
        "/Users?filter=emails%5Btype%20eq%20%22work%22%5D.value%20eq%20%22dave@example.com%22",
    );
    assert_eq!(names(&r), ["dave"]);
    let r = s.get("/Users?filter=(userName%20sw%20%22a%22%20or%20userName%20sw%20%22b%22)%20and%20not%20(userName%20eq%20%22bob%22)");
    assert_eq!(names(&r), ["alice"]);
    assert_error(
        &s.get("/Users?filter=userName%20eq"),
        400,
        Some("invalidFilter"),
    );
    assert_error(
        &s.get("/Users?filter=nosuch%20eq%20%22x%22"),
        400,
        Some("invalidFilter"),
    );
    assert_error(
        &s.get("/Users?filter=active%20gt%20true"),
        400,
        Some("invalidFilter"),
    );
}
