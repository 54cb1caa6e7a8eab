//! Account management: what each change does to signing in and sessions,
//! who may make it, and where it is audited.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::admin_audit::AuditFilter;
use crate::console::AdminKind;
use crate::{ManualClock, Sequential, ServiceConfig};
use scim_store::memory::MemoryStore;
use std::sync::Arc;

const PW: &str = "correct horse battery";
const NEW: &str = "a brand new password";

async fn service() -> ScimService {
    let svc = ScimService::with(
        Arc::new(MemoryStore::new()),
        ServiceConfig::default(),
        Arc::new(ManualClock::at(1_700_000_000_000)),
        Arc::new(Sequential::new("id")),
    )
    .unwrap();
    svc.create_tenant("acme").await.unwrap();
    svc.create_tenant("beta").await.unwrap();
    for (name, kind, tenant) in [
        ("root", AdminKind::Super, None),
        ("other", AdminKind::Super, None),
        ("bob", AdminKind::Owner, Some("acme")),
        ("val", AdminKind::Viewer, Some("acme")),
    ] {
        svc.create_admin(name, PW, kind, tenant).await.unwrap();
    }
    svc
}

async fn session(svc: &ScimService, user: &str, password: &str) -> ScimResult<String> {
    svc.admin_login(user, password, "127.0.0.1")
        .await
        .map(|o| o.token)
}

async fn alive(svc: &ScimService, token: &str) -> bool {
    svc.admin_session(Some(token), None, false).await.is_ok()
}

/// The `Admin` entries of a tenant's audit log: (action, id, admin).
async fn audited(svc: &ScimService, tenant: &str) -> Vec<(String, String, Option<String>)> {
    let f = AuditFilter {
        limit: 100,
        ..AuditFilter::default()
    };
    svc.audit_log(tenant, &f)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.resource_type.as_deref() == Some("Admin"))
        .map(|r| {
            (
                r.entry.action,
                r.entry.resource_id.unwrap_or_default(),
                r.entry.admin,
            )
        })
        .collect()
}

#[tokio::test]
async fn disable_enable_password_revoke_delete() {
    let svc = service().await;
    let bob = session(&svc, "bob", PW).await.unwrap();
    svc.change_admin("BOB", AccountChange::Disable)
        .await
        .unwrap();
    assert!(!alive(&svc, &bob).await, "disabling ends sessions");
    let e = session(&svc, "bob", PW).await.unwrap_err();
    assert_eq!(e.status(), 401, "a disabled account cannot sign in");
    svc.change_admin("bob", AccountChange::Enable)
        .await
        .unwrap();
    let bob = session(&svc, "bob", PW).await.unwrap();

    let e = svc
        .change_admin("bob", AccountChange::Password("short".into()))
        .await
        .unwrap_err();
    assert_eq!(e.status(), 400);
    assert!(alive(&svc, &bob).await, "a refused change changes nothing");
    svc.change_admin("bob", AccountChange::Password(NEW.into()))
        .await
        .unwrap();
    assert!(!alive(&svc, &bob).await, "a new password ends sessions");
    assert_eq!(session(&svc, "bob", PW).await.unwrap_err().status(), 401);
    let bob = session(&svc, "bob", NEW).await.unwrap();
    let bob2 = session(&svc, "bob", NEW).await.unwrap();

    let done = svc
        .change_admin("bob", AccountChange::RevokeSessions)
        .await
        .unwrap();
    assert!(done.contains("2 session(s)"), "{done}");
    assert!(!alive(&svc, &bob).await && !alive(&svc, &bob2).await);
    assert!(
        session(&svc, "bob", NEW).await.is_ok(),
        "revoking is not disabling"
    );

    svc.change_admin("bob", AccountChange::Delete)
        .await
        .unwrap();
    assert_eq!(session(&svc, "bob", NEW).await.unwrap_err().status(), 401);
    assert_eq!(
        svc.change_admin("bob", AccountChange::Enable)
            .await
            .unwrap_err()
            .status(),
        404
    );
    // Bob reached acme only: every change is in acme's log, none in beta's.
    let actions: Vec<String> = audited(&svc, "acme")
        .await
        .into_iter()
        .map(|a| a.0)
        .collect();
    assert_eq!(
        actions,
        [
            "admin-delete",
            "admin-revoke-sessions",
            "admin-password",
            "admin-enable",
            "admin-disable"
        ]
    );
    assert!(audited(&svc, "beta").await.is_empty());
}

#[tokio::test]
async fn super_admins_manage_accounts_in_the_console() {
    let svc = service().await;
    let root = svc.admin_login("root", PW, "x").await.unwrap().principal;
    let console = svc.console(&root);
    let list = console.admins().await.unwrap();
    let kinds: Vec<(&str, &str, Option<&str>)> = list
        .iter()
        .map(|a| (a.username.as_str(), a.kind, a.tenant.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("bob", "owner", Some("acme")),
            ("other", "super", None),
            ("root", "super", None),
            ("val", "viewer", Some("acme"))
        ]
    );
    let other = session(&svc, "other", PW).await.unwrap();
    console
        .change_admin("other", AccountChange::Disable)
        .await
        .unwrap();
    assert!(!alive(&svc, &other).await);
    assert!(console.admins().await.unwrap()[1].disabled.is_some());
    // Not oneself: no deleting or disabling; a new password is fine.
    for change in [AccountChange::Delete, AccountChange::Disable] {
        let e = console.change_admin("root", change).await.unwrap_err();
        assert_eq!(e.status(), 409);
    }
    console
        .change_admin("root", AccountChange::Password(NEW.into()))
        .await
        .unwrap();
    // A super-admin's account reaches every tenant: audited in each, by name.
    for tenant in ["acme", "beta"] {
        let entries = audited(&svc, tenant).await;
        assert_eq!(
            entries,
            [
                ("admin-password".into(), "root".into(), Some("root".into())),
                ("admin-disable".into(), "other".into(), Some("root".into())),
            ],
            "{tenant}"
        );
    }
}

#[tokio::test]
async fn only_super_admins_manage_accounts() {
    let svc = service().await;
    for user in ["bob", "val"] {
        let who = svc.admin_login(user, PW, "x").await.unwrap().principal;
        let console = svc.console(&who);
        assert_eq!(console.admins().await.unwrap_err().status(), 403, "{user}");
        for change in [
            AccountChange::Disable,
            AccountChange::RevokeSessions,
            AccountChange::Password(NEW.into()),
        ] {
            let e = console.change_admin("root", change).await.unwrap_err();
            assert_eq!(e.status(), 403, "{user}");
        }
    }
    assert!(session(&svc, "root", PW).await.is_ok());
}
