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

fn entry(action: &str, status: u16, rid: &str, at: u32, conn: i64) -> AuditEntry {
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

fn event(kind: &str, rid: &str, at: u32) -> ChangeEvent {
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

pub async fn webhooks_leases_and_dead_letters(store: Arc<dyn Store>) {
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let b = store.create_tenant("b", t(0)).await.unwrap();
    let r = store.resources(a.id);
    let mut u = user("u1", json!({"userName": "a"}));
    u.journal = journal("create", 201, "u1", 1, 1);
    r.insert(u).await.unwrap();
    let hook = store
        .create_webhook(NewWebhook {
            tenant: a.id,
            url: "http://127.0.0.1:1/hook".into(),
            secret: "s3cret".into(),
            format: WebhookFormat::Signed,
            full: true,
            created: t(2),
            allow_private: true,
        })
        .await
        .unwrap();
    let latest = store
        .events(a.id, 0, 100)
        .await
        .unwrap()
        .last()
        .unwrap()
        .seq;
    assert_eq!(
        hook.cursor, latest,
        "a new webhook starts at the newest event"
    );
    assert!(hook.allow_private, "the operator's allowance is kept");
    assert_eq!(
        store.list_webhooks(Some(a.id)).await.unwrap(),
        vec![hook.clone()]
    );
    assert!(store.list_webhooks(Some(b.id)).await.unwrap().is_empty());
    assert_eq!(store.list_webhooks(None).await.unwrap().len(), 1);

    // One replica at a time holds the lease.
    assert!(store
        .claim_webhook(hook.id, "r1", t(10), t(3))
        .await
        .unwrap());
    assert!(!store
        .claim_webhook(hook.id, "r2", t(10), t(4))
        .await
        .unwrap());
    assert!(
        store
            .claim_webhook(hook.id, "r1", t(12), t(5))
            .await
            .unwrap(),
        "renewal"
    );
    let progress = DeliveryProgress {
        cursor: latest,
        failures: 2,
        last_error: Some("HTTP 500".into()),
        next_attempt: Some(t(20)),
    };
    assert!(!store
        .save_delivery(hook.id, "r2", progress.clone())
        .await
        .unwrap());
    assert!(store.save_delivery(hook.id, "r1", progress).await.unwrap());
    // The lease expires; another replica takes over, the first may not write.
    assert!(store
        .claim_webhook(hook.id, "r2", t(30), t(13))
        .await
        .unwrap());
    let stale = DeliveryProgress {
        cursor: 0,
        failures: 0,
        last_error: None,
        next_attempt: None,
    };
    assert!(!store.save_delivery(hook.id, "r1", stale).await.unwrap());
    let w = &store.list_webhooks(Some(a.id)).await.unwrap()[0];
    assert_eq!(
        (
            w.cursor,
            w.failures,
            w.last_error.as_deref(),
            w.next_attempt
        ),
        (latest, 2, Some("HTTP 500"), Some(t(20)))
    );

    // Two events that exhausted their retries (numbers 2 and 3).
    for rid in ["u3", "u4"] {
        let mut u = user(rid, json!({"userName": rid}));
        u.journal = journal("create", 201, rid, 30, 1);
        r.insert(u).await.unwrap();
    }
    for seq in [2, 3] {
        store
            .dead_letter(DeadLetter {
                webhook: hook.id,
                event_seq: seq,
                error: "HTTP 500".into(),
                at: t(14),
                requeued: false,
            })
            .await
            .unwrap();
    }
    assert_eq!(store.list_webhooks(Some(a.id)).await.unwrap()[0].dead, 2);
    assert_eq!(
        store
            .requeue_dead_letters(b.id, hook.id, None)
            .await
            .unwrap(),
        0,
        "not another tenant's"
    );
    assert_eq!(
        store
            .requeue_dead_letters(a.id, hook.id, Some(3))
            .await
            .unwrap(),
        1
    );
    let dead = store.dead_letters(hook.id).await.unwrap();
    assert_eq!(
        dead.iter()
            .map(|d| (d.event_seq, d.requeued))
            .collect::<Vec<_>>(),
        [(2, false), (3, true)]
    );
    store.resolve_dead_letter(hook.id, 3).await.unwrap();
    assert_eq!(store.dead_letters(hook.id).await.unwrap().len(), 1);
    assert!(
        store
            .dead_letter(DeadLetter {
                webhook: hook.id,
                event_seq: 99,
                error: "x".into(),
                at: t(14),
                requeued: false,
            })
            .await
            .is_err(),
        "no such event"
    );

    // Events are purged only once every webhook of their tenant passed them.
    let mut u = user("u2", json!({"userName": "b"}));
    u.journal = journal("create", 201, "u2", 40, 1);
    r.insert(u).await.unwrap();
    // Another tenant's event, newer than the purge's cut-off.
    let mut o = user("o1", json!({"userName": "o"}));
    o.journal = journal("create", 201, "o1", 200, 1);
    store.resources(b.id).insert(o).await.unwrap();
    // Pending depth: events of the tenant after a cursor, capped.
    assert_eq!(store.count_events(a.id, 0, 100).await.unwrap(), 4);
    assert_eq!(store.count_events(a.id, 0, 1).await.unwrap(), 1);
    assert_eq!(store.count_events(a.id, latest, 100).await.unwrap(), 3);
    assert_eq!(store.count_events(b.id, 0, 100).await.unwrap(), 1);
    assert_eq!(
        store.purge_events(t(100)).await.unwrap(),
        1,
        "only the one behind the cursor"
    );
    assert_eq!(
        seqs(&store, a.id).await,
        ["create:u3", "create:u4", "create:u2"]
    );
    assert_eq!(
        store.list_webhooks(Some(a.id)).await.unwrap()[0].cursor,
        latest,
        "the cursor outlives the events before it"
    );

    assert!(!store.delete_webhook(b.id, hook.id).await.unwrap());
    assert!(store.delete_webhook(a.id, hook.id).await.unwrap());
    assert!(store.list_webhooks(None).await.unwrap().is_empty());
    assert!(store.dead_letters(hook.id).await.unwrap().is_empty());
    assert_eq!(store.purge_events(t(100)).await.unwrap(), 3);
}

pub async fn dead_letters_survive_event_retention(store: Arc<dyn Store>) {
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let r = store.resources(a.id);
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
    for (n, rid) in ["u1", "u2", "u3", "u4"].into_iter().enumerate() {
        let mut u = user(rid, json!({"userName": rid}));
        let at = u32::try_from(n).unwrap() + 1;
        u.journal = journal("create", 201, rid, at, 1);
        r.insert(u).await.unwrap();
    }
    let events = store.events(a.id, 0, 100).await.unwrap();
    let seq: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seq.len(), 4);
    // u2 and u3 exhausted their retries; u3 was queued for redelivery; the
    // cursor moved past all four.
    assert!(store
        .claim_webhook(hook.id, "r1", t(60), t(5))
        .await
        .unwrap());
    for (s, requeued) in [(seq[1], false), (seq[2], true)] {
        store
            .dead_letter(DeadLetter {
                webhook: hook.id,
                event_seq: s,
                error: "HTTP 500".into(),
                at: t(5),
                requeued,
            })
            .await
            .unwrap();
    }
    let done = DeliveryProgress {
        cursor: seq[3],
        failures: 0,
        last_error: None,
        next_attempt: None,
    };
    assert!(store.save_delivery(hook.id, "r1", done).await.unwrap());

    assert_eq!(
        store.purge_events(t(100)).await.unwrap(),
        2,
        "a dead letter keeps its event"
    );
    assert_eq!(seqs(&store, a.id).await, ["create:u2", "create:u3"]);
    let kept = store.events(a.id, seq[1] - 1, 1).await.unwrap();
    assert_eq!(kept[0].seq, seq[1], "redelivery finds the event");

    // Once redelivered (resolved), the event may go.
    store.resolve_dead_letter(hook.id, seq[2]).await.unwrap();
    assert_eq!(store.purge_events(t(100)).await.unwrap(), 1);
    assert_eq!(seqs(&store, a.id).await, ["create:u2"]);
    // Deleting the webhook deletes its dead letters, and then the event.
    assert!(store.delete_webhook(a.id, hook.id).await.unwrap());
    assert_eq!(store.purge_events(t(100)).await.unwrap(), 1);
    assert!(seqs(&store, a.id).await.is_empty());
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
