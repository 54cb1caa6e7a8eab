//! Storage suite cases for the audit log, the event outbox and webhook
//! delivery state: journals commit with their writes (and only then),
//! audit queries, event paging, leases, dead letters and purges.

use super::{doc, group, id, plain, t, tenant, user, UpdateExt, UpdateFn};
use crate::events::*;
use crate::index::keys;
use crate::model::*;
use crate::{Store, StoreError};
use serde_json::json;
use std::sync::Arc;

pub(super) fn entry(action: &str, status: u16, rid: &str, at: u32, conn: i64) -> AuditEntry {
    AuditEntry {
        at: t(at).unix_millis(),
        connection: Some(conn),
        request_id: format!("req-{at}"),
        method: "POST".into(),
        path: "/Users".into(),
        profile: "auto".into(),
        status,
        action: action.into(),
        resource_type: Some("User".into()),
        resource_id: Some(rid.into()),
        detail: None,
        diff: json!([{"op": "add", "path": "userName", "new": rid}]),
        ..AuditEntry::default()
    }
}

pub(super) fn event(kind: &str, rid: &str, at: u32) -> ChangeEvent {
    ChangeEvent {
        event: kind.into(),
        resource_type: "User".into(),
        resource_id: rid.into(),
        at: t(at).unix_millis(),
        request_id: format!("req-{at}"),
        attributes: vec!["userName".into()],
        ..ChangeEvent::default()
    }
}

pub(super) fn journal(action: &str, status: u16, rid: &str, at: u32, conn: i64) -> Journal {
    Journal {
        audit: Some(entry(action, status, rid, at, conn)),
        events: vec![event(action, rid, at)],
        ..Journal::default()
    }
}

/// A user `rid` whose journal records its creation at `t(at)` (for
/// backend tests beside the suite).
pub fn created_user(rid: &str, at: u32) -> NewRecord {
    let mut u = user(rid, json!({"userName": rid}));
    u.journal = journal("create", 201, rid, at, 1);
    u
}

pub(super) async fn seqs(store: &Arc<dyn Store>, tenant: TenantId) -> Vec<String> {
    store
        .events(tenant, 0, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| format!("{}:{}", e.event.event, e.event.resource_id))
        .collect()
}

