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
mod console;
mod display;
mod events;
mod listing;
mod numbers;
mod plan;
mod policy;
mod tenant_delete;

pub use admin::*;
pub use breaker::*;
pub use console::*;
pub use display::*;
pub use events::*;
pub use listing::*;
pub use numbers::*;
pub use plan::*;
pub use policy::*;
pub use tenant_delete::*;

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
            provenance_is_kept, seats_are_enforced, concurrent_creates_respect_seats,
            trash_restore_and_purge,
            the_breaker_counts_in_the_write, concurrent_deprovisions_respect_the_breaker,
            journals_commit_with_their_writes, audit_keeps_what_was_sent_and_member_timelines,
            webhooks_leases_and_dead_letters,
            dead_letters_survive_event_retention, event_numbers_are_per_tenant,
            admin_accounts, admin_sessions,
            admin_disable_and_revoke, stale_plans_change_nothing,
            deletes_remove_the_version_they_read, rewrites_move_only_changed_index_rows,
            deleting_a_tenant, tokens_record_their_last_use,
            disabled_webhooks_wait_without_holding_events, one_trashed_resource_is_purged);
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

pub async fn tenants_connections_tokens(store: Arc<dyn Store>) {
    let a = store.create_tenant("acme", t(0)).await.unwrap();
    assert!(matches!(
        store.create_tenant("acme", t(1)).await,
        Err(StoreError::Uniqueness(_))
    ));
    let b = store.create_tenant("beta", t(1)).await.unwrap();
    assert_eq!(
        store
            .list_tenants()
            .await
            .unwrap()
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["acme", "beta"]
    );
    assert_eq!(store.find_tenant("beta").await.unwrap().unwrap().id, b.id);
    assert_eq!(store.tenant(a.id).await.unwrap().unwrap().name, "acme");
    assert!(store.find_tenant("nope").await.unwrap().is_none());

    let c = store
        .create_connection(a.id, "default", "auto", t(2))
        .await
        .unwrap();
    assert!(matches!(
        store.create_connection(a.id, "default", "okta", t(2)).await,
        Err(StoreError::Uniqueness(_))
    ));
    store
        .create_connection(b.id, "default", "auto", t(2))
        .await
        .unwrap();
    assert_eq!(store.list_connections(a.id).await.unwrap().len(), 1);
    assert_eq!(
        store.connection(c.id).await.unwrap().unwrap().name,
        "default"
    );

    let tok = store
        .insert_token(NewToken {
            tenant: a.id,
            connection: c.id,
            name: "ci".into(),
            prefix: "scimd_ab".into(),
            hash: vec![7; 32],
            created: t(3),
            expires: Some(t(99)),
        })
        .await
        .unwrap();
    let found = store.find_token(&[7; 32]).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.tenant, found.connection, found.expires),
        (tok.id, a.id, c.id, Some(t(99)))
    );
    assert!(store.find_token(&[8; 32]).await.unwrap().is_none());
    // The credential joins the token with its connection and tenant.
    let cred = store.credential(&[7; 32]).await.unwrap().unwrap();
    assert_eq!(cred.token, found);
    assert_eq!(
        cred.connection,
        store.connection(c.id).await.unwrap().unwrap()
    );
    assert_eq!(cred.tenant, store.tenant(a.id).await.unwrap().unwrap());
    assert!(store.credential(&[8; 32]).await.unwrap().is_none());
    assert_eq!(store.list_tokens(a.id).await.unwrap().len(), 1);
    assert!(store.list_tokens(b.id).await.unwrap().is_empty());
    assert!(
        !store.revoke_token(b.id, tok.id, t(4)).await.unwrap(),
        "another tenant cannot revoke"
    );
    assert!(store.revoke_token(a.id, tok.id, t(4)).await.unwrap());
    assert_eq!(
        store.find_token(&[7; 32]).await.unwrap().unwrap().revoked,
        Some(t(4))
    );
    assert_eq!(
        store
            .credential(&[7; 32])
            .await
            .unwrap()
            .unwrap()
            .token
            .revoked,
        Some(t(4))
    );
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

