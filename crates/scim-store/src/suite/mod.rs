//! The storage test suite. Every backend runs it, unchanged:
//!
//! ```ignore
//! scim_store::storage_suite!(|| async { Arc::new(MyStore::open_fresh().await) as Arc<dyn Store> });
//! ```
//!
//! Each test gets a fresh store from the factory. Filters are checked
//! against fixed expectations that the in-memory evaluator also meets, so a
//! SQL translation that disagrees with the core's semantics fails here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
mod breaker;
mod concurrency;
mod console;
mod display;
mod events;
mod extensions;
mod filters;
mod listing;
mod members;
mod numbers;
mod plan;
mod policy;
mod provlog;
mod roles;
mod tenant_delete;
mod tenants;
mod trash;
mod webhooks;

pub use admin::*;
pub use breaker::*;
pub use concurrency::*;
pub use console::*;
pub use display::*;
pub use events::*;
pub use extensions::*;
pub use filters::*;
pub use listing::*;
pub use members::*;
pub use numbers::*;
pub use plan::*;
pub use policy::*;
pub use provlog::*;
pub use roles::*;
pub use tenant_delete::*;
pub use tenants::*;
pub use trash::*;
pub use webhooks::*;

use crate::events::Journal;
use crate::index::keys;
use crate::model::*;
use crate::query::{PageRequest, Query};
use crate::{ResourceStore, Store, StoreError};
use scim_core::filter::{lower, Filter};
use scim_core::resource::{ResourceId, Version};
use scim_core::schema::{SchemaRegistry, GROUP_SCHEMA};
use scim_core::timestamp::Timestamp;
use scim_core::ScimError;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// A change the suite computes from the current record (recomputed when
/// the record moved under it).
pub type UpdateFn = Box<dyn FnMut(&Record) -> Result<Update, ScimError> + Send>;

/// `update` on a resource store handle: the read-modify-write loop over
/// [`ResourceStore::apply`] that callers run.
#[async_trait::async_trait]
pub trait UpdateExt {
    async fn update(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        load: Load,
        f: UpdateFn,
    ) -> crate::StoreResult<Option<Updated>>;
}

#[async_trait::async_trait]
impl UpdateExt for Arc<dyn ResourceStore> {
    async fn update(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        load: Load,
        f: UpdateFn,
    ) -> crate::StoreResult<Option<Updated>> {
        crate::plan::read_modify_write(self.as_ref(), kind, id, load, f).await
    }
}

/// Generates one `#[tokio::test]` per suite case for a store factory.
#[macro_export]
macro_rules! storage_suite {
    ($make:expr) => {
        $crate::storage_suite!(@list [@cases $make;]);
    };
    // A backend that needs an external server: the tests skip (with a note)
    // when `$var` is unset, and fail instead when `$require` is `1`.
    // `$make` receives the variable's value.
    (optional: $var:literal, $require:literal, $make:expr) => {
        $crate::storage_suite!(@list [@optional $var, $require, $make;]);
    };
    (@list [$($head:tt)*]) => {
        $crate::storage_suite!($($head)*
            tenants_connections_tokens, insert_get_delete, user_names_are_unique_without_case,
            tenants_are_isolated, updates_bump_versions_only_on_change, rejected_updates_change_nothing,
            updates_keep_unique_keys, group_membership, member_display_given_or_the_members_name,
            nested_groups, deleting_removes_memberships,
            filters, sorting_and_paging, cursor_paging, counts, listing_totals_follow_writes,
            pages_stop_at_their_byte_budget,
            concurrent_creates_yield_one,
            concurrent_member_adds_all_survive, settings_connections_and_token_expiry,
            provenance_is_kept, local_accounts_are_found, seats_are_enforced, concurrent_creates_respect_seats,
            trash_restore_and_purge,
            the_breaker_counts_in_the_write, concurrent_deprovisions_respect_the_breaker,
            journals_commit_with_their_writes, audit_keeps_what_was_sent_and_member_timelines,
            webhooks_leases_and_dead_letters,
            dead_letters_survive_event_retention, event_numbers_are_per_tenant,
            admin_accounts, admin_sessions,
            admin_disable_and_revoke, stale_plans_change_nothing,
            deletes_remove_the_version_they_read, rewrites_move_only_changed_index_rows,
            deleting_a_tenant, tokens_record_their_last_use,
            disabled_webhooks_wait_without_holding_events, one_trashed_resource_is_purged,
            provisioning_log_filters_and_bounds, schema_extensions,
            undefined_attributes_are_counted, role_mappings_and_effective_roles,
            role_refresh_queue, values_past_the_index_cap_are_found,
            provisioning_log_batches_of_any_size);
    };
    (@optional $var:literal, $require:literal, $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let Some(value) = $crate::suite::optional_env($var, $require) else { return };
                let store: ::std::sync::Arc<dyn $crate::Store> = ($make)(value).await;
                $crate::suite::$name(store).await;
            }
        )*
    };
    (@cases $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store: ::std::sync::Arc<dyn $crate::Store> = ($make)().await;
                $crate::suite::$name(store).await;
            }
        )*
    };
}

