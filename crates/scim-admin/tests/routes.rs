//! The OpenAPI document against the real router: every documented
//! operation is served (neither the 404 fallback nor 405), every other
//! method of a documented path is 405, and the document lists exactly the
//! routes of the tables the router is built from; every link of the
//! console's navigation answers. The admin API's plumbing is in
//! `routes/api.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use scim_admin::openapi;
use scim_core::timestamp::Timestamp;
use scim_http::{router_with, AppState};
use scim_service::console::AdminKind;
use scim_service::Operator;
use scim_store::memory::MemoryStore;
use scim_store::{DeadLetter, DeliveryProgress, EventStore, WebhookFormat};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use tower::ServiceExt;

const PW: &str = "correct horse battery";

/// The app's state and the operator principal that set it up.
struct St {
    app: AppState,
    op: Operator,
}

impl std::ops::Deref for St {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.app
    }
}

async fn state(scheme: &'static str) -> St {
    state_on(scheme, Arc::new(MemoryStore::new())).await
}

async fn state_on(scheme: &'static str, store: Arc<MemoryStore>) -> St {
    let keys = scim_service::webhook_keys::Keyring::generate_file().unwrap();
    let config = scim_service::ServiceConfig {
        webhook_keys: scim_service::webhook_keys::Keyring::parse(&keys).unwrap(),
        ..Default::default()
    };
    let op = Operator::new(store, config).unwrap();
    op.bootstrap().await.unwrap();
    let app = AppState {
        service: op.service(),
        public_url: None,
        scheme,
        limits: Default::default(),
        metrics: Default::default(),
        proxies: Default::default(),
    };
    St { app, op }
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
    text: String,
}

async fn call(state: &AppState, req: Request<Body>) -> Reply {
    let router = router_with(state.clone(), scim_admin::routes());
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

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::get(path);
    if let Some(c) = cookie {
        b = b.header("cookie", c);
    }
    b.body(Body::empty()).unwrap()
}

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{resource}" => "Users",
            "{tenant}" | "{name}" => "default",
            "{id}" => "1",
            s if s.starts_with('{') => "x",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

#[tokio::test]
async fn the_document_matches_the_router() {
    let st = state("http").await;
    let routes = openapi::all_routes();
    let ops: BTreeSet<(String, String)> = openapi::operations(&routes).into_iter().collect();

    // The served document lists exactly the table's operations.
    let doc = call(&st, get("/openapi.json", None)).await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc.body["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((path.clone(), method.to_uppercase()));
        }
    }
    assert_eq!(documented, ops);
    for expected in [
        ("/scim/v2/{resource}/{id}", "PATCH"),
        ("/admin/api/login", "POST"),
        (
            "/admin/api/tenants/{tenant}/connections/{name}/tokens",
            "POST",
        ),
        ("/admin/api/tenants/{tenant}/users/{id}/timeline", "GET"),
        ("/admin/t/{tenant}/users/{id}", "GET"),
        ("/admin/t/{tenant}/webhooks", "GET"),
        ("/admin/t/{tenant}/webhooks/{id}/redeliver", "POST"),
        ("/admin/api/tenants/{tenant}/webhooks", "GET"),
        (
            "/admin/api/tenants/{tenant}/webhooks/{id}/redeliver",
            "POST",
        ),
        ("/openapi.json", "GET"),
    ] {
        assert!(
            ops.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} is not documented"
        );
    }

    // Every documented operation is served; every other method is 405.
    let paths: BTreeSet<&String> = ops.iter().map(|(p, _)| p).collect();
    for path in paths {
        let url = concrete(path);
        for method in METHODS {
            let r = call(
                &st,
                Request::builder()
                    .method(method)
                    .uri(&url)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
            let fallback = r.status == 404 && r.text.contains("no endpoint");
            if ops.contains(&(path.clone(), method.to_string())) {
                assert!(
                    !fallback && r.status != 405,
                    "{method} {path} is documented but not served: {} {}",
                    r.status,
                    r.text
                );
            } else {
                assert_eq!(
                    r.status, 405,
                    "{method} {path} is served but not documented: {}",
                    r.text
                );
            }
        }
    }
    let r = call(&st, get("/admin/api/nope", None)).await;
    assert!(
        r.status == 404 && r.text.contains("no endpoint"),
        "{}",
        r.text
    );
}

