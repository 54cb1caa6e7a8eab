//! The OpenAPI document against the real router: every documented
//! operation is served (neither the 404 fallback nor 405), every other
//! method of a documented path is 405, and the document lists exactly the
//! routes of the tables the router is built from; every link of the
//! console's navigation answers. Plus the admin API's HTTP plumbing: cookie
//! flags, CSRF header, roles, login rate limiting; and webhook delivery
//! status with redelivery of dead letters, over the API and the console.

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
async fn api_cookies_csrf_and_roles() {
    let st = state("https").await;
    let svc = st.op.system();
    svc.create_admin("root", PW, AdminKind::Super, None)
        .await
        .unwrap();
    svc.create_admin("view", PW, AdminKind::Viewer, Some("default"))
        .await
        .unwrap();

    // Served over TLS: the cookie is Secure, HttpOnly and SameSite=Strict.
    let r = call(&st, login_req("root", PW)).await;
    let cookie = r.headers["set-cookie"].to_str().unwrap().to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/admin"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    let r = call(&st, login_req("root", "wrong password!")).await;
    assert_eq!(r.status, 401);
    assert!(r.headers.get("set-cookie").is_none());

    let (root, csrf) = login(&st, "root").await;
    let me = call(&st, get("/admin/api/me", Some(&root))).await;
    assert_eq!(me.body["username"], "root");
    assert_eq!(me.body["csrfToken"], csrf.as_str());

    let conn = json!({"name": "okta", "profile": "okta", "delete": "soft-delete"});
    let path = "/admin/api/tenants/default/connections";
    // Without the CSRF header, a change is refused.
    let r = call(&st, post(path, &root, None, conn.clone())).await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(r.body["detail"].as_str().unwrap().contains("CSRF"));
    let r = call(&st, post(path, &root, Some("forged"), conn.clone())).await;
    assert_eq!(r.status, 403);
    let r = call(&st, post(path, &root, Some(&csrf), conn.clone())).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["policy"]["delete"], "soft-delete");

    // A token is shown once, with the base URL.
    let r = call(
        &st,
        post(
            &format!("{path}/okta/tokens"),
            &root,
            Some(&csrf),
            json!({"name": "ci"}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.body["token"].as_str().unwrap().starts_with("scimd_"));
    assert!(r.body["baseUrl"].as_str().unwrap().ends_with("/scim/v2"));
    let list = call(&st, get(&format!("{path}/okta"), Some(&root))).await;
    assert_eq!(list.body["tokens"][0]["name"], "ci");
    assert!(
        list.body["tokens"][0].get("token").is_none(),
        "{}",
        list.text
    );

    // A viewer reads, and is refused every change even with its CSRF token.
    let (view, vcsrf) = login(&st, "view").await;
    assert_eq!(call(&st, get(path, Some(&view))).await.status, 200);
    let r = call(&st, post(path, &view, Some(&vcsrf), json!({"name": "v"}))).await;
    assert_eq!(r.status, 403);
    assert!(
        r.body["detail"].as_str().unwrap().contains("viewer"),
        "{}",
        r.text
    );
    let r = call(
        &st,
        post(
            "/admin/api/tenants",
            &view,
            Some(&vcsrf),
            json!({"name": "t2"}),
        ),
    )
    .await;
    assert_eq!(r.status, 403);

    // Sign-out ends the session.
    let r = call(&st, post("/admin/api/logout", &root, None, json!({}))).await;
    assert_eq!(r.status, 204);
    assert!(r.headers["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        call(&st, get("/admin/api/me", Some(&root))).await.status,
        401
    );
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

#[tokio::test]
async fn api_login_is_rate_limited() {
    let st = state("http").await;
    let mut last = StatusCode::OK;
    for _ in 0..12 {
        last = call(&st, login_req("nobody", "guess guess")).await.status;
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
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

fn form(path: &str, cookie: &str, body: &str) -> Request<Body> {
    Request::post(path)
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test]
async fn webhook_status_and_redelivery() {
    let store = Arc::new(MemoryStore::new());
    let st = state_on("http", store.clone()).await;
    let svc = st.op.system();
    svc.create_admin("own", PW, AdminKind::Owner, Some("default"))
        .await
        .unwrap();
    svc.create_admin("view", PW, AdminKind::Viewer, Some("default"))
        .await
        .unwrap();
    let hook = st
        .op
        .tenant("default")
        .await
        .unwrap()
        .create_webhook("http://127.0.0.1:9/hook", WebhookFormat::Signed, true, true)
        .await
        .unwrap();
    // The worker's state after two failed attempts and one dead letter
    // (of the tenant's first event).
    let event = scim_store::ChangeEvent {
        event: "create".into(),
        ..Default::default()
    };
    store
        .append_journal(
            hook.tenant,
            scim_store::Journal {
                events: vec![event],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let now = Timestamp::from_unix_millis(1_700_000_000_000).unwrap();
    assert!(store
        .claim_webhook(
            hook.id,
            "w",
            Timestamp::from_unix_millis(4_000_000_000_000).unwrap(),
            now
        )
        .await
        .unwrap());
    assert!(store
        .save_delivery(
            hook.id,
            "w",
            DeliveryProgress {
                cursor: 1,
                failures: 2,
                last_error: Some("HTTP 503".into()),
                next_attempt: None,
            },
        )
        .await
        .unwrap());
    let dead = DeadLetter {
        webhook: hook.id,
        event_seq: 1,
        error: "HTTP 500".into(),
        at: now,
        requeued: false,
    };
    store.dead_letter(dead.clone()).await.unwrap();
    let requeued = || async { store.dead_letters(hook.id).await.unwrap()[0].requeued };

    // The API: status for both roles, never the secret.
    let (own, csrf) = login(&st, "own").await;
    let (view, vcsrf) = login(&st, "view").await;
    let list = "/admin/api/tenants/default/webhooks";
    for cookie in [&own, &view] {
        let r = call(&st, get(list, Some(cookie))).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let w = &r.body[0];
        assert_eq!(w["id"], hook.id);
        assert_eq!(
            (
                &w["pending"],
                &w["failures"],
                &w["lastError"],
                &w["deadLetters"]
            ),
            (&json!(0), &json!(2), &json!("HTTP 503"), &json!(1)),
            "{}",
            r.text
        );
        assert!(!r.text.contains(&hook.secret), "{}", r.text);
    }
    let redeliver = format!("/admin/api/tenants/default/webhooks/{}/redeliver", hook.id);
    let r = call(&st, post(&redeliver, &view, Some(&vcsrf), json!({}))).await;
    assert_eq!(r.status, 403, "a viewer: {}", r.text);
    let r = call(&st, post(&redeliver, &own, None, json!({}))).await;
    assert_eq!(r.status, 403, "no CSRF token: {}", r.text);
    assert!(!requeued().await);
    let r = call(&st, post(&redeliver, &own, Some(&csrf), json!({}))).await;
    assert_eq!(
        (r.status, &r.body),
        (StatusCode::OK, &json!({"requeued": 1}))
    );
    assert!(requeued().await);
    let missing = "/admin/api/tenants/default/webhooks/999/redeliver";
    let r = call(&st, post(missing, &own, Some(&csrf), json!({}))).await;
    assert_eq!(r.status, 404, "{}", r.text);

    // The console: the same status; the owner's form redelivers.
    store.dead_letter(dead).await.unwrap();
    let page = "/admin/t/default/webhooks";
    let action = format!("/admin/t/default/webhooks/{}/redeliver", hook.id);
    let r = call(&st, get(page, Some(&own))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for text in [
        "HTTP 503",
        "http://127.0.0.1:9/hook",
        "Redeliver 1 dead letter",
        &action,
    ] {
        assert!(r.text.contains(text), "{text} missing: {}", r.text);
    }
    assert!(!r.text.contains(&hook.secret));
    let r = call(&st, get(page, Some(&view))).await;
    assert_eq!(r.status, 200);
    assert!(
        r.text.contains("HTTP 503") && !r.text.contains(&action),
        "{}",
        r.text
    );
    let r = call(&st, form(&action, &view, &format!("csrf={vcsrf}"))).await;
    assert_eq!(r.status, 403, "a viewer: {}", r.text);
    let r = call(&st, form(&action, &own, "")).await;
    assert_eq!(r.status, 403, "no CSRF field: {}", r.text);
    assert!(!requeued().await);
    let r = call(&st, form(&action, &own, &format!("csrf={csrf}"))).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(r.headers["location"], page);
    assert!(requeued().await);
}
