//! Console and admin API management over HTTP, against the real router:
//! tokens' last use and connection health, rotation with the new token
//! shown once; webhooks created (secret shown once), disabled, enabled and
//! deleted; admin accounts created; the trash restored and purged;
//! managed resources released; every change audited with the admin's
//! name.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::http::StatusCode;
use scim_http::AppState;
use serde_json::{json, Value};

mod common;

use common::*;

/// The audit log's (action, admin) pairs.
async fn audited(st: &AppState, who: &Who) -> Vec<(String, String)> {
    let r = call(st, get("/admin/api/tenants/default/audit?limit=200", who)).await;
    r.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or("").to_string(),
                e["admin"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn tokens_show_their_last_use_and_rotate_from_the_console() {
    let (st, token) = state().await;
    let own = login(&st, "own").await;
    let conn = "/admin/api/tenants/default/connections/default";
    let r = call(&st, get(conn, &own)).await;
    assert_eq!(r.body["tokens"][0]["lastUsed"], Value::Null, "{}", r.text);
    assert_eq!(r.body["health"]["breaker"], "off");

    // A lookup records the token's use (off the request path).
    let r = call(&st, scim("GET", "/Users?count=1", &token, None)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mut used = Value::Null;
    for _ in 0..100 {
        tokio::task::yield_now().await;
        used = call(&st, get(conn, &own)).await.body["tokens"][0]["lastUsed"].clone();
        if !used.is_null() {
            break;
        }
    }
    assert!(used.is_string(), "the use was not recorded");
    let page = call(&st, get("/admin/t/default/connections/default", &own)).await;
    assert!(page.text.contains(used.as_str().unwrap()), "{}", page.text);
    let list = call(&st, get("/admin/t/default/connections", &own)).await;
    assert!(list.text.contains(used.as_str().unwrap()), "{}", list.text);

    // A refused write shows as the connection's last error.
    let r = call(
        &st,
        scim("POST", "/Users", &token, Some(json!({"schemas": []}))),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = call(&st, get(conn, &own)).await;
    assert_eq!(r.body["health"]["lastError"]["status"], 400, "{}", r.text);

    // Rotation from the console: the new token once, with the base URL.
    let r = call(
        &st,
        form(
            "/admin/t/default/connections/default/rotate",
            &own,
            &[("overlap_days", "2")],
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for text in [
        "shown <strong>once</strong>",
        "http://localhost/scim/v2",
        "2 more day(s)",
    ] {
        assert!(r.text.contains(text), "{text} missing: {}", r.text);
    }
    let new = r
        .text
        .split(r#"id="new-token">"#)
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(new.starts_with("scimd_"));
    assert_eq!(
        call(&st, scim("GET", "/Users", &new, None)).await.status,
        200
    );
    assert_eq!(
        call(&st, scim("GET", "/Users", &token, None)).await.status,
        200,
        "the old token works during the overlap"
    );
    let r = call(&st, get(conn, &own)).await;
    let tokens = r.body["tokens"].as_array().unwrap();
    assert!(tokens.iter().any(|t| !t["expires"].is_null()), "{}", r.text);
    assert!(!r.text.contains(&new), "never shown again");
    assert!(audited(&st, &own)
        .await
        .contains(&("token-rotate".into(), "own".into())));
}

#[tokio::test]
async fn webhooks_are_created_disabled_and_deleted() {
    let (st, _) = state().await;
    let (own, view) = (login(&st, "own").await, login(&st, "view").await);
    let list = "/admin/api/tenants/default/webhooks";
    let hook = json!({"url": "https://203.0.113.9/hook", "format": "set"});
    let r = call(&st, api("POST", list, &view, hook.clone())).await;
    assert_eq!(r.status, 403, "a viewer: {}", r.text);
    let r = call(&st, api("POST", list, &own, hook)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let secret = r.body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(r.body["format"], "set");
    let id = r.body["id"].as_i64().unwrap();
    let r = call(&st, get(list, &own)).await;
    assert!(!r.text.contains(&secret), "{}", r.text);
    let active = format!("{list}/{id}/active");
    let r = call(&st, api("PUT", &active, &own, json!({"active": false}))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.body["disabled"].is_string());
    let r = call(&st, api("PUT", &active, &own, json!({"active": true}))).await;
    assert_eq!(r.body["disabled"], Value::Null);
    let r = call(&st, api("DELETE", &format!("{list}/{id}"), &own, json!({}))).await;
    assert_eq!(r.status, 204, "{}", r.text);

    // The console: created with the secret shown once, then disabled,
    // enabled and deleted.
    let page = "/admin/t/default/webhooks";
    let r = call(
        &st,
        form(
            page,
            &own,
            &[("url", "https://203.0.113.10/scim"), ("format", "signed")],
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let secret = r
        .text
        .split(r#"id="webhook-secret">"#)
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(secret.starts_with("whsec_"), "{}", r.text);
    let r = call(&st, get(page, &own)).await;
    assert!(r.text.contains("https://203.0.113.10/scim") && !r.text.contains(&secret));
    let id = call(&st, get(list, &own)).await.body[0]["id"]
        .as_i64()
        .unwrap();
    let action = format!("{page}/{id}/active");
    let r = call(&st, form(&action, &own, &[("active", "false")])).await;
    assert_eq!(
        (r.status, r.headers["location"].to_str().unwrap()),
        (StatusCode::SEE_OTHER, page)
    );
    let r = call(&st, get(page, &own)).await;
    assert!(r.text.contains(">disabled<"), "{}", r.text);
    let r = call(&st, form(&action, &view, &[("active", "true")])).await;
    assert_eq!(r.status, 403);
    call(&st, form(&action, &own, &[("active", "true")])).await;
    let r = call(&st, form(&format!("{page}/{id}/delete"), &own, &[])).await;
    assert_eq!(r.status, 303);
    assert_eq!(call(&st, get(list, &own)).await.body, json!([]));
    let log = audited(&st, &own).await;
    for action in [
        "webhook-create",
        "webhook-disable",
        "webhook-enable",
        "webhook-delete",
    ] {
        assert!(
            log.contains(&(action.into(), "own".into())),
            "{action}: {log:?}"
        );
    }
}

#[tokio::test]
async fn super_admins_create_accounts() {
    let (st, _) = state().await;
    let (root, own) = (login(&st, "root").await, login(&st, "own").await);
    let body = json!({"username": "carol", "password": PW, "role": "viewer", "tenant": "default"});
    let r = call(&st, api("POST", "/admin/api/admins", &own, body.clone())).await;
    assert_eq!(r.status, 403, "{}", r.text);
    let r = call(&st, api("POST", "/admin/api/admins", &root, body)).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        (&r.body["role"], &r.body["tenant"]),
        (&json!("viewer"), &json!("default"))
    );
    login(&st, "carol").await;
    let r = call(
        &st,
        form(
            "/admin/admins",
            &root,
            &[
                ("username", "dave"),
                ("password", PW),
                ("role", "owner"),
                ("tenant", "default"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = call(&st, get("/admin/admins", &root)).await;
    assert!(page.text.contains("<td>dave</td>"), "{}", page.text);
    let r = call(
        &st,
        form(
            "/admin/admins",
            &root,
            &[
                ("username", "eve"),
                ("password", "short"),
                ("role", "super"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("10 characters"), "{}", r.text);
    let log = audited(&st, &root).await;
    assert!(
        log.contains(&("admin-create".into(), "root".into())),
        "{log:?}"
    );
}

#[tokio::test]
async fn the_trash_is_restored_and_purged_and_managed_users_released() {
    let (st, _) = state().await;
    let own = login(&st, "own").await;
    let conns = "/admin/api/tenants/default/connections";
    let r = call(
        &st,
        api(
            "POST",
            conns,
            &own,
            json!({"name": "okta", "delete": "soft-delete"}),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = call(
        &st,
        api("POST", &format!("{conns}/okta/tokens"), &own, json!({})),
    )
    .await;
    let token = r.body["token"].as_str().unwrap().to_string();
    let mut ids = Vec::new();
    for name in ["ann@example.com", "bob@example.com"] {
        let r = call(
            &st,
            scim(
                "POST",
                "/Users",
                &token,
                Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name})),
            ),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.body["id"].as_str().unwrap().to_string());
    }

    // A managed user: read-only, with the unmanage form for an owner.
    let user_page = format!("/admin/t/default/users/{}", ids[0]);
    let r = call(&st, get(&user_page, &own)).await;
    assert!(
        r.text.contains("Read-only") && r.text.contains("/unmanage"),
        "{}",
        r.text
    );
    let view = login(&st, "view").await;
    let r = call(&st, get(&user_page, &view)).await;
    assert!(
        !r.text.contains("/unmanage\""),
        "a viewer gets no form: {}",
        r.text
    );
    let r = call(&st, form(&format!("{user_page}/unmanage"), &own, &[])).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let r = call(&st, get(&user_page, &own)).await;
    assert!(
        !r.text.contains("Read-only") && r.text.contains("Disable user"),
        "{}",
        r.text
    );
    let r = call(
        &st,
        api(
            "POST",
            &format!("/admin/api/tenants/default/users/{}/unmanage", ids[1]),
            &own,
            json!({}),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Soft-deleted by the connection, into the trash.
    for id in &ids {
        let r = call(&st, scim("DELETE", &format!("/Users/{id}"), &token, None)).await;
        assert_eq!(r.status, 204, "{}", r.text);
    }
    let r = call(&st, get("/admin/api/tenants/default/trash", &own)).await;
    assert_eq!(r.body["users"].as_array().unwrap().len(), 2, "{}", r.text);
    let page = call(&st, get("/admin/t/default/trash", &own)).await;
    assert!(
        page.text.contains("ann@example.com") && page.text.contains("Restore"),
        "{}",
        page.text
    );
    let r = call(
        &st,
        form(
            &format!("/admin/t/default/trash/users/{}/restore", ids[0]),
            &own,
            &[],
        ),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(call(&st, get(&user_page, &own)).await.status, 200);
    let purge = format!("/admin/api/tenants/default/trash/users/{}", ids[1]);
    assert_eq!(
        call(&st, api("DELETE", &purge, &view, json!({})))
            .await
            .status,
        403
    );
    let r = call(&st, api("DELETE", &purge, &own, json!({}))).await;
    assert_eq!(r.status, 204, "{}", r.text);
    let r = call(&st, get("/admin/api/tenants/default/trash", &own)).await;
    assert_eq!(r.body, json!({"users": [], "groups": []}));
    assert_eq!(
        call(&st, api("DELETE", &purge, &own, json!({})))
            .await
            .status,
        404
    );
    let log = audited(&st, &own).await;
    for action in [
        "unmanage",
        "restore",
        "purge",
        "connection-create",
        "token-issue",
    ] {
        assert!(
            log.contains(&(action.into(), "own".into())),
            "{action}: {log:?}"
        );
    }
}
