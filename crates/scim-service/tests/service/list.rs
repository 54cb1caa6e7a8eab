//! Listing and searching at the service boundary (RFC 7644 §3.4.2,
//! §3.4.3; RFC 9865 cursors): sorting and index paging with their clamps,
//! projection, cursors (also stable under writes between pages), and
//! `.search` per type and across types. The query's text (`+` for spaces,
//! percent-encoding) is the HTTP layer's, tested end to end.

use crate::harness::*;
use serde_json::json;

async fn seed(s: &Idp) -> Vec<String> {
    let mut ids = Vec::new();
    for n in ["carol", "alice", "Bob", "dave", "erin"] {
        ids.push(s.create_person(n).await);
    }
    ids
}

fn names(r: &Answer) -> Vec<String> {
    r.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn sorting_and_index_pagination() {
    let h = Harness::new().await;
    let s = &h.idp;
    seed(s).await;
    assert_eq!(
        names(&s.get("/Users?sortBy=userName").await),
        ["alice", "Bob", "carol", "dave", "erin"]
    );
    assert_eq!(
        names(&s.get("/Users?sortBy=userName&sortOrder=descending").await),
        ["erin", "dave", "carol", "Bob", "alice"]
    );
    let p = s.get("/Users?sortBy=userName&startIndex=2&count=2").await;
    assert_eq!(names(&p), ["Bob", "carol"]);
    assert_eq!(
        (
            p.body["totalResults"].as_u64(),
            p.body["startIndex"].as_u64(),
            p.body["itemsPerPage"].as_u64()
        ),
        (Some(5), Some(2), Some(2))
    );
    let none = s.get("/Users?count=0").await;
    assert_eq!(
        (
            none.body["totalResults"].as_u64(),
            none.body["itemsPerPage"].as_u64()
        ),
        (Some(5), Some(0))
    );
    let past = s.get("/Users?startIndex=99").await;
    assert_eq!(past.body["Resources"], json!([]));
    // Out-of-range values are clamped (RFC 7644 §3.4.2.4).
    let clamped = s.get("/Users?startIndex=-5&count=-1").await;
    assert_eq!(
        (
            clamped.body["startIndex"].as_u64(),
            clamped.body["itemsPerPage"].as_u64()
        ),
        (Some(1), Some(0))
    );
    {
        let e = &s.get("/Users?count=many").await;
        assert_eq!((e.code, scim_type(e)), (400, "invalidValue"), "{}", e.body);
    }
    {
        let e = &s.get("/Users?sortBy=nosuch").await;
        assert_eq!((e.code, scim_type(e)), (400, "invalidValue"), "{}", e.body);
    }
}

#[tokio::test]
async fn projection_on_lists_and_reads() {
    let h = Harness::new().await;
    let s = &h.idp;
    let ids = seed(s).await;
    let r = s
        .get("/Users?attributes=userName&filter=userName%20eq%20%22alice%22")
        .await;
    let u = &r.body["Resources"][0];
    assert_eq!(u["userName"], "alice");
    assert!(u["id"].is_string() && u["schemas"].is_array());
    assert!(u.get("name").is_none() && u.get("meta").is_none());
    let g = s
        .get(&format!("/Users/{}?excludedAttributes=name,emails", ids[0]))
        .await;
    assert!(g.body.get("name").is_none() && g.body.get("emails").is_none());
    assert_eq!(g.body["userName"], "carol");
}

#[tokio::test]
async fn cursor_pagination() {
    let h = Harness::new().await;
    let s = &h.idp;
    seed(s).await;
    let mut seen = Vec::new();
    let mut next = String::new();
    for _ in 0..10 {
        let r = s.get(&format!("/Users?count=2&cursor={next}")).await;
        assert_eq!(r.code, 200, "{}", r.body);
        assert!(r.body.get("startIndex").is_none());
        assert_eq!(r.body["totalResults"], 5);
        seen.extend(names(&r));
        match r.body["nextCursor"].as_str() {
            Some(c) => next = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, ["carol", "alice", "Bob", "dave", "erin"]);
    {
        let e = &s.get("/Users?cursor=not-a-cursor").await;
        assert_eq!((e.code, scim_type(e)), (400, "invalidCursor"), "{}", e.body);
    }
}

/// Users created and deleted between cursor pages: every user present
/// from the first page to the last is listed exactly once, in creation
/// order, whether the churn lands before or after the cursor.
#[tokio::test]
async fn cursor_pages_are_stable_under_writes() {
    let h = Harness::new().await;
    let s = &h.idp;
    let stable: Vec<String> = (0..12).map(|i| format!("stable{i:02}")).collect();
    let mut doomed = Vec::new();
    for (i, name) in stable.iter().enumerate() {
        s.create_person(name).await;
        // Interleaved users that will be deleted while paging.
        if i % 3 == 0 {
            doomed.push(s.create_person(&format!("doomed{i:02}")).await);
        }
    }
    let mut seen: Vec<String> = Vec::new();
    let mut next = String::new();
    let mut page = 0;
    loop {
        let r = s.get(&format!("/Users?count=3&cursor={next}")).await;
        assert_eq!(r.code, 200, "{}", r.body);
        seen.extend(names(&r));
        // Between pages: delete one interleaved user (behind or ahead of
        // the cursor) and create a new one.
        if let Some(id) = doomed.pop() {
            assert_eq!(s.delete(&format!("/Users/{id}")).await.code, 204);
        }
        s.create_person(&format!("new{page:02}")).await;
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

#[tokio::test]
async fn search_with_post() {
    let h = Harness::new().await;
    let s = &h.idp;
    seed(s).await;
    let g = s.create_group("Admins", &[]).await;
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName sw \"a\"", "attributes": ["userName"], "startIndex": 1, "count": 10});
    let r = s.post("/Users/.search", &body).await;
    assert_eq!(r.code, 200, "{}", r.body);
    assert_eq!(names(&r), ["alice"]);
    let all = s.post("/.search", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "id pr", "count": 100})).await;
    assert_eq!(all.body["totalResults"], 6);
    assert!(all.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == g.as_str()));
    let bad = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq"});
    let r = s.post("/Users/.search", &bad).await;
    assert_eq!(
        (r.code, scim_type(&r)),
        (400, "invalidFilter"),
        "{}",
        r.body
    );
    // RFC 7644 §3.4.2's root query, unquoted as published (Entra's
    // tolerance) and quoted, and each resource type alone.
    let search = |filter: &str| {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter, "count": 100});
        async move { s.post("/.search", &body).await }
    };
    let kinds = |r: &Answer| {
        let mut k: Vec<String> = r.body["Resources"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.body))
            .iter()
            .map(|x| x["meta"]["resourceType"].as_str().unwrap().to_string())
            .collect();
        k.sort();
        k.dedup();
        (r.body["totalResults"].as_u64(), k)
    };
    let both = (Some(6), vec!["Group".to_string(), "User".to_string()]);
    assert_eq!(
        kinds(&search("(meta.resourceType eq User) or (meta.resourceType eq Group)").await),
        both
    );
    assert_eq!(
        kinds(&search(r#"(meta.resourceType eq "User") or (meta.resourceType eq "Group")"#).await),
        both
    );
    assert_eq!(
        kinds(&search(r#"meta.resourceType eq "Group""#).await),
        (Some(1), vec!["Group".to_string()])
    );
    // caseExact, as scimd defines meta.resourceType.
    assert_eq!(
        kinds(&search(r#"meta.resourceType eq "group""#).await),
        (Some(0), vec![])
    );
    assert_eq!(
        kinds(&search("meta.resourceType eq User").await),
        (Some(5), vec!["User".to_string()])
    );
    assert_eq!(kinds(&search("meta.resourceType ne User").await).0, Some(1));
    // §3.7.1's single-quoted value: a positioned 400 invalidFilter.
    let r = s.get("/Groups?filter=displayName%20sw%20'Admins'").await;
    {
        let e = &r;
        assert_eq!((e.code, scim_type(e)), (400, "invalidFilter"), "{}", e.body);
    }
    assert!(
        r.body["detail"].as_str().unwrap().contains("position 16"),
        "{}",
        r.body
    );
}
