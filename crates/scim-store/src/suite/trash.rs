//! The soft-delete trash in the storage suite: listing, restoring (with
//! its name taken since, or no seat), and purging after retention.

use super::policy::provenance;
use super::{id, t, tenant, user};
use crate::events::{AuditEntry, AuditQuery, Journal};
use crate::index::keys;
use crate::model::*;
use crate::policy::Provenance;
use crate::{Store, StoreError};
use scim_core::resource::Version;
use serde_json::json;
use std::sync::Arc;

pub async fn trash_restore_and_purge(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    let mut alice = user("u1", json!({"userName": "alice", "active": true}));
    alice.provenance = provenance(11);
    r.insert(alice).await.unwrap();
    r.insert(user("u2", json!({"userName": "bob", "active": true})))
        .await
        .unwrap();
    r.insert(super::group("g1", "G", &["u1", "u2"]))
        .await
        .unwrap();
    assert!(r
        .trash(
            ResourceKind::User,
            &id("u1"),
            None,
            t(10),
            t(20),
            Journal::default()
        )
        .await
        .unwrap());
    assert!(!r
        .trash(
            ResourceKind::User,
            &id("u1"),
            None,
            t(10),
            t(20),
            Journal::default()
        )
        .await
        .unwrap());
    assert!(r
        .get(ResourceKind::User, &id("u1"), Load::NONE)
        .await
        .unwrap()
        .is_none());
    let g = r
        .get(ResourceKind::Group, &id("g1"), Load::ALL)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(super::member_ids(&g), ["u2"]);
    let trash = r.list_trash(ResourceKind::User).await.unwrap();
    assert_eq!(trash.len(), 1);
    let x = &trash[0];
    assert_eq!(
        (
            x.id.as_str(),
            x.display.as_deref(),
            x.deleted,
            x.purge_after,
            x.version
        ),
        ("u1", Some("alice"), t(10), t(20), Version::FIRST)
    );
    assert_eq!(x.provenance, provenance(11));
    assert_eq!(x.doc.get("userName"), Some(&json!("alice")));
    assert!(r.list_trash(ResourceKind::Group).await.unwrap().is_empty());
    // Another tenant sees none of it.
    let other = tenant(&store, "other").await;
    assert!(other
        .list_trash(ResourceKind::User)
        .await
        .unwrap()
        .is_empty());

    // The userName is free while the account is in the trash ...
    r.insert(user("u3", json!({"userName": "ALICE"})))
        .await
        .unwrap();
    let k = keys(ResourceKind::User, &x.doc, true);
    assert!(matches!(
        r.restore(
            ResourceKind::User,
            &id("u1"),
            k.clone(),
            x.provenance.clone(),
            t(12),
            Journal::default()
        )
        .await,
        Err(StoreError::Uniqueness(_))
    ));
    assert!(r
        .delete(ResourceKind::User, &id("u3"), None, Journal::default())
        .await
        .unwrap());
    // ... and restoring takes it back, with a newer version.
    let back = r
        .restore(
            ResourceKind::User,
            &id("u1"),
            k.clone(),
            x.provenance.clone(),
            t(12),
            Journal::default(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (back.version, back.created, back.last_modified),
        (Version(2), t(0), t(12))
    );
    assert_eq!(back.provenance, provenance(11));
    let found = r
        .get(ResourceKind::User, &id("u1"), Load::NONE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.doc.get("userName"), Some(&json!("alice")));
    assert!(r.list_trash(ResourceKind::User).await.unwrap().is_empty());
    assert!(r
        .restore(
            ResourceKind::User,
            &id("u1"),
            k,
            Provenance::default(),
            t(13),
            Journal::default()
        )
        .await
        .unwrap()
        .is_none());

    // Purging removes only what is past its retention, in every tenant.
    r.trash(
        ResourceKind::User,
        &id("u1"),
        None,
        t(30),
        t(40),
        Journal::default(),
    )
    .await
    .unwrap();
    r.trash(
        ResourceKind::User,
        &id("u2"),
        None,
        t(30),
        t(50),
        Journal::default(),
    )
    .await
    .unwrap();
    r.trash(
        ResourceKind::Group,
        &id("g1"),
        None,
        t(30),
        t(40),
        Journal::default(),
    )
    .await
    .unwrap();
    let purge = AuditEntry {
        at: t(45).unix_millis(),
        action: "purge".into(),
        status: 200,
        ..AuditEntry::default()
    };
    assert_eq!(store.purge_trash(t(39), purge.clone()).await.unwrap(), 0);
    assert_eq!(store.purge_trash(t(45), purge).await.unwrap(), 2);
    let left = r.list_trash(ResourceKind::User).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id.as_str(), "u2");
    assert!(r.list_trash(ResourceKind::Group).await.unwrap().is_empty());
    // Each purged resource is audited, in its tenant.
    let tid = store.find_tenant("t").await.unwrap().unwrap().id;
    let q = AuditQuery {
        limit: 100,
        ..AuditQuery::default()
    };
    let mut purged: Vec<(String, String)> = store
        .audit(tid, &q)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.entry.action == "purge")
        .map(|a| {
            (
                a.entry.resource_type.unwrap_or_default(),
                a.entry.resource_id.unwrap_or_default(),
            )
        })
        .collect();
    purged.sort();
    assert_eq!(
        purged,
        [("Group".into(), "g1".into()), ("User".into(), "u1".into())]
    );
}