pub async fn group_membership(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    for u in ["u1", "u2", "u3"] {
        r.insert(user(
            u,
            json!({"userName": u, "displayName": format!("User {u}")}),
        ))
        .await
        .unwrap();
    }
    let g = r.insert(group("g1", "Staff", &["u1"])).await.unwrap();
    assert_eq!(member_ids(&g), ["u1"]);
    assert_eq!(
        g.members.as_ref().unwrap()[0].display.as_deref(),
        Some("User u1")
    );
    assert_eq!(g.members.as_ref().unwrap()[0].kind, ResourceKind::User);
    let all = Load {
        members: true,
        groups: false,
    };
    let up = r
        .update(
            ResourceKind::Group,
            &id("g1"),
            all,
            members_change(vec![MemberChange::Add(plain(vec![id("u2"), id("u1")]))], 1),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(up.changed);
    assert_eq!(member_ids(&up.record), ["u1", "u2"]);
    assert_eq!(up.record.version, Version(2));
    // Adding an existing member and removing an absent one change nothing.
    let same = r
        .update(
            ResourceKind::Group,
            &id("g1"),
            all,
            members_change(
                vec![
                    MemberChange::Add(plain(vec![id("u1")])),
                    MemberChange::Remove(vec![id("u3")]),
                ],
                2,
            ),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(!same.changed);
    assert_eq!(same.record.version, Version(2));
    let missing = r
        .update(
            ResourceKind::Group,
            &id("g1"),
            all,
            members_change(vec![MemberChange::Add(plain(vec![id("nobody")]))], 3),
        )
        .await;
    assert!(
        matches!(missing, Err(StoreError::MissingMember(_))),
        "{missing:?}"
    );
    let rep = r
        .update(
            ResourceKind::Group,
            &id("g1"),
            all,
            members_change(
                vec![MemberChange::ReplaceAll(plain(vec![id("u3"), id("u2")]))],
                4,
            ),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member_ids(&rep.record), ["u2", "u3"]);
    let rem = r
        .update(
            ResourceKind::Group,
            &id("g1"),
            all,
            members_change(vec![MemberChange::Remove(vec![id("u2")])], 5),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member_ids(&rem.record), ["u3"]);
    let none = r
        .update(
            ResourceKind::Group,
            &id("g1"),
            all,
            members_change(vec![MemberChange::RemoveAll], 6),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(member_ids(&none.record).is_empty());
    assert_eq!(none.record.version, Version(5));
    // Without Load::members, members are not loaded.
    assert!(r
        .get(ResourceKind::Group, &id("g1"), Load::NONE)
        .await
        .unwrap()
        .unwrap()
        .members
        .is_none());
}

pub async fn nested_groups(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    r.insert(user("u1", json!({"userName": "u1"})))
        .await
        .unwrap();
    r.insert(group("inner", "Inner", &["u1"])).await.unwrap();
    r.insert(group("outer", "Outer", &["inner"])).await.unwrap();
    r.insert(group("loop", "Loop", &["outer"])).await.unwrap();
    r.update(
        ResourceKind::Group,
        &id("outer"),
        Load::NONE,
        members_change(vec![MemberChange::Add(plain(vec![id("loop")]))], 1),
    )
    .await
    .unwrap();
    let u = r
        .get(ResourceKind::User, &id("u1"), Load::ALL)
        .await
        .unwrap()
        .unwrap();
    let mut groups: Vec<(String, bool)> = u
        .groups
        .unwrap()
        .into_iter()
        .map(|g| (g.id.to_string(), g.direct))
        .collect();
    groups.sort();
    assert_eq!(
        groups,
        [
            ("inner".to_string(), true),
            ("loop".to_string(), false),
            ("outer".to_string(), false)
        ]
    );
    let outer = r
        .get(ResourceKind::Group, &id("outer"), Load::ALL)
        .await
        .unwrap()
        .unwrap();
    let kinds: Vec<ResourceKind> = outer.members.unwrap().iter().map(|m| m.kind).collect();
    assert!(kinds.iter().all(|k| *k == ResourceKind::Group));
}

pub async fn deleting_removes_memberships(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    r.insert(user("u1", json!({"userName": "u1"})))
        .await
        .unwrap();
    r.insert(user("u2", json!({"userName": "u2"})))
        .await
        .unwrap();
    r.insert(group("g1", "G1", &["u1", "u2"])).await.unwrap();
    r.insert(group("g2", "G2", &["u1", "g1"])).await.unwrap();
    r.delete(ResourceKind::User, &id("u1"), None, Journal::default())
        .await
        .unwrap();
    let all = Load {
        members: true,
        groups: false,
    };
    assert_eq!(
        member_ids(
            &r.get(ResourceKind::Group, &id("g1"), all)
                .await
                .unwrap()
                .unwrap()
        ),
        ["u2"]
    );
    r.delete(ResourceKind::Group, &id("g1"), None, Journal::default())
        .await
        .unwrap();
    assert!(member_ids(
        &r.get(ResourceKind::Group, &id("g2"), all)
            .await
            .unwrap()
            .unwrap()
    )
    .is_empty());
    assert!(r
        .get(ResourceKind::User, &id("u2"), Load::ALL)
        .await
        .unwrap()
        .unwrap()
        .groups
        .unwrap()
        .is_empty());
}

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

pub(crate) async fn filter_fixture(store: &Arc<dyn Store>) -> Arc<dyn ResourceStore> {
    let r = tenant(store, "t").await;
    r.insert(user("1", json!({"userName": "bjensen", "externalId": "Ext-1", "displayName": "Babs Jensen", "title": "Tour Guide", "userType": "Employee", "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen"}, "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}],
        "x509Certificates": [{"value": "MIIDQzCC"}], ENT: {"employeeNumber": "701984", "manager": {"value": "2"}}})))
        .await
        .unwrap();
    let mut second = user(
        "2",
        json!({"userName": "O'Malley", "externalId": "ext-1", "userType": "Intern", "active": false, "name": {"familyName": "O'Malley"},
        "emails": [{"value": "om@EXAMPLE.org", "type": "work"}], "phoneNumbers": [{"value": "555-555-8377", "type": "work"}]}),
    );
    second.created = t(10);
    r.insert(second).await.unwrap();
    let mut third = user(
        "3",
        json!({"userName": "Zoë", "title": "", "displayName": "zoë"}),
    );
    third.created = t(20);
    r.insert(third).await.unwrap();
    r.insert(group("g1", "Tour Guides", &["1", "3"]))
        .await
        .unwrap();
    r.insert(group("g2", "Interns", &["2"])).await.unwrap();
    r
}

pub(crate) async fn ids(r: &Arc<dyn ResourceStore>, kind: ResourceKind, filter: &str) -> String {
    let reg = SchemaRegistry::builtin().unwrap();
    let view = reg.view(kind.name()).unwrap();
    let lowered =
        lower(&Filter::parse(filter).unwrap(), &view).unwrap_or_else(|e| panic!("{filter}: {e}"));
    let q = Query {
        filter: Some(lowered),
        sort: None,
        page: PageRequest::Offset(0),
        limit: 100,
        load: Load::NONE,
        max_bytes: None,
    };
    let page = r
        .query(kind, &q)
        .await
        .unwrap_or_else(|e| panic!("{filter}: {e}"));
    let mut v: Vec<String> = page.records.iter().map(|r| r.id.to_string()).collect();
    v.sort();
    assert_eq!(page.total as usize, v.len(), "{filter}");
    v.join(",")
}

pub async fn filters(store: Arc<dyn Store>) {
    let r = filter_fixture(&store).await;
    let cases: &[(&str, &str)] = &[
        (r#"userName eq "BJENSEN""#, "1"),
        (r#"userName eq "zoë""#, "3"),
        (r#"userName eq "ZOË""#, "3"),
        (r#"userName eq "nobody""#, ""),
        (r#"externalId eq "Ext-1""#, "1"),
        (r#"externalId eq "ext-1""#, "2"),
        (r#"externalId eq "EXT-1""#, ""),
        (r#"id eq "2""#, "2"),
        (r#"displayName eq "BABS JENSEN""#, "1"),
        (r#"emails.value eq "OM@example.org""#, "2"),
        (r#"emails eq "babs@jensen.org""#, "1"),
        (
            r#"emails[type eq "work"].value eq "bjensen@example.com""#,
            "1",
        ),
        (r#"emails[type eq "home"].value eq "om@example.org""#, ""),
        (r#"emails[type eq "work" and value co "EXAMPLE"]"#, "1,2"),
        (r#"emails.type eq "home""#, "1"),
        (r#"name.familyName co "'mal""#, "2"),
        (r#"userName sw "b""#, "1"),
        (r#"userName ew "EY""#, "2"),
        (r#"userName co "ë""#, "3"),
        (r#"userName gt "c" and userName lt "p""#, "2"),
        (r#"userName ge "zoë""#, "3"),
        ("title pr", "1"),
        ("title eq null", "2,3"),
        ("phoneNumbers pr", "2"),
        ("name pr", "1,2"),
        ("active eq true", "1"),
        ("active eq false", "2"),
        ("active ne true", "2,3"),
        (r#"userType ne "Intern""#, "1,3"),
        (r#"userType eq "Employee" or userType eq "Intern""#, "1,2"),
        (r#"not (userType eq "Employee") and not (title pr)"#, "2,3"),
        (r#"meta.created gt "2023-11-14T22:13:30Z""#, "3"),
        (r#"meta.created ge "2023-11-14T22:13:30Z""#, "2,3"),
        (r#"meta.created le "2023-11-14T22:13:30Z""#, "1,2"),
        (r#"meta.lastModified lt "2023-11-14T22:13:21Z""#, "1"),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            "1",
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "2""#,
            "1",
        ),
        (r#"manager eq "2""#, "1"),
        (r#"schemas eq "urn:nothing""#, ""),
        (r#"x509Certificates.value eq "MIIDQzCC""#, "1"),
        (r#"groups.value eq "g2""#, "2"),
        (r#"groups eq "g1""#, "1,3"),
        (r#"meta.resourceType eq "User""#, "1,2,3"),
        (
            r#"(userName eq "bjensen") or (externalId eq "ext-1" and active eq false)"#,
            "1,2",
        ),
    ];
    for (f, want) in cases {
        assert_eq!(ids(&r, ResourceKind::User, f).await, *want, "filter: {f}");
    }
    let group_cases: &[(&str, &str)] = &[
        (r#"displayName eq "tour guides""#, "g1"),
        (r#"members eq "3""#, "g1"),
        (r#"members.value eq "2""#, "g2"),
        (r#"id eq "g1" and members eq "2""#, ""),
        (r#"id eq "g1" and members eq "1""#, "g1"),
        (r#"members[type eq "User" and value eq "1"]"#, "g1"),
        ("members pr", "g1,g2"),
        (r#"displayName sw "int""#, "g2"),
    ];
    for (f, want) in group_cases {
        assert_eq!(ids(&r, ResourceKind::Group, f).await, *want, "filter: {f}");
    }
}

pub async fn concurrent_creates_yield_one(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let r = r.clone();
        tasks.push(tokio::spawn(async move {
            r.insert(user(&format!("u{i}"), json!({"userName": "same"})))
                .await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Uniqueness(_)) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(ok, 1);
}

pub async fn concurrent_member_adds_all_survive(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    for i in 0..20 {
        r.insert(user(&format!("u{i}"), json!({"userName": format!("u{i}")})))
            .await
            .unwrap();
    }
    r.insert(group("g", "G", &[])).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let r = r.clone();
        tasks.push(tokio::spawn(async move {
            r.update(
                ResourceKind::Group,
                &id("g"),
                Load::NONE,
                members_change(
                    vec![MemberChange::Add(plain(vec![id(&format!("u{i}"))]))],
                    1,
                ),
            )
            .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let g = r
        .get(
            ResourceKind::Group,
            &id("g"),
            Load {
                members: true,
                groups: false,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g.members.unwrap().len(), 20);
    assert_eq!(g.version, Version(21));
}
