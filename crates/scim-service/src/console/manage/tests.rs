//! Console management beyond the command line: tokens' last use and the
//! connections' health, webhooks, admin accounts, the trash, and the
//! audit entry each console change leaves, naming the admin.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::admin_audit::AuditFilter;
use crate::console::{AdminPrincipal, BreakerState, ConnectionForm};
use crate::webhook_keys::Keyring;
use crate::{Clock, ManualClock, ScimService, Sequential, ServiceConfig};
use scim_store::memory::MemoryStore;
use scim_store::{AuditEntry, DeactivatePolicy, DeletePolicy, Journal, NewRecord, Ownership};
use serde_json::json;
use std::sync::Arc;

const PW: &str = "correct horse battery";
const T0: i64 = 1_700_000_000_000;

async fn service() -> (ScimService, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at(T0));
    let config = ServiceConfig {
        webhook_keys: Keyring::parse(&Keyring::generate_file().unwrap()).unwrap(),
        ..ServiceConfig::default()
    };
    let svc = ScimService::with(
        Arc::new(MemoryStore::new()),
        config,
        clock.clone(),
        Arc::new(Sequential::new("id")),
    )
    .unwrap();
    svc.create_tenant("acme").await.unwrap();
    svc.create_tenant("beta").await.unwrap();
    for (name, kind, tenant) in [
        ("root", AdminKind::Super, None),
        ("bob", AdminKind::Owner, Some("acme")),
        ("val", AdminKind::Viewer, Some("acme")),
    ] {
        svc.create_admin(name, PW, kind, tenant).await.unwrap();
    }
    (svc, clock)
}

async fn who(svc: &ScimService, name: &str) -> AdminPrincipal {
    svc.admin_login(name, PW, "127.0.0.1")
        .await
        .unwrap()
        .principal
        .with_request_id(&format!("req-{name}"))
}

