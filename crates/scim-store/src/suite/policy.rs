//! Storage suite cases for provisioning policies: tenant settings,
//! connection changes, token expiry, provenance, seat limits enforced in
//! the write transaction, and the soft-delete trash.

use super::{doc, id, set_doc, t, tenant, user, UpdateExt};
use crate::events::Journal;
use crate::index::keys;
use crate::model::*;
use crate::policy::{ConnectionPolicy, DeletePolicy, Ownership, Provenance, TenantSettings};
use crate::{ResourceStore, Store, StoreError};
use scim_core::resource::Version;
use serde_json::json;
use std::sync::Arc;

pub async fn settings_connections_and_token_expiry(store: Arc<dyn Store>) {
    let a = store.create_tenant("acme", t(0)).await.unwrap();
    let b = store.create_tenant("beta", t(0)).await.unwrap();
    assert_eq!(a.settings, TenantSettings::default());
    let settings = TenantSettings {
        seat_limit: Some(3),
        retention_days: 7,
        ..TenantSettings::default()
    };
    assert!(store.update_tenant(a.id, &settings).await.unwrap());
    assert_eq!(
        store.tenant(a.id).await.unwrap().unwrap().settings,
        settings
    );
    assert_eq!(
        store.find_tenant("acme").await.unwrap().unwrap().settings,
        settings
    );
    assert_eq!(
        store.tenant(b.id).await.unwrap().unwrap().settings,
        TenantSettings::default()
    );

    let entra = store
        .create_connection(a.id, "entra", Profile::Entra, t(1))
        .await
        .unwrap();
    let okta = store
        .create_connection(a.id, "okta", Profile::Okta, t(1))
        .await
        .unwrap();
    assert_eq!(entra.policy, ConnectionPolicy::default());
    let policy = ConnectionPolicy {
        delete: DeletePolicy::SoftDelete,
        ownership: Ownership::Exclusive,
        max_active_tokens: 5,
        ..ConnectionPolicy::default()
    };
    let change = ConnectionUpdate {
        name: "entra-prod".into(),
        profile: Profile::Entra,
        policy: policy.clone(),
    };
    let updated = store
        .update_connection(a.id, entra.id, change.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (updated.name.as_str(), &updated.policy),
        ("entra-prod", &policy)
    );
    assert_eq!(store.connection(entra.id).await.unwrap().unwrap(), updated);
    assert!(
        store
            .update_connection(b.id, entra.id, change.clone())
            .await
            .unwrap()
            .is_none(),
        "another tenant cannot change it"
    );
    let clash = ConnectionUpdate {
        name: "okta".into(),
        ..change
    };
    assert!(matches!(
        store.update_connection(a.id, entra.id, clash).await,
        Err(StoreError::Uniqueness(_))
    ));

    let tok = store
        .insert_token(NewToken {
            tenant: a.id,
            connection: okta.id,
            name: "okta".into(),
            prefix: "scimd_ok".into(),
            hash: vec![9; 32],
            created: t(2),
            expires: None,
        })
        .await
        .unwrap();
    assert!(!store.expire_token(b.id, tok.id, t(5)).await.unwrap());
    assert!(store.expire_token(a.id, tok.id, t(5)).await.unwrap());
    assert_eq!(
        store.find_token(&[9; 32]).await.unwrap().unwrap().expires,
        Some(t(5))
    );
    assert!(!store.delete_connection(b.id, okta.id).await.unwrap());
    assert!(store.delete_connection(a.id, okta.id).await.unwrap());
    assert!(store.connection(okta.id).await.unwrap().is_none());
    assert!(
        store.find_token(&[9; 32]).await.unwrap().is_none(),
        "a deleted connection's tokens go with it"
    );
    assert!(!store.delete_connection(a.id, okta.id).await.unwrap());
}

pub(super) fn provenance(by: i64) -> Provenance {
    Provenance::provisioned(ConnectionId::from_db(by), "entra-prod", "entra", t(1))
}

