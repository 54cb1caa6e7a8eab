//! Admin accounts: what each change does to signing in and sessions, who
//! may make it, and where it is audited.

use crate::harness::*;
use scim_core::ScimResult;
use scim_service::admin_audit::AuditFilter;
use scim_service::console::{AccountChange, AdminKind};

const NEW: &str = "a brand new password";

/// Tenants `default` and `beta`; super-admins `root` and `other`, `bob`
/// owner and `val` viewer of `default`.
async fn harness() -> Harness {
    let h = Harness::new().await;
    h.op.system().create_tenant("beta").await.unwrap();
    for (name, kind, tenant) in [
        ("root", AdminKind::Super, None),
        ("other", AdminKind::Super, None),
        ("bob", AdminKind::Owner, Some("default")),
        ("val", AdminKind::Viewer, Some("default")),
    ] {
        h.admin(name, kind, tenant).await;
    }
    h
}

async fn session(h: &Harness, user: &str, password: &str) -> ScimResult<String> {
    h.svc
        .sessions()
        .login(user, password, "127.0.0.1")
        .await
        .map(|o| o.token)
}

async fn alive(h: &Harness, token: &str) -> bool {
    h.svc
        .sessions()
        .session(Some(token), None, false)
        .await
        .is_ok()
}

/// The `Admin` entries of a tenant's audit log: (action, id, admin).
async fn admin_entries(h: &Harness, tenant: &str) -> Vec<(String, String, Option<String>)> {
    let f = AuditFilter {
        limit: 100,
        ..AuditFilter::default()
    };
    h.tenant(tenant)
        .await
        .audit(&f)
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
    let h = harness().await;
    let op = h.op.system();
    let bob = session(&h, "bob", PW).await.unwrap();
    op.change_admin("BOB", AccountChange::Disable)
        .await
        .unwrap();
    assert!(!alive(&h, &bob).await, "disabling ends sessions");
    let e = session(&h, "bob", PW).await.unwrap_err();
    assert_eq!(e.status(), 401, "a disabled account cannot sign in");
    op.change_admin("bob", AccountChange::Enable).await.unwrap();
    let bob = session(&h, "bob", PW).await.unwrap();

    let e = op
        .change_admin("bob", AccountChange::Password("short".into()))
        .await
        .unwrap_err();
    assert_eq!(e.status(), 400);
    assert!(alive(&h, &bob).await, "a refused change changes nothing");
    op.change_admin("bob", AccountChange::Password(NEW.into()))
        .await
        .unwrap();
    assert!(!alive(&h, &bob).await, "a new password ends sessions");
    assert_eq!(session(&h, "bob", PW).await.unwrap_err().status(), 401);
    let bob = session(&h, "bob", NEW).await.unwrap();
    let bob2 = session(&h, "bob", NEW).await.unwrap();

    let done = op
        .change_admin("bob", AccountChange::RevokeSessions)
        .await
        .unwrap();
    assert!(done.contains("2 session(s)"), "{done}");
    assert!(!alive(&h, &bob).await && !alive(&h, &bob2).await);
    assert!(
        session(&h, "bob", NEW).await.is_ok(),
        "revoking is not disabling"
    );

    op.change_admin("bob", AccountChange::Delete).await.unwrap();
    assert_eq!(session(&h, "bob", NEW).await.unwrap_err().status(), 401);
    let e = op
        .change_admin("bob", AccountChange::Enable)
        .await
        .unwrap_err();
    assert_eq!(e.status(), 404);
    // Bob reached `default` only: every change is in its log, none in beta's.
    let actions: Vec<String> = admin_entries(&h, "default")
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
    assert!(admin_entries(&h, "beta").await.is_empty());
}

#[tokio::test]
async fn super_admins_manage_accounts_in_the_console() {
    let h = harness().await;
    let root = h.login("root").await.principal;
    let console = h.svc.console(&root);
    let system = console.system().unwrap();
    let list = system.admins().await.unwrap();
    let kinds: Vec<(&str, &str, Option<&str>)> = list
        .iter()
        .map(|a| (a.username.as_str(), a.kind, a.tenant.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("bob", "owner", Some("default")),
            ("other", "super", None),
            ("root", "super", None),
            ("val", "viewer", Some("default"))
        ]
    );
    let other = session(&h, "other", PW).await.unwrap();
    system
        .change_admin("other", AccountChange::Disable)
        .await
        .unwrap();
    assert!(!alive(&h, &other).await);
    assert!(system.admins().await.unwrap()[1].disabled.is_some());
    // Not oneself: no deleting or disabling; a new password is fine.
    for change in [AccountChange::Delete, AccountChange::Disable] {
        let e = system.change_admin("root", change).await.unwrap_err();
        assert_eq!(e.status(), 409);
    }
    system
        .change_admin("root", AccountChange::Password(NEW.into()))
        .await
        .unwrap();
    // A super-admin's account reaches every tenant: audited in each, by name.
    for tenant in ["default", "beta"] {
        let entries = admin_entries(&h, tenant).await;
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
    let h = harness().await;
    for user in ["bob", "val"] {
        let who = h.login(user).await.principal;
        let e = h.svc.console(&who).system().err().unwrap();
        assert_eq!(e.status(), 403, "{user}");
    }
    assert!(session(&h, "root", PW).await.is_ok());
}
