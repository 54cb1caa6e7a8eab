//! A delete finds a resource's index rows from what the store read before
//! the write (`scim_store_sql::write::Known`), so that the writer parses
//! no document; when the resource moved in between, it reads them from
//! the document after all. Either way no index row is left behind, and
//! the names are free again.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use scim_store::index::keys;
use scim_store::{Journal, NewRecord, PreparedJournal, Provenance, ResourceKind, Store, TenantId};
use scim_store_sql::write::{delete, Known};
use scim_store_sql::{stmt, task, Backend, Write};
use scim_store_sqlite::{Sqlite, SqliteStore};
use serde_json::json;

async fn user(store: &SqliteStore, tenant: TenantId, id: &str, name: &str) {
    let doc = json!({"userName": name, "emails": [{"value": name}]});
    let doc = doc.as_object().unwrap().clone();
    let record = NewRecord {
        kind: ResourceKind::User,
        id: ResourceId::parse(id).unwrap(),
        created: Timestamp::from_unix_millis(0).unwrap(),
        provenance: Provenance::default(),
        keys: keys(ResourceKind::User, &doc, false),
        doc,
        members: Vec::new(),
        journal: Journal::default(),
    };
    store.resources(tenant).insert(record).await.unwrap();
}

/// Deletes `id` with `known` as the store would have read it.
async fn check(store: &SqliteStore, tenant: TenantId, id: &str, known: Known) {
    let input = (tenant.db_key(), id.to_string(), known);
    let job = task(input, |x, (t, id, known)| {
        Box::pin(async move {
            let j = PreparedJournal::default();
            delete(x, *t, ResourceKind::User, id, None, Some(known), &j).await
        })
    });
    let gone = store.write(Write::tenant(tenant.db_key(), 1), job).await;
    assert_eq!(gone, Ok(true));
    let orphans = "SELECT count(*) FROM idx WHERE seq NOT IN (SELECT seq FROM resources)";
    let job = task((), move |x, ()| {
        Box::pin(async move { x.count(&stmt!(orphans)).await })
    });
    assert_eq!(
        store.read(false, job).await,
        Ok(0),
        "index rows of {id} are left"
    );
}

#[tokio::test]
async fn deletes_leave_no_index_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = Sqlite::open(dir.path().join("delete.db")).unwrap();
    let tenant = store
        .create_tenant("t", Timestamp::from_unix_millis(0).unwrap())
        .await
        .unwrap()
        .id;
    // As read: the keys come from the read, not from the document.
    user(&store, tenant, "a", "a@example.com").await;
    let record = store
        .resources(tenant)
        .get(
            ResourceKind::User,
            &ResourceId::parse("a").unwrap(),
            scim_store::Load::NONE,
        )
        .await
        .unwrap()
        .unwrap();
    check(&store, tenant, "a", Known::of(&record)).await;
    // Moved since the read: the keys of the read are wrong, the
    // document's are used.
    user(&store, tenant, "b", "b@example.com").await;
    let stale = Known {
        version: Version(7),
        index: vec![("userName".into(), "someone@else".into())],
    };
    check(&store, tenant, "b", stale).await;
    // The names are free again.
    user(&store, tenant, "c", "a@example.com").await;
    user(&store, tenant, "d", "b@example.com").await;
}
