//! The IdP lookups use indexes on PostgreSQL: with ~5000 users across
//! tenants and fresh statistics (`ANALYZE`), `EXPLAIN` of the Entra and Okta
//! lookups shows index scans and no sequential scan of `resources` or `idx`.
//! The same with statistics taken when the tenant was nearly empty (an
//! IdP's initial sync). Also: `scim_fold` in SQL agrees with the core's
//! `fold`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::filter::fold;
use scim_core::resource::ResourceId;
use scim_core::schema::{GROUP_SCHEMA, USER_SCHEMA};
use scim_core::timestamp::Timestamp;
use scim_store::index::keys;
use scim_store::{NewRecord, ResourceKind, Store, TenantId};
use scim_store_postgres::testing::admin_or_skip;
use scim_store_postgres::{Postgres, PostgresStore};
use scim_store_sql::explain::lowered;
use serde_json::json;
use std::sync::Arc;

const TENANTS: usize = 5;
const USERS_PER_TENANT: usize = 1000;

fn admin() -> Option<String> {
    admin_or_skip()
}

fn record(
    kind: ResourceKind,
    id: String,
    doc: serde_json::Value,
    members: Vec<ResourceId>,
) -> NewRecord {
    let doc = doc.as_object().unwrap().clone();
    NewRecord {
        kind,
        id: ResourceId::parse(&id).unwrap(),
        created: Timestamp::from_unix_millis(1_700_000_000_000).unwrap(),
        provenance: scim_store::Provenance::default(),
        keys: keys(kind, &doc, true),
        doc,
        members: members.into_iter().map(Into::into).collect(),
        journal: scim_store::Journal::default(),
    }
}

