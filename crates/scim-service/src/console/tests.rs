//! Console authentication and authorisation: sessions and CSRF, role
//! enforcement (a viewer changes nothing, a tenant admin stays in its
//! tenant, only a super-admin manages tenants), login rate limiting.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::console::limit::LoginLimits;
use crate::ratelimit::Rate;
use crate::{ManualClock, Sequential, ServiceConfig};
use scim_store::memory::MemoryStore;
use scim_store::{DeactivatePolicy, DeletePolicy, Ownership, ResourceKind, TenantSettings};
use std::sync::Arc;

const PW: &str = "correct horse battery";

async fn service(config: ServiceConfig) -> (ScimService, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at(1_700_000_000_000));
    let svc = ScimService::with(
        Arc::new(MemoryStore::new()),
        config,
        clock.clone(),
        Arc::new(Sequential::new("id")),
    )
    .unwrap();
    svc.create_tenant("acme").await.unwrap();
    svc.create_tenant("beta").await.unwrap();
    (svc, clock)
}

async fn login(svc: &ScimService, user: &str) -> LoginOutcome {
    svc.admin_login(user, PW, "127.0.0.1").await.unwrap()
}

fn form(name: &str) -> ConnectionForm {
    ConnectionForm {
        name: name.into(),
        profile: "okta".into(),
        deactivate: DeactivatePolicy::Disable,
        delete: DeletePolicy::SoftDelete,
        ownership: Ownership::Shared,
        max_tokens: 3,
    }
}

#[tokio::test]
async fn sessions_and_csrf() {
    let (svc, clock) = service(ServiceConfig::default()).await;
    svc.create_admin("Root", PW, AdminKind::Super, None)
        .await
        .unwrap();
    assert_eq!(
        svc.create_admin("root", PW, AdminKind::Super, None)
            .await
            .unwrap_err()
            .status(),
        409,
        "usernames are unique without regard to case"
    );
    assert_eq!(
        svc.create_admin("short", "tiny", AdminKind::Super, None)
            .await
            .unwrap_err()
            .status(),
        400
    );
    let stored = svc.store.find_admin("root").await.unwrap().unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(!stored.password_hash.contains(PW));

    let e = svc
        .admin_login("root", "wrong password!", "127.0.0.1")
        .await
        .unwrap_err();
    assert_eq!(e.status(), 401);
    let e2 = svc
        .admin_login("nobody", PW, "127.0.0.1")
        .await
        .unwrap_err();
    assert_eq!(
        e.detail(),
        e2.detail(),
        "unknown user and wrong password look alike"
    );

    let out = login(&svc, "ROOT").await;
    assert!(out.token.starts_with("scimd_session_"));
    assert_eq!(out.principal.username(), "root");
    assert!(out.principal.is_super());
    let csrf = out.principal.csrf().to_string();
    assert_eq!(csrf.len(), 43);

    // Reading needs only the session; changing needs its CSRF token too.
    let who = svc
        .admin_session(Some(&out.token), None, false)
        .await
        .unwrap();
    assert_eq!(who, out.principal);
    let e = svc
        .admin_session(Some(&out.token), None, true)
        .await
        .unwrap_err();
    assert_eq!(e.status(), 403);
    assert!(e.detail().contains("CSRF"));
    let e = svc
        .admin_session(Some(&out.token), Some("forged"), true)
        .await
        .unwrap_err();
    assert_eq!(e.status(), 403);
    svc.admin_session(Some(&out.token), Some(&csrf), true)
        .await
        .unwrap();
    // Another session's CSRF token does not fit.
    let other = login(&svc, "root").await;
    assert_eq!(
        svc.admin_session(Some(&out.token), Some(other.principal.csrf()), true)
            .await
            .unwrap_err()
            .status(),
        403
    );

    for bad in [None, Some(""), Some("scimd_session_nope"), Some("garbage")] {
        assert_eq!(
            svc.admin_session(bad, None, false)
                .await
                .unwrap_err()
                .status(),
            401
        );
    }

    // Sign-out ends the session; expiry ends the other.
    svc.admin_logout(Some(&out.token)).await.unwrap();
    assert_eq!(
        svc.admin_session(Some(&out.token), None, false)
            .await
            .unwrap_err()
            .status(),
        401
    );
    svc.admin_session(Some(&other.token), None, false)
        .await
        .unwrap();
    clock.advance(12 * 3_600_000);
    assert_eq!(
        svc.admin_session(Some(&other.token), None, false)
            .await
            .unwrap_err()
            .status(),
        401
    );
    assert_eq!(svc.purge_admin_sessions().await.unwrap(), 1);
}

