//! Hostile input: every malformed request gets a 4xx (a SCIM error where
//! the request reached scimd's handlers) and the server stays healthy.

use crate::server::*;
use serde_json::json;
use std::io::{Read, Write};

/// Sends a request over a raw socket (for bodies and headers a client library refuses).
fn raw_request(s: &Server, method: &str, target: &str, extra_headers: &str, body: Vec<u8>) -> Resp {
    let auth = format!("Bearer {}", s.token);
    let addr = s
        .base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut sock = std::net::TcpStream::connect(&addr).unwrap();
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {auth}\r\nContent-Type: application/scim+json\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // The server may answer and close before it read everything: that is fine.
    let _ = sock
        .write_all(head.as_bytes())
        .and_then(|()| sock.write_all(&body));
    let mut out = Vec::new();
    let _ = sock.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status: u16 = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body_text = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Resp {
        status,
        headers: Default::default(),
        body: serde_json::from_str(&body_text).unwrap_or_default(),
        text: body_text,
    }
}

fn raw_body(s: &Server, method: &str, path: &str, body: Vec<u8>) -> Resp {
    raw_request(s, method, &format!("/scim/v2{path}"), "", body)
}

fn scim_4xx(r: &Resp, what: &str) {
    assert!(
        (400..500).contains(&r.status),
        "{what}: {} {}",
        r.status,
        r.text
    );
    assert_eq!(
        r.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
        "{what}: {}",
        r.text
    );
    assert_eq!(r.body["status"], r.status.to_string(), "{what}");
}

fn healthy(s: &Server) {
    assert_eq!(s.get("/ServiceProviderConfig").status, 200);
}

#[test]
fn malformed_bodies() {
    let s = Server::start();
    let auth = format!("Bearer {}", s.token);
    let h = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/scim+json"),
    ];
    for (what, body) in [
        ("truncated JSON", "{\"schemas\":".to_string()),
        ("trailing garbage", "{} {}".to_string()),
        ("not an object", "\"user\"".to_string()),
        ("empty body", String::new()),
        ("deeply nested arrays", "[".repeat(100_000) + &"]".repeat(100_000)),
        ("deeply nested objects", "{\"a\":".repeat(5000) + "1" + &"}".repeat(5000)),
        ("wrong types", json!({"schemas": [USER], "userName": "x", "name": 5}).to_string()),
        ("active as an object", json!({"schemas": [USER], "userName": "x", "active": {"a": 1}}).to_string()),
        ("schemas not an array", json!({"schemas": USER, "userName": "x"}).to_string()),
        ("a number too large", "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"x\",\"x509Certificates\":1e999999}".to_string()),
    ] {
        let r = s.raw("POST", "/Users", Some(body), &h);
        scim_4xx(&r, what);
    }
    let r = raw_body(
        &s,
        "POST",
        "/Users",
        b"{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"\xff\xfe\"}"
            .to_vec(),
    );
    scim_4xx(&r, "invalid UTF-8");
    let r = raw_body(&s, "PATCH", "/Users/x", vec![0u8; 64]);
    scim_4xx(&r, "NUL bytes");
    let huge = vec![b' '; 3 * 1024 * 1024];
    let r = raw_body(&s, "POST", "/Users", huge);
    assert_eq!(r.status, 413);
    healthy(&s);
}

#[test]
fn malformed_queries() {
    let s = Server::start();
    let deep = format!("{}userName pr{}", "(".repeat(200), ")".repeat(200));
    let enc = |f: &str| {
        f.replace(' ', "%20")
            .replace('"', "%22")
            .replace('(', "%28")
            .replace(')', "%29")
    };
    for (what, q) in [
        (
            "filter past the depth limit",
            format!("filter={}", enc(&deep)),
        ),
        (
            "filter past the length limit",
            format!("filter=userName%20eq%20%22{}%22", "a".repeat(20_000)),
        ),
        (
            "many comparisons",
            format!("filter={}", enc(&vec!["userName pr"; 600].join(" or "))),
        ),
        (
            "invalid UTF-8 in a filter",
            "filter=userName%20eq%20%22%FF%FE%22%20and".to_string(),
        ),
        (
            "unknown operator",
            "filter=userName%20like%20%22a%22".to_string(),
        ),
        ("non-numeric count", "count=lots".to_string()),
        (
            "bad sortOrder",
            "sortBy=userName&sortOrder=sideways".to_string(),
        ),
        ("bad attributes", "attributes=a%20b".to_string()),
        ("bad cursor", "cursor=%00%01".to_string()),
    ] {
        let r = s.get(&format!("/Users?{q}"));
        scim_4xx(&r, what);
    }
    // An oversize count is reduced to the advertised maximum, not refused.
    let r = s.get("/Users?count=99999999999");
    assert_eq!(r.status, 200);
    healthy(&s);
}

