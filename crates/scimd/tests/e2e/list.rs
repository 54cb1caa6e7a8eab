//! Listing and searching (RFC 7644 §3.4.2, §3.4.3; RFC 9865 cursors).

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

#[test]
fn sorting_and_index_pagination() {
    let s = Server::start();
    seed(&s);
    assert_eq!(
        names(&s.get("/Users?sortBy=userName")),
        ["alice", "Bob", "carol", "dave", "erin"]
    );
    assert_eq!(
        names(&s.get("/Users?sortBy=userName&sortOrder=descending")),
        ["erin", "dave", "carol", "Bob", "alice"]
    );
    let p = s.get("/Users?sortBy=userName&startIndex=2&count=2");
    assert_eq!(names(&p), ["Bob", "carol"]);
    assert_eq!(
        (
            p.body["totalResults"].as_u64(),
            p.body["startIndex"].as_u64(),
            p.body["itemsPerPage"].as_u64()
        ),
        (Some(5), Some(2), Some(2))
    );
    let none = s.get("/Users?count=0");
    assert_eq!(
        (
            none.body["totalResults"].as_u64(),
            none.body["itemsPerPage"].as_u64()
        ),
        (Some(5), Some(0))
    );
    let past = s.get("/Users?startIndex=99");
    assert_eq!(past.body["Resources"], json!([]));
    // Out-of-range values are clamped (RFC 7644 §3.4.2.4).
    let clamped = s.get("/Users?startIndex=-5&count=-1");
    assert_eq!(
        (
            clamped.body["startIndex"].as_u64(),
            clamped.body["itemsPerPage"].as_u64()
        ),
        (Some(1), Some(0))
    );
    assert_error(&s.get("/Users?count=many"), 400, Some("invalidValue"));
    assert_error(&s.get("/Users?sortBy=nosuch"), 400, Some("invalidValue"));
}

#[test]
fn projection_on_lists_and_reads() {
    let s = Server::start();
    let ids = seed(&s);
    let r = s.get("/Users?attributes=userName&filter=userName%20eq%20%22alice%22");
    let u = &r.body["Resources"][0];
    assert_eq!(u["userName"], "alice");
    assert!(u["id"].is_string() && u["schemas"].is_array());
    assert!(u.get("name").is_none() && u.get("meta").is_none());
    let g = s.get(&format!("/Users/{}?excludedAttributes=name,emails", ids[0]));
    assert!(g.body.get("name").is_none() && g.body.get("emails").is_none());
    assert_eq!(g.body["userName"], "carol");
}

#[test]
fn cursor_pagination() {
    let s = Server::start();
    seed(&s);
    let mut seen = Vec::new();
    let mut next = String::new();
    for _ in 0..10 {
        let r = s.get(&format!("/Users?count=2&cursor={next}"));
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.body.get("startIndex").is_none());
        assert_eq!(r.body["totalResults"], 5);
        seen.extend(names(&r));
        match r.body["nextCursor"].as_str() {
            Some(c) => next = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, ["carol", "alice", "Bob", "dave", "erin"]);
    assert_error(
        &s.get("/Users?cursor=not-a-cursor"),
        400,
        Some("invalidCursor"),
    );
}

/// Users created and deleted between cursor pages: every user present
/// from the first page to the last is listed exactly once, in creation
/// order, whether the churn lands before or after the cursor.
#[test]
fn cursor_pages_are_stable_under_writes() {
    let s = Server::start();
    let stable: Vec<String> = (0..12).map(|i| format!("stable{i:02}")).collect();
    let mut doomed = Vec::new();
    for (i, name) in stable.iter().enumerate() {
        s.create_user(name);
        // Interleaved users that will be deleted while paging.
        if i % 3 == 0 {
            doomed.push(s.create_user(&format!("doomed{i:02}")));
        }
    }
    let mut seen: Vec<String> = Vec::new();
    let mut next = String::new();
    let mut page = 0;
    loop {
        let r = s.get(&format!("/Users?count=3&cursor={next}"));
        assert_eq!(r.status, 200, "{}", r.text);
        seen.extend(names(&r));
        // Between pages: delete one interleaved user (behind or ahead of
        // the cursor) and create a new one.
        if let Some(id) = doomed.pop() {
            assert_eq!(s.delete(&format!("/Users/{id}")).status, 204);
        }
        s.create_user(&format!("new{page:02}"));
        page += 1;
        assert!(page < 50, "the cursor never ends: {seen:?}");
        match r.body["nextCursor"].as_str() {
            Some(c) => next = c.to_string(),
            None => break,
        }
    }
    let listed: Vec<&String> = seen.iter().filter(|n| n.starts_with("stable")).collect();
    let want: Vec<&String> = stable.iter().collect();
    assert_eq!(listed, want, "all pages: {seen:?}");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "a user listed twice: {seen:?}");
}

#[test]
fn search_with_post() {
    let s = Server::start();
    seed(&s);
    let g = s.create_group("Admins", &[]);
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName sw \"a\"", "attributes": ["userName"], "startIndex": 1, "count": 10});
    let r = s.post("/Users/.search", &body);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(names(&r), ["alice"]);
    let all = s.post("/.search", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "id pr", "count": 100}));
    assert_eq!(all.body["totalResults"], 6);
    assert!(all.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == g.as_str()));
    assert_error(&s.post("/Users/.search", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq"})), 400, Some("invalidFilter"));
    // RFC 7644 §3.4.2's root query, unquoted as published (Entra's
    // tolerance) and quoted, and each resource type alone.
    let search = |filter: &str| {
        s.post("/.search", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter, "count": 100}))
    };
    let kinds = |r: &Resp| {
        let mut k: Vec<String> = r.body["Resources"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.text))
            .iter()
            .map(|x| x["meta"]["resourceType"].as_str().unwrap().to_string())
            .collect();
        k.sort();
        k.dedup();
        (r.body["totalResults"].as_u64(), k)
    };
    let both = (Some(6), vec!["Group".to_string(), "User".to_string()]);
    assert_eq!(
        kinds(&search(
            "(meta.resourceType eq User) or (meta.resourceType eq Group)"
        )),
        both
    );
    assert_eq!(
        kinds(&search(
            r#"(meta.resourceType eq "User") or (meta.resourceType eq "Group")"#
        )),
        both
    );
    assert_eq!(
        kinds(&search(r#"meta.resourceType eq "Group""#)),
        (Some(1), vec!["Group".to_string()])
    );
    // caseExact, as scimd defines meta.resourceType.
    assert_eq!(
        kinds(&search(r#"meta.resourceType eq "group""#)),
        (Some(0), vec![])
    );
    assert_eq!(
        kinds(&search("meta.resourceType eq User")),
        (Some(5), vec!["User".to_string()])
    );
    assert_eq!(kinds(&search("meta.resourceType ne User")).0, Some(1));
    // §3.7.1's single-quoted value: a positioned 400 invalidFilter.
    let r = s.get("/Groups?filter=displayName%20sw%20'Admins'");
    assert_error(&r, 400, Some("invalidFilter"));
    assert!(
        r.body["detail"].as_str().unwrap().contains("position 16"),
        "{}",
        r.text
    );
}