pub async fn journals_commit_with_their_writes(store: Arc<dyn Store>) {
    let tn = store.create_tenant("t", t(0)).await.unwrap();
    let r = store.resources(tn.id);
    let mut u = user("u1", json!({"userName": "a"}));
    u.journal = journal("create", 201, "u1", 1, 7);
    r.insert(u).await.unwrap();
    // A failed write leaves no trace.
    let mut dup = user("u2", json!({"userName": "A"}));
    dup.journal = journal("create", 201, "u2", 2, 7);
    assert!(matches!(
        r.insert(dup).await,
        Err(StoreError::Uniqueness(_))
    ));
    // An update that changes nothing is audited but emits no event.
    let unchanged = Box::new(|cur: &Record| {
        Ok(Update {
            doc: Some((cur.doc.clone(), keys(ResourceKind::User, &cur.doc, true))),
            journal: journal("patch", 200, "u1", 3, 7),
            ..Update::none(t(3))
        })
    });
    r.update(ResourceKind::User, &id("u1"), Load::NONE, unchanged)
        .await
        .unwrap();
    let changed = Box::new(|_cur: &Record| {
        let d = doc(json!({"userName": "a", "active": false}));
        let k = keys(ResourceKind::User, &d, true);
        Ok(Update {
            doc: Some((d, k)),
            journal: journal("deactivate", 200, "u1", 4, 8),
            ..Update::none(t(4))
        })
    });
    r.update(ResourceKind::User, &id("u1"), Load::NONE, changed)
        .await
        .unwrap();
    // A rejected update leaves no trace either.
    let rejected =
        Box::new(|_cur: &Record| Err(scim_core::ScimError::PreconditionFailed("no".into())));
    assert!(r
        .update(ResourceKind::User, &id("u1"), Load::NONE, rejected)
        .await
        .is_err());
    assert!(r
        .delete(
            ResourceKind::User,
            &id("u1"),
            None,
            journal("delete", 204, "u1", 5, 7)
        )
        .await
        .unwrap());
    assert!(!r
        .delete(
            ResourceKind::User,
            &id("u1"),
            None,
            journal("delete", 204, "u1", 6, 7)
        )
        .await
        .unwrap());
    store
        .append_audit(tn.id, entry("refused", 403, "u9", 7, 8))
        .await
        .unwrap();

    assert_eq!(
        seqs(&store, tn.id).await,
        ["create:u1", "deactivate:u1", "delete:u1"]
    );
    let all = store
        .audit(
            tn.id,
            &AuditQuery {
                limit: 100,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
    let actions: Vec<&str> = all.iter().map(|a| a.entry.action.as_str()).collect();
    assert_eq!(
        actions,
        ["refused", "delete", "deactivate", "patch", "create"],
        "newest first"
    );
    assert!(all.windows(2).all(|w| w[0].seq > w[1].seq));
    assert_eq!(all[4].entry, entry("create", 201, "u1", 1, 7));

    let q = |f: fn(&mut AuditQuery)| {
        let mut q = AuditQuery {
            limit: 100,
            ..AuditQuery::default()
        };
        f(&mut q);
        q
    };
    let count = |q: AuditQuery| {
        let store = store.clone();
        async move { store.audit(tn.id, &q).await.unwrap().len() }
    };
    assert_eq!(
        count(q(|q| q.resource = Some((ResourceKind::User, "u1".into())))).await,
        4
    );
    assert_eq!(
        count(q(|q| q.connection = Some(ConnectionId::from_db(8)))).await,
        2
    );
    assert_eq!(count(q(|q| q.succeeded = Some(false))).await, 1);
    assert_eq!(count(q(|q| q.succeeded = Some(true))).await, 4);
    assert_eq!(
        count(q(|q| {
            q.since = Some(t(3));
            q.until = Some(t(5));
        }))
        .await,
        2
    );
    assert_eq!(count(q(|q| q.limit = 2)).await, 2);
    let before = all[1].seq;
    let older = store
        .audit(
            tn.id,
            &AuditQuery {
                before_seq: Some(before),
                limit: 100,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(older.len(), 3);

    // Another tenant sees none of it.
    let other = tenant(&store, "other").await;
    let other_id = store.find_tenant("other").await.unwrap().unwrap().id;
    let mut u = user("o1", json!({"userName": "o"}));
    u.journal = journal("create", 201, "o1", 8, 9);
    other.insert(u).await.unwrap();
    assert_eq!(store.audit(other_id, &q(|_| {})).await.unwrap().len(), 1);
    assert_eq!(seqs(&store, other_id).await, ["create:o1"]);
    let numbers = |tenant| {
        let store = store.clone();
        async move {
            let all = store.events(tenant, 0, 100).await.unwrap();
            all.iter().map(|e| e.seq).collect::<Vec<_>>()
        }
    };
    assert_eq!(numbers(tn.id).await, [1, 2, 3], "numbered per tenant");
    assert_eq!(numbers(other_id).await, [1]);
    let first = store.events(tn.id, 0, 1).await.unwrap();
    let rest = store.events(tn.id, first[0].seq, 100).await.unwrap();
    assert_eq!(rest.len(), 2, "paging resumes after the cursor");

    // A journal of its own (an alert) commits its audit entry and events.
    store
        .append_journal(tn.id, journal("alert", 503, "u9", 9, 8))
        .await
        .unwrap();
    assert_eq!(seqs(&store, tn.id).await.last().unwrap(), "alert:u9");
    assert_eq!(count(q(|q| q.succeeded = Some(false))).await, 2);
    assert_eq!(store.purge_audit(t(4)).await.unwrap(), 2);
    assert_eq!(count(q(|_| {})).await, 4);
}

/// A group write's journal with an audit entry (the group's).
fn group_journal(gid: &str, at: u32) -> Journal {
    Journal {
        audit: Some(AuditEntry {
            resource_type: Some("Group".into()),
            path: format!("/Groups/{gid}"),
            method: "PATCH".into(),
            ..entry("patch", 200, gid, at, 7)
        }),
        events: Vec::new(),
        ..Journal::default()
    }
}

/// The membership entries on one member's timeline, oldest first:
/// `(op, group id, request id)`.
async fn memberships(store: &Arc<dyn Store>, tn: TenantId, member: &str) -> Vec<String> {
    let q = AuditQuery {
        resource: Some((ResourceKind::User, member.into())),
        limit: 100,
        ..AuditQuery::default()
    };
    let mut out: Vec<String> = store
        .audit(tn, &q)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.entry.action == "membership")
        .map(|r| {
            let d = &r.entry.diff[0];
            let g = if d["op"] == "add" {
                &d["new"]
            } else {
                &d["old"]
            };
            format!(
                "{} {} {} {}",
                d["op"].as_str().unwrap(),
                g["value"].as_str().unwrap(),
                g["display"].as_str().unwrap_or("-"),
                r.entry.request_id
            )
        })
        .collect();
    out.reverse();
    out
}

pub async fn audit_keeps_what_was_sent_and_member_timelines(store: Arc<dyn Store>) {
    let tn = store.create_tenant("t", t(0)).await.unwrap();
    let r = store.resources(tn.id);
    // What the client sent round-trips, whole or truncated, beside the entry.
    let mut u = user("u1", json!({"userName": "a"}));
    let mut sent = entry("create", 201, "u1", 1, 7);
    sent.sent = Some(json!({"userName": "a", "password": "[redacted]", "n": 1.5}));
    sent.admin = Some("alice".into());
    u.journal = Journal {
        audit: Some(sent.clone()),
        ..Journal::default()
    };
    r.insert(u).await.unwrap();
    let mut cut = entry("refused", 400, "u1", 2, 7);
    cut.sent = Some(json!("{\"userName\": \"a…"));
    cut.sent_truncated = true;
    store.append_audit(tn.id, cut.clone()).await.unwrap();
    let all = store
        .audit(
            tn.id,
            &AuditQuery {
                limit: 10,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(all[1].entry, sent);
    assert_eq!(all[0].entry, cut);
    assert_eq!(
        all[0].entry.sent_text().unwrap().unwrap(),
        "{\"userName\": \"a…"
    );

    // Membership changes appear on each member's own timeline, in the
    // group write's transaction, with its request id; only what changed.
    for m in ["u2", "u3", "u4"] {
        r.insert(user(m, json!({"userName": m}))).await.unwrap();
    }
    let mut g = group("g1", "Staff", &["u2"]);
    g.journal = group_journal("g1", 3);
    r.insert(g).await.unwrap();
    let change = |changes: Vec<MemberChange>, at: u32| -> UpdateFn {
        Box::new(move |_cur: &Record| {
            Ok(Update {
                members: changes.clone(),
                journal: group_journal("g1", at),
                ..Update::none(t(at))
            })
        })
    };
    let update = |f: UpdateFn| {
        let r = r.clone();
        async move {
            r.update(ResourceKind::Group, &id("g1"), Load::NONE, f)
                .await
                .unwrap()
                .unwrap()
        }
    };
    // u2 is already a member: only u3 is added.
    update(change(
        vec![MemberChange::Add(plain(vec![id("u2"), id("u3")]))],
        4,
    ))
    .await;
    // Removed and added back in one write: no change for u3; u4 absent.
    update(change(
        vec![
            MemberChange::Remove(vec![id("u3"), id("u4")]),
            MemberChange::Add(plain(vec![id("u3")])),
        ],
        5,
    ))
    .await;
    update(change(
        vec![MemberChange::ReplaceAll(plain(vec![id("u3"), id("u4")]))],
        6,
    ))
    .await;
    update(change(vec![MemberChange::RemoveAll], 7)).await;
    // A rejected write records nothing.
    let rejected: UpdateFn =
        Box::new(|_cur: &Record| Err(scim_core::ScimError::PreconditionFailed("no".into())));
    assert!(r
        .update(ResourceKind::Group, &id("g1"), Load::NONE, rejected)
        .await
        .is_err());
    assert_eq!(
        memberships(&store, tn.id, "u2").await,
        ["add g1 Staff req-3", "remove g1 Staff req-6"]
    );
    assert_eq!(
        memberships(&store, tn.id, "u3").await,
        ["add g1 Staff req-4", "remove g1 Staff req-7"]
    );
    assert_eq!(
        memberships(&store, tn.id, "u4").await,
        ["add g1 Staff req-6", "remove g1 Staff req-7"]
    );
    // The group's own timeline has one entry per write.
    let group_entries = store
        .audit(
            tn.id,
            &AuditQuery {
                resource: Some((ResourceKind::Group, "g1".into())),
                limit: 100,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(group_entries.len(), 5);
    let companion = &store
        .audit(
            tn.id,
            &AuditQuery {
                resource: Some((ResourceKind::User, "u4".into())),
                limit: 1,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap()[0]
        .entry;
    assert_eq!(
        (
            companion.method.as_str(),
            companion.path.as_str(),
            companion.status,
            companion.connection,
            companion.sent.is_none()
        ),
        ("PATCH", "/Groups/g1", 200, Some(7), true)
    );
}