pub async fn provenance_is_kept(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    let mut new = user("u1", json!({"userName": "a"}));
    new.provenance = provenance(11);
    let rec = r.insert(new).await.unwrap();
    assert_eq!(rec.provenance, provenance(11));
    let got = r
        .get(ResourceKind::User, &id("u1"), Load::NONE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.provenance, provenance(11));

    // Provenance is recorded only with a change ...
    let touched = provenance(11).touched(ConnectionId::from_db(12), "okta", t(3));
    let same = touched.clone();
    let up = r
        .update(
            ResourceKind::User,
            &id("u1"),
            Load::NONE,
            Box::new(move |cur: &Record| {
                Ok(Update {
                    doc: Some((cur.doc.clone(), keys(ResourceKind::User, &cur.doc, true))),
                    provenance: Some(same.clone()),
                    ..Update::none(t(3))
                })
            }),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(!up.changed);
    assert_eq!(up.record.provenance, provenance(11));
    let same = touched.clone();
    let up = r
        .update(
            ResourceKind::User,
            &id("u1"),
            Load::NONE,
            Box::new(move |_cur: &Record| {
                let d = doc(json!({"userName": "a", "title": "x"}));
                let k = keys(ResourceKind::User, &d, true);
                Ok(Update {
                    doc: Some((d, k)),
                    provenance: Some(same.clone()),
                    ..Update::none(t(3))
                })
            }),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(up.changed);
    assert_eq!(up.record.provenance, touched);
    // ... or when forced, which moves the version.
    let local = Provenance::local("local");
    let forced = local.clone();
    let up = r
        .update(
            ResourceKind::User,
            &id("u1"),
            Load::NONE,
            Box::new(move |_cur: &Record| {
                Ok(Update {
                    provenance: Some(forced.clone()),
                    force: true,
                    ..Update::none(t(4))
                })
            }),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(up.changed);
    assert_eq!(up.record.version, Version(3));
    assert_eq!(
        r.get(ResourceKind::User, &id("u1"), Load::NONE)
            .await
            .unwrap()
            .unwrap()
            .provenance,
        local
    );
}

async fn limited(store: &Arc<dyn Store>, name: &str, limit: u64) -> Arc<dyn ResourceStore> {
    let tn = store.create_tenant(name, t(0)).await.unwrap();
    let settings = TenantSettings {
        seat_limit: Some(limit),
        ..TenantSettings::default()
    };
    store.update_tenant(tn.id, &settings).await.unwrap();
    store.resources(tn.id)
}

pub async fn seats_are_enforced(store: Arc<dyn Store>) {
    let r = limited(&store, "t", 2).await;
    r.insert(user("u1", json!({"userName": "a", "active": true})))
        .await
        .unwrap();
    r.insert(user("u2", json!({"userName": "b", "active": true})))
        .await
        .unwrap();
    assert_eq!(
        r.insert(user("u3", json!({"userName": "c", "active": true})))
            .await,
        Err(StoreError::NoSeat(2))
    );
    assert!(
        r.get(ResourceKind::User, &id("u3"), Load::NONE)
            .await
            .unwrap()
            .is_none(),
        "nothing is created"
    );
    // An inactive user holds no seat.
    r.insert(user("u3", json!({"userName": "c", "active": false})))
        .await
        .unwrap();
    // Re-enabling needs a free seat.
    let enable = |now| set_doc(json!({"userName": "c", "active": true}), now);
    assert!(matches!(
        r.update(ResourceKind::User, &id("u3"), Load::NONE, enable(2))
            .await,
        Err(StoreError::NoSeat(2))
    ));
    // Deactivating frees one; deleting does too.
    r.update(
        ResourceKind::User,
        &id("u1"),
        Load::NONE,
        set_doc(json!({"userName": "a", "active": false}), 3),
    )
    .await
    .unwrap()
    .unwrap();
    r.update(ResourceKind::User, &id("u3"), Load::NONE, enable(4))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.count(ResourceKind::User, true).await.unwrap(), 2);
    assert!(r
        .delete(ResourceKind::User, &id("u2"), None, Journal::default())
        .await
        .unwrap());
    r.insert(user("u4", json!({"userName": "d", "active": true})))
        .await
        .unwrap();
    // A change to an active user that keeps it active needs no new seat.
    r.update(
        ResourceKind::User,
        &id("u4"),
        Load::NONE,
        set_doc(json!({"userName": "d", "active": true, "title": "x"}), 5),
    )
    .await
    .unwrap()
    .unwrap();
    // Groups never hold seats.
    let g = super::group("g1", "G", &[]);
    r.insert(g).await.unwrap();
    // Another tenant has its own (unlimited) seats.
    let other = tenant(&store, "other").await;
    for i in 0..4 {
        other
            .insert(user(
                &format!("o{i}"),
                json!({"userName": i.to_string(), "active": true}),
            ))
            .await
            .unwrap();
    }
}

pub async fn concurrent_creates_respect_seats(store: Arc<dyn Store>) {
    let r = limited(&store, "t", 5).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let r = r.clone();
        tasks.push(tokio::spawn(async move {
            r.insert(user(
                &format!("u{i}"),
                json!({"userName": format!("n{i}"), "active": true}),
            ))
            .await
        }));
    }
    let (mut ok, mut full) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::NoSeat(5)) => full += 1,
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!((ok, full), (5, 15));
    assert_eq!(r.count(ResourceKind::User, true).await.unwrap(), 5);
}