/// A tenant's audit log: (action, resource type, resource id, admin).
async fn audited(svc: &ScimService, tenant: &str) -> Vec<(String, String, String, String)> {
    let f = AuditFilter {
        limit: 100,
        ..AuditFilter::default()
    };
    svc.audit_log(tenant, &f)
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

#[tokio::test]
async fn a_tokens_last_use_is_written_at_most_once_a_minute() {
    let (svc, clock) = service().await;
    let bob = who(&svc, "bob").await;
    let c = svc.console(&bob);
    let issued = c.issue_token("acme", "default", "idp", None).await.unwrap();
    let last = || async {
        c.connection("acme", "default")
            .await
            .unwrap()
            .health
            .last_used
    };
    assert_eq!(last().await, None, "never used");
    let header = format!("Bearer {}", issued.token);
    svc.authenticate(Some(&header)).await.unwrap();
    settle().await;
    let first = clock.now();
    assert_eq!(last().await, Some(first));
    // Within the minute, uses are not written.
    clock.advance(59_000);
    svc.authenticate(Some(&header)).await.unwrap();
    settle().await;
    assert_eq!(last().await, Some(first));
    clock.advance(1_000);
    svc.authenticate(Some(&header)).await.unwrap();
    settle().await;
    assert_eq!(last().await, Some(clock.now()));
    let v = c.connection("acme", "default").await.unwrap();
    assert_eq!(v.tokens[0].record.last_used, Some(clock.now()));
}

#[tokio::test]
async fn health_shows_the_breaker_and_the_last_refusal() {
    let (svc, clock) = service().await;
    let bob = who(&svc, "bob").await;
    let c = svc.console(&bob);
    let h = c.connection("acme", "default").await.unwrap().health;
    assert_eq!(h.breaker, BreakerState::Off);
    assert!(h.last_error.is_none());
    c.update_settings("acme", |s| {
        s.breaker.enabled = true;
        Ok(())
    })
    .await
    .unwrap();
    let conn = svc.connection_named("acme", "default").await.unwrap();
    let tenant = svc.tenant_named("acme").await.unwrap();
    for (status, detail) in [(409, "first"), (400, "second")] {
        let entry = AuditEntry {
            at: clock.now().unix_millis(),
            connection: Some(conn.id.db_key()),
            status,
            action: "refused".into(),
            detail: Some(detail.into()),
            ..AuditEntry::default()
        };
        svc.store.append_audit(tenant.id, entry).await.unwrap();
        clock.advance(1_000);
    }
    let h = c.connection("acme", "default").await.unwrap().health;
    assert_eq!(h.breaker, BreakerState::Armed);
    let e = h.last_error.unwrap().entry;
    assert_eq!((e.status, e.detail.as_deref()), (400, Some("second")));
    svc.store
        .pause_connection(conn.id, clock.now(), Journal::default())
        .await
        .unwrap();
    let h = c.connection("acme", "default").await.unwrap().health;
    assert_eq!(h.breaker, BreakerState::Paused(clock.now()));
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
    let (svc, _) = service().await;
    let (root, bob, val) = (
        who(&svc, "root").await,
        who(&svc, "bob").await,
        who(&svc, "val").await,
    );
    let c = svc.console(&bob);
    let created = c
        .create_webhook("acme", hook("https://203.0.113.7/hook"))
        .await
        .unwrap();
    assert!(created.secret.starts_with("whsec_"), "shown once, in clear");
    let stored = &svc.store.list_webhooks(None).await.unwrap()[0];
    assert_ne!(stored.secret, created.secret, "kept sealed");
    assert_eq!(
        c.create_webhook("acme", hook("http://127.0.0.1:9/x"))
            .await
            .unwrap_err()
            .status(),
        400,
        "loopback refused"
    );
    let private = WebhookForm {
        allow_private: true,
        ..hook("http://127.0.0.1:9/x")
    };
    assert_eq!(
        c.create_webhook("acme", private.clone())
            .await
            .unwrap_err()
            .status(),
        403,
        "an owner may not allow private addresses"
    );
    svc.console(&root)
        .create_webhook("acme", private)
        .await
        .unwrap();
    let id = created.id;
    let off = c.set_webhook_enabled("acme", id, false).await.unwrap();
    assert!(off.hook.disabled.is_some());
    assert!(c.webhook("acme", id).await.unwrap().hook.disabled.is_some());
    let on = c.set_webhook_enabled("acme", id, true).await.unwrap();
    assert!(on.hook.disabled.is_none());
    let v = svc.console(&val);
    for e in [
        v.create_webhook("acme", hook("https://203.0.113.8/"))
            .await
            .unwrap_err(),
        v.set_webhook_enabled("acme", id, false).await.unwrap_err(),
        v.delete_webhook("acme", id).await.unwrap_err(),
        c.delete_webhook("beta", id).await.unwrap_err(),
    ] {
        assert_eq!(e.status(), 403, "{e}");
    }
    assert_eq!(
        c.delete_webhook("acme", 999).await.unwrap_err().status(),
        404
    );
    c.delete_webhook("acme", id).await.unwrap();
    assert_eq!(c.webhooks("acme").await.unwrap().len(), 1);
    let log = audited(&svc, "acme").await;
    for action in [
        "webhook-create",
        "webhook-disable",
        "webhook-enable",
        "webhook-delete",
    ] {
        assert!(has(&log, action, "bob"), "{action} in {log:?}");
    }
    assert!(has(&log, "webhook-create", "root"));
    let entry = svc
        .audit_log(
            "acme",
            &AuditFilter {
                limit: 1,
                ..AuditFilter::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(entry[0].entry.request_id, "req-bob");
    let text = format!("{log:?}{entry:?}");
    assert!(
        !text.contains(&created.secret),
        "the secret is never audited"
    );
}

#[tokio::test]
async fn super_admins_create_accounts() {
    let (svc, _) = service().await;
    let (root, bob) = (who(&svc, "root").await, who(&svc, "bob").await);
    let form = |name: &str, kind, tenant: Option<&str>| AdminForm {
        username: name.into(),
        password: PW.into(),
        kind,
        tenant: tenant.map(str::to_string),
    };
    let made = svc
        .console(&root)
        .create_admin(form("Carol", AdminKind::Owner, Some("beta")))
        .await
        .unwrap();
    assert_eq!(made.username, "carol");
    assert_eq!((made.kind, made.tenant.as_deref()), ("owner", Some("beta")));
    assert!(svc.admin_login("carol", PW, "127.0.0.1").await.is_ok());
    assert_eq!(
        svc.console(&bob)
            .create_admin(form("dave", AdminKind::Owner, Some("acme")))
            .await
            .unwrap_err()
            .status(),
        403
    );
    let c = svc.console(&root);
    for (f, status) in [
        (form("carol", AdminKind::Viewer, Some("acme")), 409),
        (form("erin", AdminKind::Owner, None), 400),
        (form("<b>", AdminKind::Super, None), 400),
        (form("frank", AdminKind::Viewer, Some("nope")), 404),
    ] {
        assert_eq!(c.create_admin(f).await.unwrap_err().status(), status);
    }
    let log = audited(&svc, "beta").await;
    assert!(has(&log, "admin-create", "root"), "{log:?}");
    assert!(
        !audited(&svc, "acme")
            .await
            .iter()
            .any(|(a, ..)| a == "admin-create"),
        "audited only where the account reaches"
    );
}

async fn trashed_user(svc: &ScimService, tenant: &str, id: &str, name: &str) {
    let t = svc.tenant_named(tenant).await.unwrap();
    let r = svc.store.resources(t.id);
    let doc = json!({"schemas": [scim_core::schema::USER_SCHEMA], "id": id, "userName": name});
    let doc = doc.as_object().unwrap().clone();
    let rid = scim_core::resource::ResourceId::parse(id).unwrap();
    r.insert(NewRecord {
        kind: ResourceKind::User,
        id: rid.clone(),
        created: svc.clock.now(),
        provenance: Default::default(),
        keys: scim_store::index::keys(ResourceKind::User, &doc, true),
        doc,
        members: vec![],
        journal: Journal::default(),
    })
    .await
    .unwrap();
    let later = svc.clock.now();
    assert!(r
        .trash(
            ResourceKind::User,
            &rid,
            None,
            later,
            later,
            Journal::default()
        )
        .await
        .unwrap());
}

#[tokio::test]
async fn the_trash_is_listed_restored_and_purged() {
    let (svc, _) = service().await;
    let (bob, val) = (who(&svc, "bob").await, who(&svc, "val").await);
    trashed_user(&svc, "acme", "u1", "alice@example.com").await;
    trashed_user(&svc, "acme", "u2", "eve@example.com").await;
    let c = svc.console(&bob);
    let trash = c.trash("acme").await.unwrap();
    assert_eq!(trash.users.len(), 2);
    assert!(trash.groups.is_empty());
    assert_eq!(
        svc.console(&val).trash("acme").await.unwrap().users.len(),
        2
    );
    for e in [
        svc.console(&val)
            .restore("acme", ResourceKind::User, "u1")
            .await
            .map(|_| ())
            .unwrap_err(),
        svc.console(&val)
            .purge("acme", ResourceKind::User, "u1")
            .await
            .unwrap_err(),
        c.trash("beta").await.map(|_| ()).unwrap_err(),
    ] {
        assert_eq!(e.status(), 403);
    }
    let back = c.restore("acme", ResourceKind::User, "u1").await.unwrap();
    assert_eq!(back.id.as_str(), "u1");
    c.purge("acme", ResourceKind::User, "u2").await.unwrap();
    assert!(c.trash("acme").await.unwrap().users.is_empty());
    assert_eq!(
        c.purge("acme", ResourceKind::User, "u2")
            .await
            .unwrap_err()
            .status(),
        404
    );
    let log = audited(&svc, "acme").await;
    assert!(has(&log, "restore", "bob"), "{log:?}");
    assert!(log
        .iter()
        .any(|(a, k, id, by)| a == "purge" && k == "User" && id == "u2" && by == "bob"));
}

#[tokio::test]
async fn console_changes_name_the_admin() {
    let (svc, _) = service().await;
    let bob = who(&svc, "bob").await;
    let c = svc.console(&bob);
    let form = ConnectionForm {
        name: "okta".into(),
        profile: "okta".into(),
        deactivate: DeactivatePolicy::Disable,
        delete: DeletePolicy::SoftDelete,
        ownership: Ownership::Shared,
        max_tokens: 3,
    };
    c.create_connection("acme", form.clone()).await.unwrap();
    c.update_connection(
        "acme",
        "okta",
        ConnectionForm {
            name: "okta-prod".into(),
            ..form
        },
    )
    .await
    .unwrap();
    let t = c
        .issue_token("acme", "okta-prod", "ci", None)
        .await
        .unwrap();
    let rotated = c.rotate_token("acme", "okta-prod", 1).await.unwrap();
    c.revoke_token("acme", t.record.id).await.unwrap();
    c.update_settings("acme", |s| {
        s.retention_days = 9;
        Ok(())
    })
    .await
    .unwrap();
    c.delete_connection("acme", "okta-prod").await.unwrap();
    let log = audited(&svc, "acme").await;
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
    let text = format!(
        "{:?}",
        svc.audit_log(
            "acme",
            &AuditFilter {
                limit: 100,
                ..AuditFilter::default()
            }
        )
        .await
        .unwrap()
    );
    assert!(
        !text.contains(&t.token) && !text.contains(&rotated.token),
        "no secret"
    );
}
