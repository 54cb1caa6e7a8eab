//! Write plans (`crate::plan`): a plan applies only to the version it was
//! computed from, a stale one changes nothing (not even the journal), a
//! delete removes only the version it read, and a rewrite moves exactly
//! the index rows that changed.

use super::{doc, id, ids, t, tenant, user, UpdateExt};
use crate::events::{AuditEntry, AuditQuery, Journal};
use crate::index::keys;
use crate::model::*;
use crate::plan::Plan;
use crate::{Store, StoreError};
use scim_core::resource::Version;
use serde_json::{json, Value};
use std::sync::Arc;

fn audited(action: &str) -> Journal {
    Journal {
        audit: Some(AuditEntry {
            action: action.into(),
            ..AuditEntry::default()
        }),
        ..Journal::default()
    }
}

fn rename(current: &Record, name: &str, action: &str) -> Update {
    let mut d = current.doc.clone();
    d.insert("userName".into(), json!(name));
    let k = keys(ResourceKind::User, &d, true);
    Update {
        doc: Some((d, k)),
        journal: audited(action),
        ..Update::none(t(5))
    }
}

pub async fn stale_plans_change_nothing(store: Arc<dyn Store>) {
    let tn = store.create_tenant("t", t(0)).await.unwrap();
    let r = store.resources(tn.id);
    r.insert(user("u1", json!({"userName": "a"})))
        .await
        .unwrap();
    let read = r
        .get(ResourceKind::User, &id("u1"), Load::NONE)
        .await
        .unwrap()
        .unwrap();
    // Computed from version 1 ...
    let stale = Plan::new(ResourceKind::User, &read, rename(&read, "late", "late")).unwrap();
    // ... while another write moves the resource to version 2.
    let fresh = Plan::new(ResourceKind::User, &read, rename(&read, "b", "first")).unwrap();
    let applied = r
        .apply(ResourceKind::User, &id("u1"), fresh)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(applied.version, Version(2));
    assert!(applied.changed);
    assert_eq!(
        r.apply(ResourceKind::User, &id("u1"), stale).await,
        Err(StoreError::Stale)
    );
    let now = r
        .get(ResourceKind::User, &id("u1"), Load::NONE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.version, Version(2));
    assert_eq!(now.doc.get("userName"), Some(&json!("b")));
    assert_eq!(
        ids(&r, ResourceKind::User, r#"userName eq "late""#).await,
        ""
    );
    assert_eq!(
        ids(&r, ResourceKind::User, r#"userName eq "b""#).await,
        "u1"
    );
    let actions: Vec<String> = store
        .audit(
            tn.id,
            &AuditQuery {
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.entry.action)
        .collect();
    assert_eq!(actions, ["first"]);
    // A plan for a resource that is gone finds nothing.
    let gone = Plan::new(ResourceKind::User, &now, rename(&now, "c", "gone")).unwrap();
    assert!(r
        .delete(ResourceKind::User, &id("u1"), None, Journal::default())
        .await
        .unwrap());
    assert_eq!(r.apply(ResourceKind::User, &id("u1"), gone).await, Ok(None));
}

pub async fn deletes_remove_the_version_they_read(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    r.insert(user("u1", json!({"userName": "a"})))
        .await
        .unwrap();
    r.insert(user("u2", json!({"userName": "b"})))
        .await
        .unwrap();
    r.update(
        ResourceKind::User,
        &id("u1"),
        Load::NONE,
        Box::new(|cur: &Record| Ok(rename(cur, "a2", "rename"))),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        r.delete(
            ResourceKind::User,
            &id("u1"),
            Some(Version(1)),
            Journal::default()
        )
        .await,
        Err(StoreError::Stale)
    );
    assert_eq!(
        r.trash(
            ResourceKind::User,
            &id("u1"),
            Some(Version(1)),
            t(6),
            t(99),
            Journal::default()
        )
        .await,
        Err(StoreError::Stale)
    );
    assert_eq!(
        ids(&r, ResourceKind::User, r#"userName eq "a2""#).await,
        "u1"
    );
    assert!(r
        .delete(
            ResourceKind::User,
            &id("u1"),
            Some(Version(2)),
            Journal::default()
        )
        .await
        .unwrap());
    assert!(r
        .trash(
            ResourceKind::User,
            &id("u2"),
            Some(Version(1)),
            t(6),
            t(99),
            Journal::default()
        )
        .await
        .unwrap());
    assert_eq!(ids(&r, ResourceKind::User, r#"userName pr"#).await, "");
}

pub async fn rewrites_move_only_changed_index_rows(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    let emails: Vec<Value> = (0..3000)
        .map(|i| json!({"value": format!("m{i}@example.com")}))
        .collect();
    r.insert(user("u1", json!({"userName": "a", "emails": emails})))
        .await
        .unwrap();
    let read = r
        .get(ResourceKind::User, &id("u1"), Load::NONE)
        .await
        .unwrap()
        .unwrap();
    let mut d = read.doc.clone();
    let list = d.get_mut("emails").unwrap().as_array_mut().unwrap();
    list.remove(17);
    list.push(json!({"value": "New@example.com"}));
    let k = keys(ResourceKind::User, &d, true);
    let plan = Plan::new(
        ResourceKind::User,
        &read,
        Update {
            doc: Some((d, k)),
            ..Update::none(t(3))
        },
    )
    .unwrap();
    let index = &plan.doc.as_ref().unwrap().index;
    assert_eq!(index.removed.len(), 1);
    assert_eq!(index.added.len(), 1);
    r.apply(ResourceKind::User, &id("u1"), plan)
        .await
        .unwrap()
        .unwrap();
    let find = |v: &str| format!(r#"emails.value eq "{v}""#);
    assert_eq!(
        ids(&r, ResourceKind::User, &find("m17@example.com")).await,
        ""
    );
    assert_eq!(
        ids(&r, ResourceKind::User, &find("new@example.com")).await,
        "u1"
    );
    assert_eq!(
        ids(&r, ResourceKind::User, &find("m2999@example.com")).await,
        "u1"
    );
    assert_eq!(
        ids(&r, ResourceKind::User, r#"userName eq "a""#).await,
        "u1"
    );
    let unchanged = Plan::new(
        ResourceKind::User,
        &read,
        Update {
            doc: Some((doc(json!({"userName": "a"})), Default::default())),
            ..Update::none(t(4))
        },
    );
    // Computed from version 1, which is gone.
    assert_eq!(
        r.apply(ResourceKind::User, &id("u1"), unchanged.unwrap())
            .await,
        Err(StoreError::Stale)
    );
}
