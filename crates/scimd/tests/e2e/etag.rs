//! Versions and ETags (RFC 7644 §3.14): `If-Match` (412) and `If-None-Match` (304).

use crate::server::*;
use serde_json::json;

fn with(
    s: &Server,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
    header: (&str, &str),
) -> Resp {
    let auth = format!("Bearer {}", s.token);
    s.raw(
        method,
        path,
        body.map(|b| b.to_string()),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/scim+json"),
            header,
        ],
    )
}

#[test]
fn if_match_and_if_none_match() {
    let s = Server::start();
    let id = s.create_user("etag");
    let path = format!("/Users/{id}");
    let patch = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "a"}]});
    let ok = with(
        &s,
        "PATCH",
        &path,
        Some(patch.clone()),
        ("If-Match", "W/\"1\""),
    );
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.header("etag"), Some("W/\"2\""));
    // The stale version now fails, and nothing changes.
    let stale = with(
        &s,
        "PATCH",
        &path,
        Some(
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "b"}]}),
        ),
        ("If-Match", "W/\"1\""),
    );
    assert_error(&stale, 412, None);
    assert_eq!(s.get(&path).body["title"], "a");
    assert_error(
        &with(
            &s,
            "PUT",
            &path,
            Some(json!({"schemas": [USER], "userName": "etag"})),
            ("If-Match", "W/\"1\""),
        ),
        412,
        None,
    );
    assert_error(
        &with(&s, "DELETE", &path, None, ("If-Match", "W/\"1\"")),
        412,
        None,
    );
    assert_eq!(with(&s, "GET", &path, None, ("If-Match", "*")).status, 200);
    // If-None-Match with the current version: 304 without a body.
    let nm = with(&s, "GET", &path, None, ("If-None-Match", "W/\"2\""));
    assert_eq!(nm.status, 304);
    assert!(nm.text.is_empty());
    assert_eq!(
        with(&s, "GET", &path, None, ("If-None-Match", "W/\"1\"")).status,
        200
    );
    assert_eq!(
        with(&s, "DELETE", &path, None, ("If-Match", "W/\"2\"")).status,
        204
    );
}
