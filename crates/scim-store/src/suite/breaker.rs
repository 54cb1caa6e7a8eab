//! Storage suite cases for the mass-deprovisioning circuit breaker: a
//! deprovisioning carried in a write's journal is counted in the write's
//! transaction, per connection and window; the write is refused (and
//! changes nothing) once the window's allowance is used up or while the
//! connection is paused; concurrent deprovisionings never pass the
//! allowance; pausing is idempotent and alerts once.

use super::{id, t, user, UpdateExt, UpdateFn};
use crate::events::{AuditEntry, AuditQuery, Journal};
use crate::index::keys;
use crate::model::*;
use crate::policy::{BreakerPolicy, Deprovision};
use crate::{ResourceStore, Store, StoreError};
use serde_json::{json, Value};
use std::sync::Arc;

fn breaker(minimum: u32) -> BreakerPolicy {
    BreakerPolicy {
        enabled: true,
        percent: 1,
        window_minutes: 1,
        minimum,
    }
}

fn deprov(c: &Connection, at: u32, minimum: u32) -> Journal {
    Journal {
        deprovision: Some(Deprovision {
            connection: c.id,
            at: t(at),
            breaker: breaker(minimum),
        }),
        ..Journal::default()
    }
}

fn deactivate(journal: Journal, at: u32) -> UpdateFn {
    Box::new(move |cur: &Record| {
        let mut d = cur.doc.clone();
        d.insert("active".into(), Value::Bool(false));
        let k = keys(ResourceKind::User, &d, true);
        Ok(Update {
            doc: Some((d, k)),
            journal: journal.clone(),
            ..Update::none(t(at))
        })
    })
}

fn entry(action: &str) -> AuditEntry {
    AuditEntry {
        action: action.into(),
        status: 503,
        ..AuditEntry::default()
    }
}

async fn setup(store: &Arc<dyn Store>, users: usize) -> (Tenant, Arc<dyn ResourceStore>) {
    let tn = store.create_tenant("t", t(0)).await.unwrap();
    let r = store.resources(tn.id);
    for i in 0..users {
        r.insert(user(
            &format!("u{i}"),
            json!({"userName": format!("n{i}"), "active": true}),
        ))
        .await
        .unwrap();
    }
    (tn, r)
}

fn is_active(r: &Record) -> bool {
    r.doc.get("active") == Some(&json!(true))
}

