//! Hostile tenants (issue 16): sizes. One attribute value is bounded (a
//! 400 with a SCIM error, however it is sent), and so are the bytes of a
//! list page: it holds fewer resources, `itemsPerPage` says how many, and
//! both kinds of paging continue exactly where it stopped.

use crate::server::*;
use serde_json::{json, Value};

/// Pages through `/Users` (by `startIndex`, or by cursor); returns the
/// userNames seen, in order, and each page's size in bytes and items.
fn all_pages(s: &Server, cursor: bool) -> (Vec<String>, Vec<(usize, u64)>) {
    let mut names = Vec::new();
    let mut pages = Vec::new();
    let mut next = if cursor {
        "/Users?count=100&cursor".to_string()
    } else {
        "/Users?count=100&startIndex=1".to_string()
    };
    for _ in 0..50 {
        let r = s.get(&next);
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["itemsPerPage"].as_u64().unwrap();
        let resources = r.body["Resources"].as_array().unwrap();
        assert_eq!(items, resources.len() as u64);
        names.extend(
            resources
                .iter()
                .map(|u| u["userName"].as_str().unwrap().to_string()),
        );
        pages.push((r.text.len(), items));
        next = match (cursor, r.body.get("nextCursor").and_then(Value::as_str)) {
            (true, Some(c)) => format!("/Users?count=100&cursor={c}"),
            (false, _) if (names.len() as u64) < r.body["totalResults"].as_u64().unwrap() => {
                let start = r.body["startIndex"].as_u64().unwrap() + items;
                format!("/Users?count=100&startIndex={start}")
            }
            _ => break,
        };
    }
    (names, pages)
}

/// Issue 16 (6): a page's bytes are bounded; the paging stays exact.
#[test]
fn list_pages_are_bounded_in_bytes() {
    let cap = 200_000;
    let s = Server::start_with(&["--max-page-bytes", &cap.to_string()]);
    let title = "t".repeat(50_000);
    let want: Vec<String> = (0..12).map(|i| format!("big-{i:02}")).collect();
    for name in &want {
        let u = json!({"schemas": [USER], "userName": name, "title": title});
        assert_eq!(s.post("/Users", &u).status, 201);
    }
    for cursor in [false, true] {
        let (names, pages) = all_pages(&s, cursor);
        assert_eq!(names, want, "cursor paging: {cursor}");
        assert!(pages.len() >= 3, "{pages:?}");
        for (bytes, items) in &pages {
            assert!(*items >= 1 && *items < 12, "{pages:?}");
            assert!(*bytes <= cap + 60_000, "{pages:?}");
        }
    }
}

/// Issue 16 (6): one attribute value is bounded, however it is sent.
#[test]
fn an_attribute_value_is_bounded() {
    let s = Server::start();
    let id = s.create_user("small");
    let path = format!("/Users/{id}");
    let huge = "h".repeat(70_000);
    let fine = "f".repeat(60_000);
    let refused = [
        s.post("/Users", &json!({"schemas": [USER], "userName": "huge", "title": huge})),
        s.put(&path, &json!({"schemas": [USER], "userName": "small", "title": huge})),
        s.patch(&path, json!([{"op": "replace", "path": "title", "value": huge}])),
        s.patch(&path, json!([{"op": "replace", "value": {"title": huge}}])),
        s.post("/Bulk", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "b", "data": {"schemas": [USER], "userName": "b", "title": huge}}]})),
        s.post("/Users", &json!({"schemas": [USER], "userName": "k", huge.clone(): 1})),
    ];
    for r in &refused {
        assert_error(r, 400, Some("invalidValue"));
        let detail = r.body["detail"].as_str().unwrap();
        assert!(
            detail.contains("70000 bytes") && detail.contains("65536"),
            "{detail}"
        );
        assert!(r.text.len() < 1000, "the refusal does not echo the value");
    }
    let ok = s.patch(
        &path,
        json!([{"op": "replace", "path": "title", "value": fine}]),
    );
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(
        s.get("/Users?filter=userName%20eq%20%22huge%22").body["totalResults"],
        0
    );
}
