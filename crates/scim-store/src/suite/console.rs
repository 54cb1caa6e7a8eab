//! Storage suite cases for what the admin console manages beyond the
//! command line: a token's last use, disabled webhooks, and purging one
//! resource from the trash before its retention ends.

use super::events::{journal, seqs};
use super::{id, t, user};
use crate::events::*;
use crate::model::*;
use crate::Store;
use serde_json::json;
use std::sync::Arc;

pub async fn tokens_record_their_last_use(store: Arc<dyn Store>) {
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let c = store
        .create_connection(a.id, "c", Profile::Auto, t(0))
        .await
        .unwrap();
    let tok = store
        .insert_token(NewToken {
            tenant: a.id,
            connection: c.id,
            name: "idp".into(),
            prefix: "scimd_ab".into(),
            hash: vec![7; 32],
            created: t(1),
            expires: None,
        })
        .await
        .unwrap();
    assert_eq!(tok.last_used, None, "a new token was never used");
    store.touch_token(tok.id, t(60)).await.unwrap();
    let last =
        |s: Arc<dyn Store>| async move { s.find_token(&[7; 32]).await.unwrap().unwrap().last_used };
    assert_eq!(last(store.clone()).await, Some(t(60)));
    // A late writer (another replica's older use) never moves it back.
    store.touch_token(tok.id, t(30)).await.unwrap();
    assert_eq!(last(store.clone()).await, Some(t(60)));
    store.touch_token(tok.id, t(120)).await.unwrap();
    assert_eq!(last(store.clone()).await, Some(t(120)));
    let listed = store.list_tokens(a.id).await.unwrap();
    assert_eq!(listed[0].last_used, Some(t(120)));
    let cred = store.credential(&[7; 32]).await.unwrap().unwrap();
    assert_eq!(cred.token.last_used, Some(t(120)));
    // A token that is gone is no error.
    store.touch_token(tok.id + 1000, t(130)).await.unwrap();
}

pub async fn disabled_webhooks_wait_without_holding_events(store: Arc<dyn Store>) {
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let b = store.create_tenant("b", t(0)).await.unwrap();
    let hook = store
        .create_webhook(NewWebhook {
            tenant: a.id,
            url: "http://127.0.0.1:1/hook".into(),
            secret: "s3cret".into(),
            format: WebhookFormat::Signed,
            full: true,
            created: t(0),
            allow_private: false,
        })
        .await
        .unwrap();
    assert_eq!(hook.disabled, None);
    assert!(!store
        .set_webhook_disabled(b.id, hook.id, Some(t(1)))
        .await
        .unwrap());
    assert!(store
        .set_webhook_disabled(a.id, hook.id, Some(t(1)))
        .await
        .unwrap());
    let listed = &store.list_webhooks(Some(a.id)).await.unwrap()[0];
    assert_eq!(listed.disabled, Some(t(1)));
    let r = store.resources(a.id);
    for (n, rid) in ["u1", "u2"].into_iter().enumerate() {
        let mut u = user(rid, json!({"userName": rid}));
        u.journal = journal("create", 201, rid, u32::try_from(n).unwrap() + 2, 1);
        r.insert(u).await.unwrap();
    }
    // Its events wait for it (pending) ...
    assert_eq!(
        store.count_events(a.id, listed.cursor, 100).await.unwrap(),
        2
    );
    // ... but do not hold back the retention.
    assert_eq!(store.purge_events(t(100)).await.unwrap(), 2);
    assert!(seqs(&store, a.id).await.is_empty());
    assert!(store
        .set_webhook_disabled(a.id, hook.id, None)
        .await
        .unwrap());
    let enabled = &store.list_webhooks(Some(a.id)).await.unwrap()[0];
    assert_eq!(enabled.disabled, None);
    assert_eq!(
        store.count_events(a.id, enabled.cursor, 100).await.unwrap(),
        0
    );
    // Enabled, it holds them again.
    let mut u = user("u3", json!({"userName": "u3"}));
    u.journal = journal("create", 201, "u3", 5, 1);
    r.insert(u).await.unwrap();
    assert_eq!(store.purge_events(t(100)).await.unwrap(), 0);
}

pub async fn one_trashed_resource_is_purged(store: Arc<dyn Store>) {
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let b = store.create_tenant("b", t(0)).await.unwrap();
    let r = store.resources(a.id);
    for rid in ["u1", "u2"] {
        r.insert(user(rid, json!({"userName": rid}))).await.unwrap();
        assert!(r
            .trash(
                ResourceKind::User,
                &id(rid),
                None,
                t(1),
                t(1000),
                Journal::default()
            )
            .await
            .unwrap());
    }
    assert!(
        !store
            .resources(b.id)
            .purge_trashed(ResourceKind::User, &id("u1"), Journal::default())
            .await
            .unwrap(),
        "another tenant's trash is out of reach"
    );
    assert!(!r
        .purge_trashed(ResourceKind::Group, &id("u1"), Journal::default())
        .await
        .unwrap());
    let audit = Journal {
        audit: Some(AuditEntry {
            at: t(2).unix_millis(),
            action: "purge".into(),
            status: 200,
            resource_type: Some("User".into()),
            resource_id: Some("u1".into()),
            admin: Some("alice".into()),
            ..AuditEntry::default()
        }),
        ..Journal::default()
    };
    assert!(r
        .purge_trashed(ResourceKind::User, &id("u1"), audit)
        .await
        .unwrap());
    let left = r.list_trash(ResourceKind::User).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id.as_str(), "u2");
    assert!(!r
        .purge_trashed(ResourceKind::User, &id("u1"), Journal::default())
        .await
        .unwrap());
    let log = store
        .audit(
            a.id,
            &AuditQuery {
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].entry.action, "purge");
    assert_eq!(log[0].entry.admin.as_deref(), Some("alice"));
    // The name is free again.
    r.insert(user("u9", json!({"userName": "u1"})))
        .await
        .unwrap();
}