#[tokio::test]
async fn roles_are_enforced() {
    let (svc, _) = service(ServiceConfig::default()).await;
    svc.create_admin("root", PW, AdminKind::Super, None)
        .await
        .unwrap();
    svc.create_admin("owner", PW, AdminKind::Owner, Some("acme"))
        .await
        .unwrap();
    svc.create_admin("viewer", PW, AdminKind::Viewer, Some("acme"))
        .await
        .unwrap();
    assert_eq!(
        svc.create_admin("x", PW, AdminKind::Owner, None)
            .await
            .unwrap_err()
            .status(),
        400
    );
    assert_eq!(
        svc.create_admin("y", PW, AdminKind::Owner, Some("nope"))
            .await
            .unwrap_err()
            .status(),
        404
    );
    let root = login(&svc, "root").await.principal;
    let owner = login(&svc, "owner").await.principal;
    let viewer = login(&svc, "viewer").await.principal;

    // A super-admin manages tenants and reaches all of them.
    let c = svc.console(&root);
    c.create_tenant("gamma").await.unwrap();
    assert_eq!(c.tenants().await.unwrap().len(), 3);
    c.create_connection("beta", form("okta")).await.unwrap();

    // A tenant owner changes its tenant only, and cannot make tenants.
    let c = svc.console(&owner);
    assert_eq!(
        c.tenants()
            .await
            .unwrap()
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["acme"]
    );
    assert_eq!(c.create_tenant("delta").await.unwrap_err().status(), 403);
    c.create_connection("acme", form("okta")).await.unwrap();
    let issued = c.issue_token("acme", "okta", "ci", None).await.unwrap();
    assert!(issued.token.starts_with("scimd_"));
    for e in [
        c.connections("beta").await.unwrap_err(),
        c.create_connection("beta", form("x")).await.unwrap_err(),
        c.issue_token("beta", "okta", "", None).await.unwrap_err(),
        c.search("beta", ResourceKind::User, &SearchParams::default())
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.status(), 403, "{e}");
    }

    // A viewer reads its tenant and changes nothing.
    let c = svc.console(&viewer);
    assert_eq!(c.connections("acme").await.unwrap().len(), 2);
    c.search("acme", ResourceKind::User, &SearchParams::default())
        .await
        .unwrap();
    c.seats("acme").await.unwrap();
    let refused = [
        c.create_tenant("delta").await.map(|_| ()),
        c.create_connection("acme", form("v")).await.map(|_| ()),
        c.update_connection("acme", "okta", form("okta2"))
            .await
            .map(|_| ()),
        c.delete_connection("acme", "okta").await,
        c.issue_token("acme", "okta", "", None).await.map(|_| ()),
        c.rotate_token("acme", "okta", 0).await.map(|_| ()),
        c.revoke_token("acme", issued.record.id).await,
        c.update_settings("acme", |s| {
            *s = TenantSettings::default();
            Ok(())
        })
        .await
        .map(|_| ()),
        c.set_active("acme", "id-1", false).await.map(|_| ()),
        c.delete_resource("acme", ResourceKind::User, "id-1").await,
        c.unmanage("acme", ResourceKind::User, "id-1")
            .await
            .map(|_| ()),
        c.release_breaker("acme", "okta", true).await.map(|_| ()),
        c.redeliver("acme", 1).await.map(|_| ()),
    ];
    for r in refused {
        let e = r.unwrap_err();
        assert_eq!(e.status(), 403, "{e}");
        assert!(
            e.detail().contains("viewer") || e.detail().contains("super-admin"),
            "{e}"
        );
    }
    assert_eq!(
        c.connections("beta").await.unwrap_err().status(),
        403,
        "a viewer stays in its tenant"
    );
    // Nothing changed.
    let conns = svc.list_connections("acme").await.unwrap();
    assert_eq!(conns.len(), 2);
    assert!(svc
        .list_tokens("acme")
        .await
        .unwrap()
        .iter()
        .all(|t| t.revoked.is_none()));
}

#[tokio::test]
async fn login_is_rate_limited() {
    let config = ServiceConfig {
        login_limits: LoginLimits {
            per_username: Rate {
                per_second: 0.001,
                burst: 3.0,
            },
            per_address: Rate {
                per_second: 0.001,
                burst: 5.0,
            },
        },
        ..ServiceConfig::default()
    };
    let (svc, _) = service(config).await;
    svc.create_admin("root", PW, AdminKind::Super, None)
        .await
        .unwrap();
    for _ in 0..3 {
        let e = svc.admin_login("root", "guess guess", "10.0.0.1").await;
        assert_eq!(e.unwrap_err().status(), 401);
    }
    let e = svc.admin_login("root", PW, "10.0.0.2").await.unwrap_err();
    assert_eq!(e.status(), 429, "even the right password waits");
    assert!(e.retry_after().is_some());
    // The address limit holds across usernames.
    for i in 0..2 {
        let _ = svc.admin_login(&format!("u{i}"), "x", "10.0.0.1").await;
    }
    assert_eq!(
        svc.admin_login("other", "x", "10.0.0.1")
            .await
            .unwrap_err()
            .status(),
        429
    );
}

#[tokio::test]
async fn managed_users_are_read_only() {
    let (svc, _) = service(ServiceConfig::default()).await;
    svc.create_admin("owner", PW, AdminKind::Owner, Some("acme"))
        .await
        .unwrap();
    let owner = login(&svc, "owner").await.principal;
    let issued = svc.issue_token("acme", None, "idp", None).await.unwrap();
    let who = svc
        .authenticate(Some(&format!("Bearer {}", issued.token)))
        .await
        .unwrap();
    let body = serde_json::json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "ann@example.com"});
    let ctx = crate::RequestCtx::new("http://x/scim/v2");
    let reply = svc
        .create(&who, ResourceKind::User, &body, &ctx, &Default::default())
        .await
        .unwrap();
    let id = reply.body.unwrap()["id"].as_str().unwrap().to_string();

    let c = svc.console(&owner);
    let detail = c.resource("acme", ResourceKind::User, &id).await.unwrap();
    assert!(detail.provenance.managed);
    assert!(detail.managed_note.unwrap().contains("read-only"));
    assert_eq!(detail.timeline.entries.len(), 1);
    assert_eq!(detail.timeline.entries[0].entry.action, "create");
    let e = c.set_active("acme", &id, false).await.unwrap_err();
    assert_eq!(e.status(), 403);
    assert!(e.detail().contains("managed"), "{e}");

    let page = c
        .search(
            "acme",
            ResourceKind::User,
            &SearchParams {
                quick: Some("ann@".into()),
                count: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    let none = c
        .search(
            "acme",
            ResourceKind::User,
            &SearchParams {
                filter: Some("active eq false".into()),
                quick: Some("ann".into()),
                count: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(none.total, 0);
}