/// The value of `var`, or `None` after a note that the test is skipped;
/// panics (fails the test) when it is unset and `require` is set to `1`.
pub fn optional_env(var: &str, require: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var(require).is_ok_and(|r| r == "1") => {
            panic!("{var} is not set, but {require}=1 requires this test to run")
        }
        _ => {
            eprintln!("note: {var} is not set; test skipped");
            None
        }
    }
}

pub(crate) fn t(s: u32) -> Timestamp {
    Timestamp::from_unix_millis(1_700_000_000_000 + i64::from(s) * 1000).unwrap()
}

pub(crate) fn id(s: &str) -> ResourceId {
    ResourceId::parse(s).unwrap()
}

pub(crate) fn doc(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

pub(crate) fn user(rid: &str, body: Value) -> NewRecord {
    let d = doc(body.clone());
    NewRecord {
        kind: ResourceKind::User,
        id: id(rid),
        created: t(0),
        provenance: Default::default(),
        keys: keys(ResourceKind::User, &d, true),
        doc: d,
        members: vec![],
        journal: Journal::default(),
    }
}

pub(crate) fn group(rid: &str, name: &str, members: &[&str]) -> NewRecord {
    let d = doc(json!({"schemas": [GROUP_SCHEMA], "displayName": name}));
    NewRecord {
        kind: ResourceKind::Group,
        id: id(rid),
        created: t(0),
        provenance: Default::default(),
        keys: keys(ResourceKind::Group, &d, true),
        doc: d,
        members: members.iter().map(|m| id(m).into()).collect(),
        journal: Journal::default(),
    }
}

pub(crate) async fn tenant(store: &Arc<dyn Store>, name: &str) -> Arc<dyn ResourceStore> {
    let t = store.create_tenant(name, t(0)).await.unwrap();
    store.resources(t.id)
}

pub(crate) fn set_doc(body: Value, now: u32) -> UpdateFn {
    Box::new(move |_r: &Record| {
        let d = doc(body.clone());
        let k = keys(ResourceKind::User, &d, true);
        Ok(Update {
            doc: Some((d, k)),
            ..Update::none(t(now))
        })
    })
}

/// Members without a display of their own.
pub(crate) fn plain(ids: Vec<ResourceId>) -> Vec<NewMember> {
    ids.into_iter().map(NewMember::from).collect()
}

pub(crate) fn members_change(changes: Vec<MemberChange>, now: u32) -> UpdateFn {
    Box::new(move |_r: &Record| {
        Ok(Update {
            members: changes.clone(),
            ..Update::none(t(now))
        })
    })
}

pub(crate) fn member_ids(r: &Record) -> Vec<String> {
    let mut v: Vec<String> = r
        .members
        .as_ref()
        .unwrap()
        .iter()
        .map(|m| m.id.to_string())
        .collect();
    v.sort();
    v
}

pub async fn insert_get_delete(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    let rec = r
        .insert(user("u1", json!({"userName": "Alice", "active": true})))
        .await
        .unwrap();
    assert_eq!(
        (rec.version, rec.created, rec.last_modified),
        (Version::FIRST, t(0), t(0))
    );
    let got = r
        .get(ResourceKind::User, &id("u1"), Load::NONE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.doc, doc(json!({"userName": "Alice", "active": true})));
    assert!(r
        .get(ResourceKind::Group, &id("u1"), Load::NONE)
        .await
        .unwrap()
        .is_none());
    assert!(r
        .delete(ResourceKind::User, &id("u1"), None, Journal::default())
        .await
        .unwrap());
    assert!(!r
        .delete(ResourceKind::User, &id("u1"), None, Journal::default())
        .await
        .unwrap());
    assert!(r
        .get(ResourceKind::User, &id("u1"), Load::NONE)
        .await
        .unwrap()
        .is_none());
}

pub async fn user_names_are_unique_without_case(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    r.insert(user("u1", json!({"userName": "Alice@Example.com"})))
        .await
        .unwrap();
    let dup = r
        .insert(user("u2", json!({"userName": "alice@example.COM"})))
        .await;
    assert!(matches!(dup, Err(StoreError::Uniqueness(_))), "{dup:?}");
    assert!(r
        .get(ResourceKind::User, &id("u2"), Load::NONE)
        .await
        .unwrap()
        .is_none());
    // The same name in another tenant is fine; so is a group of that name.
    let other = tenant(&store, "other").await;
    other
        .insert(user("u1", json!({"userName": "alice@example.com"})))
        .await
        .unwrap();
    r.insert(group("g1", "alice@example.com", &[]))
        .await
        .unwrap();
    assert!(matches!(
        r.insert(group("g2", "ALICE@example.com", &[])).await,
        Err(StoreError::Uniqueness(_))
    ));
    // After a delete the name is free again.
    r.delete(ResourceKind::User, &id("u1"), None, Journal::default())
        .await
        .unwrap();
    r.insert(user("u3", json!({"userName": "ALICE@example.com"})))
        .await
        .unwrap();
}

pub async fn tenants_are_isolated(store: Arc<dyn Store>) {
    let a = tenant(&store, "a").await;
    let b = tenant(&store, "b").await;
    a.insert(user("u1", json!({"userName": "x"})))
        .await
        .unwrap();
    assert!(b
        .get(ResourceKind::User, &id("u1"), Load::NONE)
        .await
        .unwrap()
        .is_none());
    assert!(b
        .update(
            ResourceKind::User,
            &id("u1"),
            Load::NONE,
            set_doc(json!({"userName": "y"}), 1)
        )
        .await
        .unwrap()
        .is_none());
    assert!(!b
        .delete(ResourceKind::User, &id("u1"), None, Journal::default())
        .await
        .unwrap());
    let q = Query {
        filter: None,
        sort: None,
        page: PageRequest::Offset(0),
        limit: 10,
        load: Load::NONE,
        max_bytes: None,
    };
    assert_eq!(b.query(ResourceKind::User, &q).await.unwrap().total, 0);
    assert_eq!(b.count(ResourceKind::User, false).await.unwrap(), 0);
    // A group in b cannot take a member of a.
    let err = b.insert(group("g", "g", &["u1"])).await;
    assert!(matches!(err, Err(StoreError::MissingMember(_))), "{err:?}");
    assert_eq!(
        a.get(ResourceKind::User, &id("u1"), Load::NONE)
            .await
            .unwrap()
            .unwrap()
            .doc["userName"],
        "x"
    );
}

pub async fn updates_bump_versions_only_on_change(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    r.insert(user("u1", json!({"userName": "a", "title": "x"})))
        .await
        .unwrap();
    let up = r
        .update(
            ResourceKind::User,
            &id("u1"),
            Load::NONE,
            set_doc(json!({"userName": "a", "title": "y"}), 5),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(up.changed);
    assert_eq!(
        (
            up.record.version,
            up.record.last_modified,
            up.record.created
        ),
        (Version(2), t(5), t(0))
    );
    let same = r
        .update(
            ResourceKind::User,
            &id("u1"),
            Load::NONE,
            set_doc(json!({"userName": "a", "title": "y"}), 9),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(!same.changed);
    assert_eq!(
        (same.record.version, same.record.last_modified),
        (Version(2), t(5))
    );
    let got = r
        .get(ResourceKind::User, &id("u1"), Load::NONE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.doc["title"], "y");
}

pub async fn rejected_updates_change_nothing(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    r.insert(user("u1", json!({"userName": "a"})))
        .await
        .unwrap();
    let f: UpdateFn = Box::new(|_r: &Record| Err(ScimError::PreconditionFailed("stale".into())));
    let err = r.update(ResourceKind::User, &id("u1"), Load::NONE, f).await;
    assert_eq!(
        err,
        Err(StoreError::Rejected(ScimError::PreconditionFailed(
            "stale".into()
        )))
    );
    assert_eq!(
        r.get(ResourceKind::User, &id("u1"), Load::NONE)
            .await
            .unwrap()
            .unwrap()
            .version,
        Version::FIRST
    );
}

pub async fn updates_keep_unique_keys(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    r.insert(user("u1", json!({"userName": "a"})))
        .await
        .unwrap();
    r.insert(user("u2", json!({"userName": "b"})))
        .await
        .unwrap();
    let clash = r
        .update(
            ResourceKind::User,
            &id("u2"),
            Load::NONE,
            set_doc(json!({"userName": "A"}), 1),
        )
        .await;
    assert!(matches!(clash, Err(StoreError::Uniqueness(_))), "{clash:?}");
    assert_eq!(
        r.get(ResourceKind::User, &id("u2"), Load::NONE)
            .await
            .unwrap()
            .unwrap()
            .doc["userName"],
        "b"
    );
    // Renaming frees the old name.
    r.update(
        ResourceKind::User,
        &id("u1"),
        Load::NONE,
        set_doc(json!({"userName": "c"}), 1),
    )
    .await
    .unwrap();
    r.insert(user("u3", json!({"userName": "a"})))
        .await
        .unwrap();
}
