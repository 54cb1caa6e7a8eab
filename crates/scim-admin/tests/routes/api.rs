//! The admin API's HTTP plumbing on the real router: cookie flags, the
//! CSRF header, roles, login rate limiting; a user's provenance and the
//! tenant's seats as the API shows them; webhook delivery status with
//! redelivery of dead letters, over the API and the console; role
//! mappings (an owner changes them, a viewer reads them), over the API
//! and the console.

use super::*;

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

/// A user's provenance (who provisioned it, who synced it last) and the
/// tenant's seats, as the admin API shows them.
#[tokio::test]
async fn the_api_shows_last_synced_by_and_seats() {
    let st = state("http").await;
    st.op
        .system()
        .create_admin("root", PW, AdminKind::Super, None)
        .await
        .unwrap();
    let t = st.op.tenant("default").await.unwrap();
    t.update_settings(|s| {
        s.seat_limit = Some(3);
        Ok(())
    })
    .await
    .unwrap();
    t.create_connection("okta", "auto", Default::default())
        .await
        .unwrap();
    let d = t.issue_token(None, "d", None).await.unwrap().token;
    let o = t.issue_token(Some("okta"), "o", None).await.unwrap().token;
    let svc = &st.service;
    let default = svc
        .authenticate(Some(&format!("Bearer {d}")))
        .await
        .unwrap();
    let okta = svc
        .authenticate(Some(&format!("Bearer {o}")))
        .await
        .unwrap();
    let ctx = scim_service::RequestCtx::new("http://x/scim/v2");
    let user =
        |n: &str| json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": n});
    let users = scim_store::ResourceKind::User;
    let api = st.service.scim(&default, &ctx);
    let created = api
        .create(users, &user("synced@example.com"))
        .await
        .unwrap();
    let id = created.kind_and_id().1.to_string();
    api.create(users, &user("second@example.com"))
        .await
        .unwrap();
    let title = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "title", "value": "Lead"}]});
    st.service
        .scim(&okta, &ctx)
        .patch(users, &id, &title)
        .await
        .unwrap();

    let (cookie, _) = login(&st, "root").await;
    let r = call(
        &st,
        get(
            &format!("/admin/api/tenants/default/users/{id}"),
            Some(&cookie),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (&r.body["provisionedBy"], &r.body["lastSyncedBy"]),
        (&json!("default"), &json!("okta")),
        "{}",
        r.text
    );
    let r = call(&st, get("/admin/api/tenants/default/seats", Some(&cookie))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"used": 2, "limit": 3}));
}

#[tokio::test]
async fn role_mappings_over_the_api() {
    let st = state("http").await;
    let svc = st.op.system();
    svc.create_admin("own", PW, AdminKind::Owner, Some("default"))
        .await
        .unwrap();
    svc.create_admin("view", PW, AdminKind::Viewer, Some("default"))
        .await
        .unwrap();
    let (own, csrf) = login(&st, "own").await;
    let path = "/admin/api/tenants/default/roles";
    let eng = json!({"group": "Engineering", "role": "developer"});
    let r = call(&st, post(path, &own, Some(&csrf), eng.clone())).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"changed": true, "recomputed": 0, "usersChanged": 0})
    );
    let r = call(&st, post(path, &own, Some(&csrf), eng.clone())).await;
    assert_eq!(r.body["changed"], false, "{}", r.text);
    let ext = json!({"by": "externalId", "group": "E-1", "role": "admin"});
    let r = call(&st, post(path, &own, Some(&csrf), ext)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let bad = json!({"group": "Ops", "role": "a\u{7}b"});
    let r = call(&st, post(path, &own, Some(&csrf), bad)).await;
    assert_eq!(r.status, 400, "{}", r.text);

    // A viewer reads them, and is refused changes.
    let (view, vcsrf) = login(&st, "view").await;
    let list = call(&st, get(path, Some(&view))).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(
        list.body,
        json!([{"by": "displayName", "group": "Engineering", "role": "developer"},
               {"by": "externalId", "group": "E-1", "role": "admin"}])
    );
    let r = call(&st, post(path, &view, Some(&vcsrf), eng.clone())).await;
    assert_eq!(r.status, 403, "{}", r.text);

    // Unmap: then absent (404); refresh recomputes every user.
    let unmap = format!("{path}/unmap");
    let r = call(&st, post(&unmap, &own, Some(&csrf), eng.clone())).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = call(&st, post(&unmap, &own, Some(&csrf), eng)).await;
    assert_eq!(r.status, 404, "{}", r.text);
    let r = call(
        &st,
        post(&format!("{path}/refresh"), &own, Some(&csrf), json!({})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        call(&st, get(path, Some(&own)))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The console's page lists them; its forms map and unmap.
    let page = call(&st, get("/admin/t/default/roles", Some(&view))).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("E-1") && !page.text.contains("Map a group"));
    let body = format!("csrf={csrf}&by=displayName&group=Ops&role=operator");
    let r = call(&st, form("/admin/t/default/roles", &own, &body)).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = call(&st, get("/admin/t/default/roles", Some(&own))).await;
    assert!(page.text.contains("operator") && page.text.contains("Map a group"));
    let r = call(&st, form("/admin/t/default/roles/unmap", &own, &body)).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let r = call(
        &st,
        form(
            "/admin/t/default/roles/unmap",
            &view,
            &format!("csrf={vcsrf}&group=E-1&by=externalId&role=admin"),
        ),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text);
    assert_eq!(
        call(&st, get(path, Some(&own)))
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
