//! Console management beyond the command line: tokens' last use and the
//! connections' health, webhooks, admin accounts, the trash, and the
//! audit entry each console change leaves, naming the admin (and none for
//! the command line's changes).

use crate::harness::*;
use scim_service::admin_audit::AuditFilter;
use scim_service::admin_connections::Rotation;
use scim_service::console::{AdminForm, AdminKind, BreakerState, ConnectionForm, WebhookForm};
use scim_service::{AdminPrincipal, Clock, Console};
use scim_store::{
    AuditEntry, DeactivatePolicy, DeletePolicy, EventStore, Journal, Ownership, ResourceKind,
    Store, WebhookFormat,
};

/// Tenants `acme` and `beta`, a super-admin `root`, an owner `bob` and a
/// viewer `val` of `acme`.
async fn setup() -> Harness {
    let h = Harness::new().await;
    for t in ["acme", "beta"] {
        h.op.system().create_tenant(t).await.unwrap();
    }
    h.admin("root", AdminKind::Super, None).await;
    h.admin("bob", AdminKind::Owner, Some("acme")).await;
    h.admin("val", AdminKind::Viewer, Some("acme")).await;
    h
}

async fn who(h: &Harness, name: &str) -> AdminPrincipal {
    h.login(name)
        .await
        .principal
        .with_request_id(&format!("req-{name}"))
}

/// A tenant's audit log: (action, resource type, resource id, admin).
async fn audited(h: &Harness, tenant: &str) -> Vec<(String, String, String, String)> {
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
        .map(|r| {
            (
                r.entry.action,
                r.entry.resource_type.unwrap_or_default(),
                r.entry.resource_id.unwrap_or_default(),
                r.entry.admin.unwrap_or_default(),
            )
        })
        .collect()
}

fn has(log: &[(String, String, String, String)], action: &str, admin: &str) -> bool {
    log.iter().any(|(a, _, _, by)| a == action && by == admin)
}

/// Lets the task that records a token's use run.
async fn settle() {
    for _ in 0..4 {
        tokio::task::yield_now().await;
    }
}

async fn health(c: &Console<'_>) -> scim_service::console::ConnectionHealth {
    let t = c.read("acme").await.unwrap();
    t.connection_view("default").await.unwrap().health
}

#[tokio::test]
async fn a_tokens_last_use_is_written_at_most_once_a_minute() {
    let h = setup().await;
    let bob = who(&h, "bob").await;
    let c = h.svc.console(&bob);
    let t = c.change("acme").await.unwrap();
    let issued = t.issue_token(Some("default"), "idp", None).await.unwrap();
    assert_eq!(health(&c).await.last_used, None, "never used");
    let header = format!("Bearer {}", issued.token);
    h.svc.authenticate(Some(&header)).await.unwrap();
    settle().await;
    let first = h.clock.now();
    assert_eq!(health(&c).await.last_used, Some(first));
    // Within the minute, uses are not written.
    h.advance(59_000);
    h.svc.authenticate(Some(&header)).await.unwrap();
    settle().await;
    assert_eq!(health(&c).await.last_used, Some(first));
    h.advance(1_000);
    h.svc.authenticate(Some(&header)).await.unwrap();
    settle().await;
    assert_eq!(health(&c).await.last_used, Some(h.clock.now()));
    let v = c.read("acme").await.unwrap();
    let v = v.connection_view("default").await.unwrap();
    assert_eq!(v.tokens[0].record.last_used, Some(h.clock.now()));
}

#[tokio::test]
async fn health_shows_the_breaker_and_the_last_refusal() {
    let h = setup().await;
    let bob = who(&h, "bob").await;
    let c = h.svc.console(&bob);
    let hl = health(&c).await;
    assert_eq!(hl.breaker, BreakerState::Off);
    assert!(hl.last_error.is_none());
    c.change("acme")
        .await
        .unwrap()
        .update_settings(|s| {
            s.breaker.enabled = true;
            Ok(())
        })
        .await
        .unwrap();
    let t = h.tenant("acme").await;
    let conns = t.connections().await.unwrap();
    let conn = conns.iter().find(|c| c.name == "default").unwrap();
    for (status, detail) in [(409, "first"), (400, "second")] {
        let entry = AuditEntry {
            at: h.clock.now().unix_millis(),
            connection: Some(conn.id.db_key()),
            status,
            action: "refused".into(),
            detail: Some(detail.into()),
            ..AuditEntry::default()
        };
        h.store.append_audit(t.tenant().id, entry).await.unwrap();
        h.advance(1_000);
    }
    let hl = health(&c).await;
    assert_eq!(hl.breaker, BreakerState::Armed);
    let e = hl.last_error.unwrap().entry;
    assert_eq!((e.status, e.detail.as_deref()), (400, Some("second")));
    h.store
        .pause_connection(conn.id, h.clock.now(), Journal::default())
        .await
        .unwrap();
    assert_eq!(
        health(&c).await.breaker,
        BreakerState::Paused(h.clock.now())
    );
}

