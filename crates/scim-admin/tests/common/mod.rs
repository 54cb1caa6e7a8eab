//! Helpers of the HTTP tests: a served state with admins and a token,
//! requests through the real router, sign-in, API calls and form posts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use scim_http::{router_with, AppState};
use scim_service::console::AdminKind;
use scim_service::Operator;
use scim_store::memory::MemoryStore;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

pub const PW: &str = "correct horse battery";

/// A served state with the `default` tenant, the admins `root` (super),
/// `own` (owner of `default`) and `view` (viewer), and the bootstrap
/// token of the `default` connection.
pub async fn state() -> (AppState, String) {
    let keys = scim_service::webhook_keys::Keyring::generate_file().unwrap();
    let config = scim_service::ServiceConfig {
        webhook_keys: scim_service::webhook_keys::Keyring::parse(&keys).unwrap(),
        ..Default::default()
    };
    let op = Operator::new(Arc::new(MemoryStore::new()), config).unwrap();
    let token = op.bootstrap().await.unwrap().unwrap().token;
    for (name, kind, tenant) in [
        ("root", AdminKind::Super, None),
        ("own", AdminKind::Owner, Some("default")),
        ("view", AdminKind::Viewer, Some("default")),
    ] {
        op.system()
            .create_admin(name, PW, kind, tenant)
            .await
            .unwrap();
    }
    let st = AppState {
        service: op.service(),
        public_url: None,
        scheme: "http",
        limits: Default::default(),
        metrics: Default::default(),
        proxies: Default::default(),
    };
    (st, token)
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub text: String,
}

pub async fn call(st: &AppState, req: Request<Body>) -> Reply {
    let router = router_with(st.clone(), scim_admin::routes());
    let resp = router.oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Reply {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

/// A signed-in admin: the cookie pair and the CSRF token.
pub struct Who {
    pub cookie: String,
    pub csrf: String,
}

pub async fn login(st: &AppState, user: &str) -> Who {
    let r = call(
        st,
        Request::post("/admin/api/login")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"username": user, "password": PW}).to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let cookie = r.headers["set-cookie"].to_str().unwrap();
    Who {
        cookie: cookie.split(';').next().unwrap().to_string(),
        csrf: r.body["csrfToken"].as_str().unwrap().to_string(),
    }
}

pub fn get(path: &str, who: &Who) -> Request<Body> {
    Request::get(path)
        .header("cookie", &who.cookie)
        .body(Body::empty())
        .unwrap()
}

/// An API change with a JSON body.
pub fn api(method: &str, path: &str, who: &Who, body: Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("cookie", &who.cookie)
        .header("x-csrf-token", &who.csrf)
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// A console form post (its CSRF field added).
pub fn form(path: &str, who: &Who, fields: &[(&str, &str)]) -> Request<Body> {
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.append_pair("csrf", &who.csrf);
    for (k, v) in fields {
        body.append_pair(k, v);
    }
    Request::post(path)
        .header("cookie", &who.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.finish()))
        .unwrap()
}

pub fn scim(method: &str, path: &str, token: &str, body: Option<Value>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(format!("/scim/v2{path}"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/scim+json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap()
}
