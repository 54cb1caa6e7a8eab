//! PATCH (RFC 7644 §3.5.2) over HTTP: the status and `ETag` of the answer,
//! `attributes` from the query, and the 204 an Entra client gets for a
//! group, recognised by the `aadOptscim062020` query flag or its
//! `User-Agent` header. The PATCH rules, errors, dialects and the profile
//! table are tested at the service boundary
//! (`crates/scim-service/tests/service/patch.rs`).

use crate::server::*;
use serde_json::{json, Value};

#[test]
fn patch_answers_200_with_the_resource() {
    let s = Server::start();
    let id = s.create_user("pat");
    let path = format!("/Users/{id}");
    let r = s.patch(
        &path,
        json!([{"op": "replace", "path": "active", "value": false}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.header("etag"), Some("W/\"2\""));
    // attributes on PATCH shape the response.
    let p = s.req("PATCH", &format!("{path}?attributes=userName"), Some(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title", "value": "T"}]})));
    assert_eq!(p.status, 200);
    assert!(p.body.get("title").is_none() && p.body["userName"] == "pat");
    assert_eq!(s.get(&path).body["title"], "T");
}

/// A PATCH that sends exactly the User-Agent given (none when `None`);
/// returns the status, the `ETag` and the body text.
fn patch_as(s: &Server, path: &str, ua: Option<&str>, ops: Value) -> (u16, Option<String>, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(ureq::config::AutoHeaderValue::None)
        .build()
        .into();
    let body = json!({"schemas": [PATCH_OP], "Operations": ops}).to_string();
    let mut req = ureq::http::Request::builder()
        .method("PATCH")
        .uri(format!("{}{path}", s.base))
        .header("Authorization", format!("Bearer {}", s.token))
        .header("Content-Type", "application/scim+json");
    if let Some(ua) = ua {
        req = req.header("User-Agent", ua);
    }
    let mut resp = agent.run(req.body(body).unwrap()).unwrap();
    let status = resp.status().as_u16();
    let etag = resp
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (
        status,
        etag,
        resp.body_mut().read_to_string().unwrap_or_default(),
    )
}

#[test]
fn entra_group_patch_answers_204_by_flag_and_user_agent() {
    let s = Server::start();
    let group = s.create_group("entra-204", &[]);
    // (query, User-Agent, expected status)
    let table: &[(&str, Option<&str>, u16)] = &[
        ("?aadOptscim062020", None, 204),
        ("", Some("Microsoft Azure AD SCIM Client"), 204),
        ("", None, 200),
    ];
    for (i, (query, ua, want)) in table.iter().enumerate() {
        let value = format!("v{i}");
        let ops = json!([{"op": "replace", "path": "displayName", "value": value}]);
        let path = format!("/Groups/{group}{query}");
        let (status, etag, text) = patch_as(&s, &path, *ua, ops);
        let row = format!("row {i}: {path} {ua:?}: {status} {text}");
        assert_eq!(status, *want, "{row}");
        assert!(etag.is_some(), "{row}");
        assert_eq!(text.is_empty(), *want == 204, "{row}");
        assert_eq!(
            s.get(&format!("/Groups/{group}")).body["displayName"],
            value.as_str(),
            "{row}"
        );
    }
}