fn hook(url: &str) -> WebhookForm {
    WebhookForm {
        url: url.into(),
        format: WebhookFormat::Signed,
        full: false,
        allow_private: false,
    }
}

#[tokio::test]
async fn webhooks_are_managed_and_audited() {
    let h = setup().await;
    let (root, bob, val) = (
        who(&h, "root").await,
        who(&h, "bob").await,
        who(&h, "val").await,
    );
    let c = h.svc.console(&bob);
    let created = c
        .create_webhook("acme", hook("https://203.0.113.7/hook"))
        .await
        .unwrap();
    assert!(created.secret.starts_with("whsec_"), "shown once, in clear");
    let stored = &h.store.list_webhooks(None).await.unwrap()[0];
    assert_ne!(stored.secret, created.secret, "kept sealed");
    let e = c.create_webhook("acme", hook("http://127.0.0.1:9/x")).await;
    assert_eq!(e.unwrap_err().status(), 400, "loopback refused");
    let private = WebhookForm {
        allow_private: true,
        ..hook("http://127.0.0.1:9/x")
    };
    let e = c.create_webhook("acme", private.clone()).await;
    assert_eq!(
        e.unwrap_err().status(),
        403,
        "an owner may not allow private addresses"
    );
    let r = h.svc.console(&root);
    r.create_webhook("acme", private).await.unwrap();
    let id = created.id;
    let t = c.change("acme").await.unwrap();
    let off = t.set_webhook_enabled(id, false).await.unwrap();
    assert!(off.hook.disabled.is_some());
    assert!(t.hooks().get(id).await.unwrap().disabled.is_some());
    let on = t.set_webhook_enabled(id, true).await.unwrap();
    assert!(on.hook.disabled.is_none());
    let v = h.svc.console(&val);
    for e in [
        v.create_webhook("acme", hook("https://203.0.113.8/"))
            .await
            .map(|_| ())
            .unwrap_err(),
        v.change("acme").await.map(|_| ()).unwrap_err(),
        c.change("beta").await.map(|_| ()).unwrap_err(),
    ] {
        assert_eq!(e.status(), 403, "{e}");
    }
    assert_eq!(t.delete_webhook(999).await.unwrap_err().status(), 404);
    t.delete_webhook(id).await.unwrap();
    assert_eq!(t.hooks().list().await.unwrap().len(), 1);
    let log = audited(&h, "acme").await;
    for action in [
        "webhook-create",
        "webhook-disable",
        "webhook-enable",
        "webhook-delete",
    ] {
        assert!(has(&log, action, "bob"), "{action} in {log:?}");
    }
    assert!(has(&log, "webhook-create", "root"));
    let f = AuditFilter {
        limit: 1,
        ..AuditFilter::default()
    };
    let entry = h.tenant("acme").await.audit(&f).await.unwrap();
    assert_eq!(entry[0].entry.request_id, "req-bob");
    let text = format!("{log:?}{entry:?}");
    assert!(
        !text.contains(&created.secret),
        "the secret is never audited"
    );
}

#[tokio::test]
async fn super_admins_create_accounts() {
    let h = setup().await;
    let (root, bob) = (who(&h, "root").await, who(&h, "bob").await);
    let form = |name: &str, kind, tenant: Option<&str>| AdminForm {
        username: name.into(),
        password: PW.into(),
        kind,
        tenant: tenant.map(str::to_string),
    };
    let c = h.svc.console(&root);
    let system = c.system().unwrap();
    let made = system
        .create_admin_from(form("Carol", AdminKind::Owner, Some("beta")))
        .await
        .unwrap();
    assert_eq!(made.username, "carol");
    assert_eq!((made.kind, made.tenant.as_deref()), ("owner", Some("beta")));
    h.login("carol").await;
    let e = h.svc.console(&bob).system().map(|_| ()).unwrap_err();
    assert_eq!(e.status(), 403);
    for (f, status) in [
        (form("carol", AdminKind::Viewer, Some("acme")), 409),
        (form("erin", AdminKind::Owner, None), 400),
        (form("<b>", AdminKind::Super, None), 400),
        (form("frank", AdminKind::Viewer, Some("nope")), 404),
    ] {
        let e = system.create_admin_from(f).await.unwrap_err();
        assert_eq!(e.status(), status);
    }
    let log = audited(&h, "beta").await;
    assert!(has(&log, "admin-create", "root"), "{log:?}");
    assert!(
        !audited(&h, "acme")
            .await
            .iter()
            .any(|(a, ..)| a == "admin-create"),
        "audited only where the account reaches"
    );
}