fn login_req(user: &str, password: &str) -> Request<Body> {
    Request::post("/admin/api/login")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"username": user, "password": password}).to_string(),
        ))
        .unwrap()
}

/// Signs in; returns the cookie pair and the CSRF token.
async fn login(st: &AppState, user: &str) -> (String, String) {
    let r = call(st, login_req(user, PW)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let cookie = r.headers["set-cookie"].to_str().unwrap();
    let pair = cookie.split(';').next().unwrap().to_string();
    (pair, r.body["csrfToken"].as_str().unwrap().to_string())
}

fn post(path: &str, cookie: &str, csrf: Option<&str>, body: Value) -> Request<Body> {
    let mut b = Request::post(path)
        .header("content-type", "application/json")
        .header("cookie", cookie);
    if let Some(c) = csrf {
        b = b.header("x-csrf-token", c);
    }
    b.body(Body::from(body.to_string())).unwrap()
}

#[tokio::test]
async fn console_pages_need_a_session_and_csrf() {
    let st = state("http").await;
    st.op
        .system()
        .create_admin("root", PW, AdminKind::Super, None)
        .await
        .unwrap();
    let r = call(&st, get("/admin/tenants", None)).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.headers["location"], "/admin/login");
    let form = call(&st, get("/admin/login", None)).await;
    let login_cookie = form.headers["set-cookie"].to_str().unwrap();
    let (login_pair, token) = (
        login_cookie.split(';').next().unwrap().to_string(),
        login_cookie
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1,
    );
    assert!(form.text.contains(token));
    let r = call(
        &st,
        Request::post("/admin/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &login_pair)
            .body(Body::from(format!(
                "username=root&password=correct+horse+battery&csrf={token}"
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let cookie = r.headers["set-cookie"].to_str().unwrap();
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let pair = cookie.split(';').next().unwrap().to_string();
    let page = call(&st, get("/admin/tenants", Some(&pair))).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("<h1>Tenants</h1>"));
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    // A form post without the CSRF field is refused.
    let r = call(
        &st,
        Request::post("/admin/tenants")
            .header("cookie", &pair)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("name=evil"))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.text.contains("CSRF"));
    assert_eq!(st.op.system().tenants().await.unwrap().len(), 1);
}

/// The `href`s of the console's main navigation in a page.
fn nav_links(page: &str) -> Vec<String> {
    let nav = page
        .split(r#"<nav aria-label="Main">"#)
        .nth(1)
        .and_then(|rest| rest.split("</nav>").next())
        .unwrap_or_else(|| panic!("no main navigation in {page}"));
    nav.split(r#"href=""#)
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_console_nav_link_answers_for_an_owner() {
    let st = state("http").await;
    st.op
        .system()
        .create_admin("own", PW, AdminKind::Owner, Some("default"))
        .await
        .unwrap();
    let (cookie, _) = login(&st, "own").await;
    let start = call(&st, get("/admin/t/default/users", Some(&cookie))).await;
    assert_eq!(start.status, 200, "{}", start.text);
    let links = nav_links(&start.text);
    let tenant_links = links
        .iter()
        .filter(|l| l.starts_with("/admin/t/default/"))
        .count();
    assert!(tenant_links >= 7, "{links:?}");
    assert!(links.contains(&"/admin/t/default/webhooks".to_string()));
    for link in &links {
        let page = call(&st, get(link, Some(&cookie))).await;
        assert_eq!(page.status, 200, "{link}: {}", page.text);
        // The page is the one the link names: it marks itself current.
        if link.starts_with("/admin/t/") {
            assert!(
                page.text
                    .contains(&format!(r#"<a href="{link}" aria-current="page">"#)),
                "{link} does not mark itself current"
            );
        }
    }
}

#[path = "routes/api.rs"]
mod api;
