//! The console's defences over HTTP against the real router: error pages
//! carry the same security headers as pages, the sign-in form is protected
//! against login CSRF, what a client typed is escaped exactly once, and the
//! JSON API takes only JSON.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::{HeaderMap, Request};
use http_body_util::BodyExt;
use scim_http::{router_with, AppState};
use scim_service::console::AdminKind;
use scim_service::Operator;
use scim_store::memory::MemoryStore;
use std::sync::Arc;
use tower::ServiceExt;

const PW: &str = "correct horse battery";

async fn state() -> AppState {
    let op = Operator::new(Arc::new(MemoryStore::new()), Default::default()).unwrap();
    op.bootstrap().await.unwrap();
    op.system()
        .create_admin("root", PW, AdminKind::Super, None)
        .await
        .unwrap();
    op.system()
        .create_admin("bob", PW, AdminKind::Owner, Some("default"))
        .await
        .unwrap();
    AppState {
        service: op.service(),
        public_url: None,
        scheme: "http",
        limits: Default::default(),
        metrics: Default::default(),
        proxies: Default::default(),
    }
}

async fn call(st: &AppState, req: Request<Body>) -> (u16, HeaderMap, String) {
    let resp = router_with(st.clone(), scim_admin::routes())
        .oneshot(req)
        .await
        .unwrap();
    let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn form_post(path: &str, cookie: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", cookie)
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// The sign-in form: its cookie pair and its CSRF token.
async fn sign_in_form(st: &AppState) -> (String, String) {
    let (status, h, text) = call(
        st,
        Request::get("/admin/login").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let set = h["set-cookie"].to_str().unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/admin/login"] {
        assert!(set.contains(flag), "{set}");
    }
    let pair = set.split(';').next().unwrap().to_string();
    let token = pair.split_once('=').unwrap().1.to_string();
    assert!(
        text.contains(&format!(r#"name="csrf" value="{token}""#)),
        "{text}"
    );
    (pair, token)
}

/// Signs in through the form; returns the session cookie pair.
async fn sign_in(st: &AppState, user: &str) -> String {
    let (pair, token) = sign_in_form(st).await;
    let body = format!("username={user}&password=correct+horse+battery&csrf={token}");
    let (status, h, text) = call(st, form_post("/admin/login", &pair, &body)).await;
    assert_eq!(status, 303, "{text}");
    h["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

fn secured(h: &HeaderMap, what: &str) {
    for (name, expected) in [
        ("cache-control", "no-store"),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ] {
        assert_eq!(
            h.get(name).map(|v| v.to_str().unwrap()),
            Some(expected),
            "{what}: {name}"
        );
    }
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
}

#[tokio::test]
async fn error_pages_carry_the_security_headers() {
    let st = state().await;
    let bob = sign_in(&st, "bob").await;
    let get = |path: &str| {
        Request::get(path)
            .header("cookie", &bob)
            .body(Body::empty())
            .unwrap()
    };
    // A page, a 403 (another tenant), a 404 (no such user), a refused form
    // post (no CSRF field), and a page whose query an extractor refuses.
    let (status, h, _) = call(&st, get("/admin/t/default/connections")).await;
    assert_eq!(status, 200);
    secured(&h, "page");
    let other = call(&st, get("/admin/t/other/connections")).await;
    assert_eq!(other.0, 403, "{}", other.2);
    secured(&other.1, "403 page");
    let missing = call(&st, get("/admin/t/default/users/nope")).await;
    assert_eq!(missing.0, 404, "{}", missing.2);
    secured(&missing.1, "404 page");
    let refused = call(&st, form_post("/admin/tenants", &bob, "name=x")).await;
    assert_eq!(refused.0, 403);
    secured(&refused.1, "CSRF refusal");
    let bad = call(&st, get("/admin/t/default/audit?since=yesterday")).await;
    assert!((400..500).contains(&bad.0), "{}", bad.2);
    secured(&bad.1, "bad query");
    // The sign-in page and its refusals too.
    let (_, h, _) = call(&st, form_post("/admin/login", "", "username=root")).await;
    secured(&h, "sign-in refusal");
}

#[tokio::test]
async fn the_sign_in_form_needs_its_csrf_token() {
    let st = state().await;
    let body = "username=root&password=correct+horse+battery";
    // A form posted from elsewhere: no cookie, no field.
    let (status, h, text) = call(&st, form_post("/admin/login", "", body)).await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("sign-in form"), "{text}");
    assert!(h.get("set-cookie").is_none());
    // The field without the cookie, or a different one, is refused too.
    let (pair, token) = sign_in_form(&st).await;
    let with = format!("{body}&csrf={token}");
    assert_eq!(call(&st, form_post("/admin/login", "", &with)).await.0, 403);
    let (other_pair, _) = sign_in_form(&st).await;
    assert_eq!(
        call(&st, form_post("/admin/login", &other_pair, &with))
            .await
            .0,
        403
    );
    let (status, h, _) = call(&st, form_post("/admin/login", &pair, &with)).await;
    assert_eq!(status, 303);
    assert!(h["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("scimd_session="));
}

#[tokio::test]
async fn a_refused_username_is_escaped_once() {
    let st = state().await;
    let (pair, token) = sign_in_form(&st).await;
    let body = format!("username=%3Cb%3E%26x&password=wrong+password+here&csrf={token}");
    let (status, h, text) = call(&st, form_post("/admin/login", &pair, &body)).await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains(r#"value="&lt;b&gt;&amp;x""#), "{text}");
    assert!(!text.contains("&amp;lt;"), "{text}");
    // The form shown again carries a new token and its cookie.
    let set = h["set-cookie"].to_str().unwrap();
    assert!(
        set.starts_with("scimd_login_csrf=") && !set.contains(&token),
        "{set}"
    );
}

#[tokio::test]
async fn the_api_takes_only_json() {
    let st = state().await;
    let login = |ct: &str| {
        Request::post("/admin/api/login")
            .header("content-type", ct)
            .body(Body::from(
                serde_json::json!({"username": "root", "password": PW}).to_string(),
            ))
            .unwrap()
    };
    // What a cross-site form can send without a preflight.
    for ct in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ] {
        let (status, _, text) = call(&st, login(ct)).await;
        assert_eq!(status, 415, "{ct}: {text}");
    }
    let (status, _, text) = call(&st, login("application/json; charset=utf-8")).await;
    assert_eq!(status, 200, "{text}");
}
