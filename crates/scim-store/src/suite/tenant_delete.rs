//! Deleting a tenant: refused while it holds resources, unless purged;
//! everything of the tenant goes but its audit log, which records the
//! deletion; other tenants are untouched; ids are never reused.

use super::*;
use crate::events::{AuditEntry, AuditQuery};

fn deletion() -> TenantAuditFn {
    Box::new(|c| AuditEntry {
        detail: Some(format!("{} user(s), {} group(s)", c.users, c.groups)),
        ..deletion_entry()
    })
}

fn deletion_entry() -> AuditEntry {
    AuditEntry {
        at: t(9).unix_millis(),
        request_id: "cli".into(),
        method: "CLI".into(),
        path: "tenant delete".into(),
        status: 204,
        action: "tenant-delete".into(),
        detail: Some("deleted".into()),
        ..AuditEntry::default()
    }
}

async fn audit_actions(store: &Arc<dyn Store>, tenant: TenantId) -> Vec<String> {
    let q = AuditQuery {
        limit: 100,
        ..AuditQuery::default()
    };
    store
        .audit(tenant, &q)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry.action)
        .collect()
}

pub async fn deleting_a_tenant(store: Arc<dyn Store>) {
    let a = store.create_tenant("acme", t(0)).await.unwrap();
    let b = store.create_tenant("beta", t(0)).await.unwrap();
    let conn = store
        .create_connection(a.id, "default", Profile::Auto, t(1))
        .await
        .unwrap();
    store
        .insert_token(NewToken {
            tenant: a.id,
            connection: conn.id,
            name: "idp".into(),
            prefix: "scimd_ab".into(),
            hash: vec![9; 32],
            created: t(1),
            expires: None,
        })
        .await
        .unwrap();
    let ra = store.resources(a.id);
    // With an event, so that the tenant's event numbering has a row too.
    let mut u1 = user("u1", json!({"userName": "jo"}));
    u1.journal.events.push(crate::events::ChangeEvent {
        event: "create".into(),
        resource_type: "User".into(),
        resource_id: "u1".into(),
        ..Default::default()
    });
    ra.insert(u1).await.unwrap();
    ra.insert(group("g1", "staff", &["u1"])).await.unwrap();
    let rb = store.resources(b.id);
    rb.insert(user("u2", json!({"userName": "jo"})))
        .await
        .unwrap();
    store
        .append_audit(
            a.id,
            AuditEntry {
                action: "create".into(),
                status: 201,
                ..deletion_entry()
            },
        )
        .await
        .unwrap();

    // Refused while it holds resources: nothing changes.
    let counts = ResourceCounts {
        users: 1,
        groups: 1,
        trashed: 0,
    };
    assert_eq!(
        store.delete_tenant(a.id, false, deletion()).await.unwrap(),
        TenantDeletion::Refused(counts)
    );
    assert!(store.find_tenant("acme").await.unwrap().is_some());
    assert!(store.find_token(&[9; 32]).await.unwrap().is_some());
    assert_eq!(ra.count(ResourceKind::User, false).await.unwrap(), 1);

    // Purged: the tenant and everything of it are gone, but the audit log,
    // which ends with the deletion.
    assert_eq!(
        store.delete_tenant(a.id, true, deletion()).await.unwrap(),
        TenantDeletion::Deleted(counts)
    );
    assert!(store.find_tenant("acme").await.unwrap().is_none());
    assert!(store.tenant(a.id).await.unwrap().is_none());
    assert!(store.find_token(&[9; 32]).await.unwrap().is_none());
    assert!(store.credential(&[9; 32]).await.unwrap().is_none());
    assert!(store.list_connections(a.id).await.unwrap().is_empty());
    assert!(store.list_tokens(a.id).await.unwrap().is_empty());
    assert_eq!(ra.count(ResourceKind::User, false).await.unwrap(), 0);
    assert_eq!(ra.count(ResourceKind::Group, false).await.unwrap(), 0);
    assert_eq!(
        audit_actions(&store, a.id).await,
        ["tenant-delete", "create"],
        "newest first"
    );
    let q = AuditQuery {
        limit: 1,
        ..AuditQuery::default()
    };
    let last = store.audit(a.id, &q).await.unwrap();
    assert_eq!(
        last[0].entry.detail.as_deref(),
        Some("1 user(s), 1 group(s)"),
        "the entry is made of what was deleted"
    );
    // Another tenant keeps its user of the same name.
    assert_eq!(rb.count(ResourceKind::User, false).await.unwrap(), 1);
    assert_eq!(
        store.delete_tenant(a.id, true, deletion()).await.unwrap(),
        TenantDeletion::Missing
    );

    // The name is free again; the new tenant's id is new, so the old
    // audit log is not its own.
    let again = store.create_tenant("acme", t(10)).await.unwrap();
    assert_ne!(again.id, a.id);
    assert!(audit_actions(&store, again.id).await.is_empty());
    let again_r = store.resources(again.id);
    again_r
        .insert(user("u1", json!({"userName": "jo"})))
        .await
        .unwrap();

    // An empty tenant needs no purge.
    let empty = store.create_tenant("empty", t(11)).await.unwrap();
    assert_eq!(
        store
            .delete_tenant(empty.id, false, deletion())
            .await
            .unwrap(),
        TenantDeletion::Deleted(ResourceCounts::default())
    );
}