pub async fn the_breaker_counts_in_the_write(store: Arc<dyn Store>) {
    let (tn, r) = setup(&store, 10).await;
    let one = store
        .create_connection(tn.id, "one", Profile::Auto, t(0))
        .await
        .unwrap();
    let two = store
        .create_connection(tn.id, "two", Profile::Auto, t(0))
        .await
        .unwrap();
    let user = ResourceKind::User;
    // Two allowed in the window: a deactivation and a delete pass ...
    let up = r
        .update(
            user,
            &id("u0"),
            Load::NONE,
            deactivate(deprov(&one, 10, 2), 10),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(up.changed);
    // (an update that changes nothing is not counted)
    assert!(
        !r.update(
            user,
            &id("u0"),
            Load::NONE,
            deactivate(deprov(&one, 10, 2), 10)
        )
        .await
        .unwrap()
        .unwrap()
        .changed
    );
    assert!(r
        .delete(user, &id("u1"), None, deprov(&one, 11, 2))
        .await
        .unwrap());
    // (a delete of nothing is not counted either)
    assert!(!r
        .delete(user, &id("u1"), None, deprov(&one, 11, 2))
        .await
        .unwrap());
    // ... the third is refused and changes nothing, whatever the write.
    let full = StoreError::Breaker {
        deprovisioned: 2,
        allowed: 2,
    };
    let mut j = deprov(&one, 12, 2);
    j.audit = Some(entry("trash"));
    assert_eq!(
        r.trash(user, &id("u2"), None, t(12), t(99), j).await,
        Err(full.clone())
    );
    assert_eq!(
        r.update(
            user,
            &id("u3"),
            Load::NONE,
            deactivate(deprov(&one, 12, 2), 12)
        )
        .await,
        Err(full.clone())
    );
    assert_eq!(
        r.delete(user, &id("u3"), None, deprov(&one, 12, 2)).await,
        Err(full)
    );
    let u2 = r.get(user, &id("u2"), Load::NONE).await.unwrap().unwrap();
    let u3 = r.get(user, &id("u3"), Load::NONE).await.unwrap().unwrap();
    assert!(is_active(&u2) && is_active(&u3));
    assert!(r.list_trash(user).await.unwrap().is_empty());
    let q = AuditQuery {
        limit: 100,
        ..AuditQuery::default()
    };
    assert!(
        store.audit(tn.id, &q).await.unwrap().is_empty(),
        "a refused write commits nothing of its journal"
    );
    // Another connection has its own count.
    assert!(r
        .trash(user, &id("u2"), None, t(12), t(99), deprov(&two, 12, 2))
        .await
        .unwrap());
    // The window moves on: a minute later the connection may again.
    r.update(
        user,
        &id("u3"),
        Load::NONE,
        deactivate(deprov(&one, 71, 2), 71),
    )
    .await
    .unwrap()
    .unwrap();

    // Pausing is idempotent: one alert, and nothing passes while paused.
    let alert = Journal {
        audit: Some(entry("breaker-tripped")),
        ..Journal::default()
    };
    assert!(store
        .pause_connection(one.id, t(72), alert.clone())
        .await
        .unwrap());
    assert!(!store.pause_connection(one.id, t(73), alert).await.unwrap());
    let paused = store.connection(one.id).await.unwrap().unwrap();
    assert_eq!(paused.policy.paused_since, Some(t(72).unix_millis()));
    let alerts = store.audit(tn.id, &q).await.unwrap();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].entry.action, "breaker-tripped");
    assert!(matches!(
        r.delete(user, &id("u4"), None, deprov(&one, 200, 2)).await,
        Err(StoreError::Breaker { .. })
    ));
    // Released, the window restarts at the release.
    let mut policy = paused.policy.clone();
    policy.paused_since = None;
    policy.released_at = Some(t(201).unix_millis());
    let change = ConnectionUpdate {
        name: paused.name.clone(),
        profile: paused.profile,
        policy,
    };
    store
        .update_connection(tn.id, one.id, change)
        .await
        .unwrap();
    assert!(r
        .delete(user, &id("u4"), None, deprov(&one, 202, 2))
        .await
        .unwrap());
    assert!(r
        .delete(user, &id("u5"), None, deprov(&one, 203, 2))
        .await
        .unwrap());
    assert!(matches!(
        r.delete(user, &id("u6"), None, deprov(&one, 204, 2)).await,
        Err(StoreError::Breaker { .. })
    ));
    assert!(r.get(user, &id("u6"), Load::NONE).await.unwrap().is_some());
}

pub async fn concurrent_deprovisions_respect_the_breaker(store: Arc<dyn Store>) {
    let (tn, r) = setup(&store, 20).await;
    let c = store
        .create_connection(tn.id, "idp", Profile::Auto, t(0))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (r, j) = (r.clone(), deprov(&c, 10, 5));
        tasks.push(tokio::spawn(async move {
            let rid = id(&format!("u{i}"));
            if i % 2 == 0 {
                r.update(ResourceKind::User, &rid, Load::NONE, deactivate(j, 10))
                    .await
                    .map(|u| u.is_some())
            } else {
                r.delete(ResourceKind::User, &rid, None, j).await
            }
        }));
    }
    let (mut ok, mut held) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Ok(true) => ok += 1,
            Err(StoreError::Breaker { allowed: 5, .. }) => held += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((ok, held), (5, 15));
    let active = r.count(ResourceKind::User, true).await.unwrap();
    assert_eq!(active, 15, "exactly five users were deprovisioned");
}