async fn seed(store: &PostgresStore) -> TenantId {
    let mut last = None;
    for t in 0..TENANTS {
        let tenant = store
            .create_tenant(&format!("t{t}"), Timestamp::from_unix_millis(0).unwrap())
            .await
            .unwrap();
        let r = store.resources(tenant.id);
        let mut tasks = Vec::new();
        for chunk in 0..8 {
            let r = r.clone();
            tasks.push(tokio::spawn(async move {
                for i in (chunk..USERS_PER_TENANT).step_by(8) {
                    let name = format!("user{i}@t{t}.example.com");
                    r.insert(record(
                        ResourceKind::User,
                        format!("u{t}-{i}"),
                        json!({"schemas": [USER_SCHEMA], "userName": name, "externalId": format!("ext-{t}-{i}"),
                               "displayName": format!("User {i}"), "active": true,
                               "emails": [{"value": name, "type": "work", "primary": true}]}),
                        vec![],
                    ))
                    .await
                    .unwrap();
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        for g in 0..50 {
            let members = (0..20)
                .map(|k| ResourceId::parse(&format!("u{t}-{}", g * 20 + k)).unwrap())
                .collect();
            r.insert(record(
                ResourceKind::Group,
                format!("g{t}-{g}"),
                json!({"schemas": [GROUP_SCHEMA], "displayName": format!("Group {g}"), "externalId": format!("gext-{g}")}),
                members,
            ))
            .await
            .unwrap();
        }
        last = Some(tenant.id);
    }
    last.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idp_lookups_use_indexes() {
    let Some(admin) = admin() else { return };
    let store = Postgres::open_fresh(&admin).await.unwrap();
    let tenant = seed(&store).await;
    store.analyze().await.unwrap();
    let cases: &[(ResourceKind, &str)] = &[
        (ResourceKind::User, r#"userName eq "USER17@t4.example.com""#),
        (ResourceKind::User, r#"externalId eq "ext-4-17""#),
        (
            ResourceKind::User,
            r#"emails.value eq "user17@t4.example.com""#,
        ),
        (
            ResourceKind::User,
            r#"emails[type eq "work"].value eq "user17@t4.example.com""#,
        ),
        (ResourceKind::User, r#"displayName eq "User 17""#),
        (
            ResourceKind::User,
            r#"userName eq "a" and externalId eq "b""#,
        ),
        (ResourceKind::User, r#"id eq "u4-17""#),
        (ResourceKind::Group, r#"displayName eq "Group 3""#),
        (ResourceKind::Group, r#"externalId eq "gext-3""#),
        (ResourceKind::Group, r#"members eq "u4-17""#),
        (ResourceKind::Group, r#"members.value eq "u4-17""#),
        (
            ResourceKind::Group,
            r#"id eq "g4-0" and members eq "u4-17""#,
        ),
    ];
    for (kind, filter) in cases {
        let lowered = lowered(*kind, filter).unwrap();
        let plan = store.explain(tenant, *kind, lowered.clone()).await.unwrap();
        println!("{filter}:\n{plan}\n");
        assert!(!plan.contains("Seq Scan"), "{filter} scans:\n{plan}");
        assert!(plan.contains("Index"), "{filter} uses no index:\n{plan}");
        if filter.starts_with("id eq") {
            assert!(
                plan.contains("resources_id"),
                "{filter} is not a key lookup:\n{plan}"
            );
        }
        // And the lookup finds what it should.
        let page = store
            .resources(tenant)
            .query(
                *kind,
                &scim_store::Query {
                    filter: Some(lowered),
                    sort: None,
                    page: scim_store::PageRequest::Offset(0),
                    limit: 10,
                    load: scim_store::Load::NONE,
                    max_bytes: None,
                },
            )
            .await
            .unwrap();
        let want = if filter.contains("\"a\"") { 0 } else { 1 };
        assert_eq!(page.total, want, "{filter}");
    }
}

/// An indexed extension attribute of a tenant (`"indexed": true`, or
/// unique) is an `idx` lookup too, over 2000 users after `ANALYZE`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extension_lookups_use_indexes() {
    use scim_store::index::{keys_with, ExtIndex, ExtIndexed};
    let Some(admin) = admin() else { return };
    let store = Postgres::open_fresh(&admin).await.unwrap();
    let tenant = store
        .create_tenant("t", Timestamp::from_unix_millis(0).unwrap())
        .await
        .unwrap()
        .id;
    let ext = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User";
    let spec = ExtIndex(Arc::new(vec![ExtIndexed {
        urn: ext.into(),
        name: "costCenter".into(),
        code: 20000,
        case_exact: false,
    }]));
    let r = store.resources(tenant);
    for i in 0..2000 {
        let mut rec = record(
            ResourceKind::User,
            format!("u-{i}"),
            json!({"schemas": [USER_SCHEMA, ext], "userName": format!("user{i}"), ext: {"costCenter": format!("cc-{i}")}}),
            vec![],
        );
        rec.keys = keys_with(ResourceKind::User, &rec.doc, true, &spec);
        r.insert(rec).await.unwrap();
    }
    store.analyze().await.unwrap();
    let mut reg = scim_core::schema::SchemaRegistry::builtin().unwrap();
    let mut schema = scim_core::schema::Schema::from_json(
        &json!({"id": ext, "attributes": [{"name": "costCenter", "uniqueness": "server"}]}),
    )
    .unwrap();
    schema.attributes[0].index = Some(20000);
    reg.add_extension_schema(schema, "User", false).unwrap();
    let f = format!("{ext}:costCenter eq \"CC-17\"");
    let lowered = scim_store_sql::explain::lowered_in(&reg, ResourceKind::User, &f).unwrap();
    let plan = store
        .explain(tenant, ResourceKind::User, lowered.clone())
        .await
        .unwrap();
    println!("{f}:\n{plan}\n");
    assert!(!plan.contains("Seq Scan"), "{f} scans:\n{plan}");
    assert!(plan.contains("idx"), "{f} is not idx-led:\n{plan}");
    let q = scim_store::Query {
        filter: Some(lowered),
        sort: None,
        page: scim_store::PageRequest::Offset(0),
        limit: 10,
        load: scim_store::Load::NONE,
        max_bytes: None,
    };
    assert_eq!(r.query(ResourceKind::User, &q).await.unwrap().total, 1);
}

/// `User.groups`: the walk up the memberships starts from the
/// `members_member` index and reads each group by key, never a scan of
/// `members` or `resources`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_groups_use_indexes() {
    let Some(admin) = admin() else { return };
    let store = Postgres::open_fresh(&admin).await.unwrap();
    seed(&store).await;
    store.analyze().await.unwrap();
    let plan = store.explain_groups(17).await.unwrap();
    println!("{plan}");
    assert!(!plan.contains("Seq Scan"), "User.groups scans:\n{plan}");
    assert!(plan.contains("members_member"), "{plan}");
}

/// Removing a member finds it by its id, then its membership row by key:
/// the work is the size of the change, never a walk of the group or the
/// tenant (issue: removing one member of a 9,780-member group cost 8.1×
/// one of a 10-member group).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_removal_uses_indexes() {
    let Some(admin) = admin() else { return };
    let store = Postgres::open_fresh(&admin).await.unwrap();
    let tenant = seed(&store).await;
    store.analyze().await.unwrap();
    let plan = store
        .explain_member_removal(tenant, 17, "u4-17")
        .await
        .unwrap();
    println!("{plan}");
    assert!(
        !plan.contains("Seq Scan"),
        "a member removal scans:\n{plan}"
    );
    assert!(plan.contains("resources_id"), "{plan}");
}

/// During an IdP's initial sync the statistics describe a nearly empty
/// tenant while it already holds thousands of users. The lookups must
/// still start from the index, not walk the tenant's listing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idp_lookups_use_indexes_with_stale_statistics() {
    let Some(admin) = admin() else { return };
    let store = Postgres::open_fresh(&admin).await.unwrap();
    let tenant = store
        .create_tenant("t", Timestamp::from_unix_millis(0).unwrap())
        .await
        .unwrap();
    let r = store.resources(tenant.id);
    let user = |i: usize| {
        let name = format!("user{i}@example.com");
        record(
            ResourceKind::User,
            format!("u-{i}"),
            json!({"schemas": [USER_SCHEMA], "userName": name, "externalId": format!("ext-{i}"),
                   "emails": [{"value": name, "type": "work"}]}),
            vec![],
        )
    };
    r.insert(user(0)).await.unwrap();
    store.analyze().await.unwrap();
    store.pause_autovacuum().await.unwrap();
    for i in 1..2000 {
        r.insert(user(i)).await.unwrap();
    }
    for filter in [
        r#"userName eq "user1500@example.com""#,
        r#"externalId eq "ext-1500""#,
        r#"emails[type eq "work"].value eq "user1500@example.com""#,
    ] {
        let lowered = lowered(ResourceKind::User, filter).unwrap();
        let plan = store
            .explain(tenant.id, ResourceKind::User, lowered)
            .await
            .unwrap();
        println!("{filter}:\n{plan}\n");
        assert!(
            !plan.contains("resources_list") && !plan.contains("resources_active"),
            "{filter} walks the tenant:\n{plan}"
        );
        assert!(
            plan.contains("idx_pkey"),
            "{filter} skips the index:\n{plan}"
        );
    }
}

#[tokio::test]
async fn sql_fold_agrees_with_core_fold() {
    let Some(admin) = admin() else { return };
    let store = Postgres::open_fresh(&admin).await.unwrap();
    let store = Arc::new(store);
    for s in [
        "",
        "abc",
        "ABC",
        "Zoë",
        "ZOË",
        "İstanbul",
        "ΣΑΣ",
        "ΌΣΟΣ σ",
        "Straße",
        "STRASSE",
        "ǅemal",
        "ǅ",
        "Ⅻ",
        "ⅻ",
        "Ⓐbc",
        "ÅNGSTRÖM",
        "ǈ and Ǉ",
        "ﬀ",
        "Ꭰ",
        "ꭰ",
        "Ａ",
        "Ω",
        "K",
        "\u{1E9E}",
        "O'Malley",
        "🄰",
    ] {
        assert_eq!(
            store.fold_in_sql(s).await.unwrap(),
            fold(s).into_owned(),
            "scim_fold({s:?})"
        );
    }
}

/// `User.groups` with no statistics for `members` (a database whose
/// memberships were added after its last `ANALYZE`): each group is still
/// read by key. As a join, the planner hashed the whole `resources`
/// table for every user in a group (700 ms a page of 100 users).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_groups_use_indexes_without_member_statistics() {
    let Some(admin) = admin() else { return };
    let db = scim_store_postgres::testing::TestDb::create(&admin)
        .await
        .unwrap();
    let store = Postgres::open(&db.url).await.unwrap();
    store.pause_autovacuum().await.unwrap();
    seed(&store).await;
    store.analyze().await.unwrap();
    let forget = "DELETE FROM pg_statistic WHERE starelid = 'members'::regclass;
        UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE oid = 'members'::regclass;";
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        scim_store_postgres::testing::execute_blocking(&url, forget)
    })
    .await
    .unwrap()
    .unwrap();
    let plan = store.explain_groups(17).await.unwrap();
    println!("{plan}");
    assert!(
        !plan.contains("Seq Scan on resources"),
        "User.groups scans resources:\n{plan}"
    );
    drop(store);
    drop(db);
}