/// A user of tenant `acme` created by its `default` connection, which
/// soft-deletes, and deleted into the trash.
async fn trashed_user(h: &Harness, name: &str) -> String {
    let t = h.tenant("acme").await;
    t.update_connection("default", |c| {
        c.policy.delete = DeletePolicy::SoftDelete;
        Ok(())
    })
    .await
    .unwrap();
    let idp = h.token("acme", "default").await;
    let id = idp.create_user(name).await;
    expect(&idp.delete(&format!("/Users/{id}")).await, 204, "delete");
    id
}

#[tokio::test]
async fn the_trash_is_listed_restored_and_purged() {
    let h = setup().await;
    let (bob, val) = (who(&h, "bob").await, who(&h, "val").await);
    let u1 = trashed_user(&h, "alice@example.com").await;
    let u2 = trashed_user(&h, "eve@example.com").await;
    let c = h.svc.console(&bob);
    let trash = c.read("acme").await.unwrap().trash_all().await.unwrap();
    assert_eq!(trash.users.len(), 2, "{trash:?}");
    assert!(trash.groups.is_empty());
    let v = h.svc.console(&val);
    let viewed = v.read("acme").await.unwrap().trash_all().await.unwrap();
    assert_eq!(viewed.users.len(), 2);
    assert_eq!(
        v.change("acme").await.map(|_| ()).unwrap_err().status(),
        403
    );
    assert_eq!(c.read("beta").await.map(|_| ()).unwrap_err().status(), 403);
    let t = c.change("acme").await.unwrap();
    let back = t.restore(ResourceKind::User, &u1).await.unwrap();
    assert_eq!(back.id.as_str(), u1);
    t.purge_trashed(ResourceKind::User, &u2).await.unwrap();
    assert!(t.trash_all().await.unwrap().users.is_empty());
    let e = t.purge_trashed(ResourceKind::User, &u2).await.unwrap_err();
    assert_eq!(e.status(), 404);
    let log = audited(&h, "acme").await;
    assert!(has(&log, "restore", "bob"), "{log:?}");
    assert!(log
        .iter()
        .any(|(a, k, id, by)| a == "purge" && k == "User" && *id == u2 && by == "bob"));
}

#[tokio::test]
async fn console_changes_name_the_admin() {
    let h = setup().await;
    let bob = who(&h, "bob").await;
    let c = h.svc.console(&bob);
    let t = c.change("acme").await.unwrap();
    let form = ConnectionForm {
        name: "okta".into(),
        profile: "okta".into(),
        deactivate: DeactivatePolicy::Disable,
        delete: DeletePolicy::SoftDelete,
        ownership: Ownership::Shared,
        max_tokens: 3,
        undefined: None,
    };
    t.create_connection(&form.name, &form.profile, form.policy())
        .await
        .unwrap();
    let renamed = ConnectionForm {
        name: "okta-prod".into(),
        ..form
    };
    t.update_connection("okta", move |c| renamed.apply(c))
        .await
        .unwrap();
    let issued = t.issue_token(Some("okta-prod"), "ci", None).await.unwrap();
    let rotated = t
        .rotate_token("okta-prod", Rotation::console(1))
        .await
        .unwrap();
    t.revoke_token(issued.record.id).await.unwrap();
    t.update_settings(|s| {
        s.retention_days = 9;
        Ok(())
    })
    .await
    .unwrap();
    t.delete_connection("okta-prod").await.unwrap();
    let log = audited(&h, "acme").await;
    for action in [
        "connection-create",
        "connection-update",
        "token-issue",
        "token-rotate",
        "token-revoke",
        "settings-update",
        "connection-delete",
    ] {
        assert!(has(&log, action, "bob"), "{action} missing from {log:?}");
    }
    let f = AuditFilter {
        limit: 100,
        ..AuditFilter::default()
    };
    let text = format!("{:?}", h.tenant("acme").await.audit(&f).await.unwrap());
    assert!(
        !text.contains(&issued.token) && !text.contains(&rotated.token),
        "no secret"
    );

    // The command line's changes are the operator's: not in the log.
    let before = audited(&h, "beta").await.len();
    let op = h.tenant("beta").await;
    op.issue_token(None, "cli", None).await.unwrap();
    op.create_connection("cli", "auto", Default::default())
        .await
        .unwrap();
    assert_eq!(audited(&h, "beta").await.len(), before);
}
