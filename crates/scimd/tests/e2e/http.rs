//! HTTP conventions: authentication, media types, paths in any case, errors.

use crate::server::*;
use serde_json::json;

#[test]
fn missing_or_bad_tokens_get_401() {
    let s = Server::start();
    for auth in [
        None,
        Some("Bearer nope"),
        Some("Basic dXNlcjpwYXNz"),
        Some("Bearer "),
    ] {
        let mut h = vec![("Content-Type", "application/scim+json")];
        if let Some(a) = auth {
            h.push(("Authorization", a));
        }
        let r = s.raw("GET", "/Users", None, &h);
        assert_error(&r, 401, None);
        assert_eq!(r.header("www-authenticate"), Some("Bearer realm=\"scimd\""));
    }
}

#[test]
fn a_bare_scimd_token_is_accepted() {
    // Okta's "Header Auth" mode sends the token without "Bearer".
    let s = Server::start();
    assert_eq!(
        s.raw(
            "GET",
            "/Users",
            None,
            &[("Authorization", &s.token.clone())]
        )
        .status,
        200
    );
}

#[test]
fn revoked_and_expired_tokens_get_401() {
    let s = Server::start();
    // A token born expired is refused; an expired token's 401 ("expired")
    // is checked with a manual clock at the service boundary
    // (scim-service admin_connections tests).
    let (ok, _, err) = s.cli(&[
        "token",
        "create",
        "--tenant",
        "default",
        "--name",
        "short",
        "--expires-in-days",
        "0",
    ]);
    assert!(!ok && err.contains("already expired"), "{err}");
    let (_, out, _) = s.cli(&["token", "create", "--tenant", "default"]);
    let fresh = out.lines().last().unwrap().to_string();
    assert_eq!(
        s.raw(
            "GET",
            "/Users",
            None,
            &[("Authorization", &format!("Bearer {fresh}"))]
        )
        .status,
        200
    );
    let (_, list, _) = s.cli(&["token", "list", "--tenant", "default"]);
    let id = list
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string();
    let (ok, _, _) = s.cli(&["token", "revoke", "--tenant", "default", &id]);
    assert!(ok);
    let r = s.raw(
        "GET",
        "/Users",
        None,
        &[("Authorization", &format!("Bearer {fresh}"))],
    );
    assert_error(&r, 401, None);
    assert!(r.body["detail"].as_str().unwrap().contains("revoked"));
    assert_bearer_challenge(&r);
}

/// A 401 challenges for a bearer token (RFC 6750 §3).
fn assert_bearer_challenge(r: &Resp) {
    let challenge = r.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge == "Bearer" || challenge.starts_with("Bearer "),
        "WWW-Authenticate: {challenge:?}"
    );
}

#[test]
fn media_types() {
    let s = Server::start();
    let auth = format!("Bearer {}", s.token);
    let body = json!({"schemas": [USER], "userName": "m1"}).to_string();
    for ct in [
        "application/json",
        "application/scim+json; charset=utf-8",
        "Application/JSON;charset=UTF-8",
    ] {
        let b = body.replace("m1", &format!("m-{}", ct.len()));
        let r = s.raw(
            "POST",
            "/Users",
            Some(b),
            &[("Authorization", &auth), ("Content-Type", ct)],
        );
        assert_eq!(r.status, 201, "{ct}: {}", r.text);
        assert_eq!(r.header("content-type"), Some("application/scim+json"));
    }
    for ct in ["text/plain", "application/xml", "multipart/form-data"] {
        let r = s.raw(
            "POST",
            "/Users",
            Some(body.clone()),
            &[("Authorization", &auth), ("Content-Type", ct)],
        );
        assert_error(&r, 415, None);
    }
}

#[test]
fn paths_match_in_any_case() {
    let s = Server::start();
    let id = s.create_user("casey");
    assert_eq!(s.get("/users").status, 200);
    assert_eq!(s.get(&format!("/USERS/{id}")).status, 200);
    assert_eq!(s.get("/serviceproviderconfig").status, 200);
    assert_eq!(s.get("/schemas").status, 200);
    assert_eq!(s.get("/Users/").status, 200);
    let r = s.raw(
        "GET",
        &format!("{}/Users", s.base.replace("/scim/v2", "/SCIM/V2")),
        None,
        &[("Authorization", &format!("Bearer {}", s.token))],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn unknown_paths_and_oversize_bodies() {
    let s = Server::start();
    assert_error(&s.get("/Devices"), 404, None);
    assert_error(&s.get("/Devices/1"), 404, None);
    assert_error(
        &s.raw("GET", &s.base.replace("/scim/v2", "/nothing"), None, &[]),
        404,
        None,
    );
    let huge = json!({"schemas": [USER], "userName": "x".repeat(2 * 1024 * 1024)});
    assert_error(&s.post("/Users", &huge), 413, None);
}

#[test]
fn tenants_are_isolated() {
    let s = Server::start();
    let id = s.create_user("private");
    let (ok, _, _) = s.cli(&["tenant", "create", "other"]);
    assert!(ok);
    let (_, out, _) = s.cli(&["token", "create", "--tenant", "other"]);
    let other = out.lines().last().unwrap().to_string();
    let auth = format!("Bearer {other}");
    let h = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/scim+json"),
    ];
    assert_error(&s.raw("GET", &format!("/Users/{id}"), None, &h), 404, None);
    assert_error(
        &s.raw("DELETE", &format!("/Users/{id}"), None, &h),
        404,
        None,
    );
    let list = s.raw(
        "GET",
        "/Users?filter=userName%20eq%20%22private%22",
        None,
        &h,
    );
    assert_eq!(list.body["totalResults"], 0);
    // The same userName may exist in another tenant.
    let r = s.raw(
        "POST",
        "/Users",
        Some(json!({"schemas": [USER], "userName": "private"}).to_string()),
        &h,
    );
    assert_eq!(r.status, 201);
    assert_eq!(s.get("/Users").body["totalResults"], 1);
}
