//! Suite cases for admin accounts and console sessions: unique usernames,
//! roles and tenant scopes round-trip, sessions found by token hash until
//! they expire, deleted with their account, with a new password, when the
//! account is disabled or on request, purged after expiry.

use super::t;
use crate::admins::*;
use crate::{Store, StoreError};
use std::sync::Arc;

fn new_admin(name: &str, role: AdminRole, tenant: Option<crate::TenantId>) -> NewAdmin {
    NewAdmin {
        username: name.into(),
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1${name}"),
        role,
        tenant,
        created: t(1),
    }
}

fn session(hash: u8, admin: i64, expires: u32) -> AdminSession {
    AdminSession {
        hash: vec![hash; 32],
        admin,
        csrf: format!("csrf-{hash}"),
        created: t(1),
        expires: t(expires),
    }
}

pub async fn admin_accounts(store: Arc<dyn Store>) {
    let acme = store.create_tenant("acme", t(0)).await.unwrap();
    let root = store
        .create_admin(new_admin("root", AdminRole::Owner, None))
        .await
        .unwrap();
    let ann = store
        .create_admin(new_admin("ann", AdminRole::Viewer, Some(acme.id)))
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_admin(new_admin("ann", AdminRole::Owner, None))
            .await,
        Err(StoreError::Uniqueness(_))
    ));
    let found = store.find_admin("ann").await.unwrap().unwrap();
    assert_eq!(found, ann);
    assert_eq!(
        (found.role, found.tenant, found.created),
        (AdminRole::Viewer, Some(acme.id), t(1))
    );
    assert_eq!(store.admin(root.id).await.unwrap().unwrap().tenant, None);
    assert!(store.find_admin("nobody").await.unwrap().is_none());
    assert!(store.admin(-1).await.unwrap().is_none());
    assert_eq!(
        store
            .list_admins()
            .await
            .unwrap()
            .iter()
            .map(|a| a.username.as_str())
            .collect::<Vec<_>>(),
        ["ann", "root"]
    );
    assert_eq!(found.disabled, None);
    store.create_session(session(9, ann.id, 100)).await.unwrap();
    assert!(store
        .set_admin_password(ann.id, "$argon2id$new")
        .await
        .unwrap());
    assert!(
        store.find_session(&[9; 32], t(2)).await.unwrap().is_none(),
        "a new password ends the account's sessions"
    );
    assert_eq!(
        store.admin(ann.id).await.unwrap().unwrap().password_hash,
        "$argon2id$new"
    );
    assert!(!store.set_admin_password(-1, "x").await.unwrap());

    store.create_session(session(1, ann.id, 100)).await.unwrap();
    assert!(store.delete_admin(ann.id).await.unwrap());
    assert!(!store.delete_admin(ann.id).await.unwrap());
    assert!(
        store.find_session(&[1; 32], t(2)).await.unwrap().is_none(),
        "sessions go with their account"
    );
    assert!(store.find_admin("ann").await.unwrap().is_none());
}

pub async fn admin_sessions(store: Arc<dyn Store>) {
    let root = store
        .create_admin(new_admin("root", AdminRole::Owner, None))
        .await
        .unwrap();
    store
        .create_session(session(1, root.id, 100))
        .await
        .unwrap();
    store.create_session(session(2, root.id, 10)).await.unwrap();
    assert!(store
        .create_session(session(1, root.id, 100))
        .await
        .is_err());

    let s = store.find_session(&[1; 32], t(5)).await.unwrap().unwrap();
    assert_eq!(s, session(1, root.id, 100));
    assert!(store.find_session(&[3; 32], t(5)).await.unwrap().is_none());
    assert!(
        store.find_session(&[2; 32], t(10)).await.unwrap().is_none(),
        "an expired session is not found"
    );
    assert!(store.find_session(&[2; 32], t(9)).await.unwrap().is_some());

    assert_eq!(store.purge_sessions(t(50)).await.unwrap(), 1);
    assert_eq!(store.purge_sessions(t(50)).await.unwrap(), 0);
    assert!(store.find_session(&[1; 32], t(50)).await.unwrap().is_some());

    assert!(store.delete_session(&[1; 32]).await.unwrap());
    assert!(!store.delete_session(&[1; 32]).await.unwrap());
    assert!(store.find_session(&[1; 32], t(50)).await.unwrap().is_none());
}

pub async fn admin_disable_and_revoke(store: Arc<dyn Store>) {
    let root = store
        .create_admin(new_admin("root", AdminRole::Owner, None))
        .await
        .unwrap();
    let other = store
        .create_admin(new_admin("other", AdminRole::Owner, None))
        .await
        .unwrap();
    for h in [1, 2] {
        store
            .create_session(session(h, root.id, 100))
            .await
            .unwrap();
    }
    store
        .create_session(session(3, other.id, 100))
        .await
        .unwrap();
    assert_eq!(store.delete_admin_sessions(root.id).await.unwrap(), 2);
    assert_eq!(store.delete_admin_sessions(root.id).await.unwrap(), 0);
    assert!(
        store.find_session(&[3; 32], t(2)).await.unwrap().is_some(),
        "another account's session stays"
    );

    store
        .create_session(session(4, root.id, 100))
        .await
        .unwrap();
    assert!(store.set_admin_disabled(root.id, Some(t(5))).await.unwrap());
    let disabled = store.find_admin("root").await.unwrap().unwrap();
    assert_eq!(disabled.disabled, Some(t(5)));
    assert_eq!(disabled.password_hash, root.password_hash);
    assert!(
        store.find_session(&[4; 32], t(6)).await.unwrap().is_none(),
        "disabling ends the account's sessions"
    );
    assert!(store.set_admin_disabled(root.id, None).await.unwrap());
    assert_eq!(store.admin(root.id).await.unwrap().unwrap().disabled, None);
    assert!(!store.set_admin_disabled(-1, Some(t(5))).await.unwrap());
    assert!(store.find_session(&[3; 32], t(6)).await.unwrap().is_some());
}