#[test]
fn malformed_patch_and_bulk() {
    let s = Server::start();
    let id = s.create_user("target");
    let path = format!("/Users/{id}");
    for (what, ops) in [
        ("op not a string", json!([{"op": 1}])),
        ("unknown op", json!([{"op": "move", "path": "title"}])),
        (
            "path not a string",
            json!([{"op": "add", "path": ["x"], "value": 1}]),
        ),
        (
            "broken path filter",
            json!([{"op": "remove", "path": "emails[type eq \"work\""}]),
        ),
        (
            "path-less add with a scalar",
            json!([{"op": "add", "value": 3}]),
        ),
        (
            "too deep path filter",
            json!([{"op": "remove", "path": format!("emails[{}type pr{}]", "(".repeat(100), ")".repeat(100))}]),
        ),
    ] {
        scim_4xx(&s.patch(&path, ops), what);
    }
    let many: Vec<_> = (0..20_000)
        .map(|_| json!({"op": "add", "path": "title", "value": "x"}))
        .collect();
    scim_4xx(&s.patch(&path, json!(many)), "too many operations");
    for (what, body) in [
        (
            "bulk without Operations",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]}),
        ),
        (
            "bulk failOnErrors negative",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "failOnErrors": -1, "Operations": []}),
        ),
        (
            "bulk operation not an object",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [1]}),
        ),
        (
            "bulk duplicate bulkId",
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": {}}, {"method": "POST", "path": "/Users", "bulkId": "a", "data": {}}]}),
        ),
    ] {
        scim_4xx(&s.post("/Bulk", &body), what);
    }
    let big: Vec<_> = (0..500).map(|i| json!({"method": "POST", "path": "/Users", "data": {"schemas": [USER], "userName": format!("u{i}"), "title": "x".repeat(2500)}})).collect();
    let r = s.post("/Bulk", &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": big}));
    assert_eq!(r.status, 413, "{}", &r.text[..r.text.len().min(200)]);
    healthy(&s);
}

#[test]
fn header_abuse() {
    let s = Server::start();
    let long = format!("X-Long: {}\r\n", "x".repeat(200 * 1024));
    let r = raw_request(&s, "GET", "/scim/v2/Users", &long, Vec::new());
    assert!((400..500).contains(&r.status), "{}", r.status);
    let many: String = (0..300).map(|i| format!("X-Junk-{i}: v\r\n")).collect();
    let r = raw_request(&s, "GET", "/scim/v2/Users", &many, Vec::new());
    assert!((400..500).contains(&r.status), "{}", r.status);
    let r = raw_request(
        &s,
        "GET",
        "/scim/v2/Users",
        "Content-Length: 5\r\n",
        Vec::new(),
    );
    assert!(
        (400..500).contains(&r.status),
        "conflicting lengths: {}",
        r.status
    );
    let r = raw_request(
        &s,
        "GET",
        &format!("/scim/v2/Users/{}", "a".repeat(100_000)),
        "",
        Vec::new(),
    );
    assert!((400..500).contains(&r.status), "long URI: {}", r.status);
    let r = raw_request(
        &s,
        "GET",
        "/scim/v2/Users",
        "X-Bad: a\u{1}b\r\n",
        Vec::new(),
    );
    assert!(
        (400..500).contains(&r.status),
        "control character: {}",
        r.status
    );
    healthy(&s);
}

/// Bulk references are resolved once, in linear time: 1,000 operations
/// each naming 40 bulkIds that no operation carries are all answered (409,
/// "does not resolve"), and a chain and a circle behave as RFC 7644 §3.7
/// says.
#[test]
fn bulk_references_by_the_thousand_are_answered() {
    let s = Server::start();
    // The references ride in `schemas` (any string counts), so that 40 of
    // them fit 1,000 times in the 1 MiB a Bulk request may carry.
    let ops: Vec<serde_json::Value> = (0..1_000)
        .map(|i| {
            let refs: Vec<String> = (0..40).map(|k| format!("bulkId:{i}x{k}")).collect();
            json!({"method": "POST", "path": "/Users", "bulkId": format!("op{i}"),
                   "data": {"schemas": refs, "userName": format!("bulk-ref-{i}")}})
        })
        .collect();
    let r = s.post(
        "/Bulk",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let results = r.body["Operations"].as_array().unwrap();
    assert_eq!(results.len(), 1_000);
    assert!(results.iter().all(|o| o["status"] == "409"
        && o["response"]["detail"]
            .as_str()
            .unwrap()
            .contains("does not resolve")));
    // A chain resolves backwards; a circle does not resolve at all.
    let group = |name: &str, member: &str| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": [{"value": member}]});
    let ops = json!([
        {"method": "POST", "path": "/Groups", "bulkId": "g1", "data": group("chain-1", "bulkId:g2")},
        {"method": "POST", "path": "/Groups", "bulkId": "g2", "data": group("chain-2", "bulkId:u")},
        {"method": "POST", "path": "/Users", "bulkId": "u", "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "chain-user"}},
        {"method": "POST", "path": "/Groups", "bulkId": "c1", "data": group("circle-1", "bulkId:c2")},
        {"method": "POST", "path": "/Groups", "bulkId": "c2", "data": group("circle-2", "bulkId:c1")}
    ]);
    let r = s.post(
        "/Bulk",
        &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops}),
    );
    let statuses: Vec<&str> = r.body["Operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["201", "201", "201", "409", "409"], "{}", r.text);
    healthy(&s);
}
