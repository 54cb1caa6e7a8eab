//! The IdP lookups use indexes: `EXPLAIN QUERY PLAN` finds `resources` rows
//! by key (from `idx` or the id index), never by walking a tenant.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::timestamp::Timestamp;
use scim_store::{ResourceKind, Store};
use scim_store_sql::explain::lowered;
use scim_store_sqlite::{Sqlite, SqliteStore};

/// Asserts that the plan of `filter` reads `resources` by key, not by scan.
async fn check(store: &SqliteStore, kind: ResourceKind, filter: &str) {
    let t = store
        .create_tenant(
            &format!("t-{}", filter.len()),
            Timestamp::from_unix_millis(0).unwrap(),
        )
        .await;
    let tenant = match t {
        Ok(t) => t.id,
        Err(_) => store.list_tenants().await.unwrap()[0].id,
    };
    let lowered = lowered(kind, filter).unwrap();
    let plan = store.explain(tenant, kind, lowered).await.unwrap();
    println!("{filter}:\n{plan}\n");
    assert!(
        !plan.lines().any(|l| l.starts_with("SCAN r")),
        "{filter} scans:\n{plan}"
    );
    let by_key = plan.contains("SEARCH r USING INTEGER PRIMARY KEY (rowid=?)")
        || plan.contains("resources_id (tenant_id=? AND kind=? AND id=?)");
    assert!(by_key, "{filter} does not find rows by key:\n{plan}");
}

#[tokio::test]
async fn idp_lookups_use_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Sqlite::open(dir.path().join("plan.db")).unwrap();
    for f in [
        r#"userName eq "alex@example.com""#,
        r#"externalId eq "0f1e2d3c""#,
        r#"emails.value eq "alex@example.com""#,
        r#"emails[type eq "work"].value eq "alex@example.com""#,
        r#"displayName eq "Alex""#,
        r#"userName eq "a" and externalId eq "b""#,
        r#"id eq "2819c223""#,
    ] {
        check(&store, ResourceKind::User, f).await;
    }
    for f in [
        r#"displayName eq "Staff""#,
        r#"externalId eq "g-1""#,
        r#"id eq "g1" and members eq "u1""#,
        r#"members eq "u1""#,
        r#"members.value eq "u1""#,
    ] {
        check(&store, ResourceKind::Group, f).await;
    }
}

/// An indexed extension attribute of a tenant (`"indexed": true`, or
/// unique) is an `idx` lookup too.
#[tokio::test]
async fn extension_lookups_use_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Sqlite::open(dir.path().join("plan.db")).unwrap();
    let tenant = store
        .create_tenant("t", Timestamp::from_unix_millis(0).unwrap())
        .await
        .unwrap()
        .id;
    let ext = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User";
    let mut reg = scim_core::schema::SchemaRegistry::builtin().unwrap();
    let mut schema = scim_core::schema::Schema::from_json(&serde_json::json!({"id": ext,
        "attributes": [{"name": "costCenter", "uniqueness": "server"}, {"name": "badge", "indexed": true}]}))
    .unwrap();
    schema.attributes[0].index = Some(20000);
    schema.attributes[1].index = Some(1000);
    reg.add_extension_schema(schema, "User", false).unwrap();
    for f in [
        format!("{ext}:costCenter eq \"42\""),
        format!("{ext}:badge eq \"B-1\" and active eq true"),
    ] {
        let lowered = scim_store_sql::explain::lowered_in(&reg, ResourceKind::User, &f).unwrap();
        let plan = store
            .explain(tenant, ResourceKind::User, lowered)
            .await
            .unwrap();
        println!("{f}:\n{plan}\n");
        assert!(
            !plan.lines().any(|l| l.starts_with("SCAN r")),
            "{f} scans:\n{plan}"
        );
        assert!(
            plan.contains("SEARCH i USING PRIMARY KEY"),
            "{f} is not idx-led:\n{plan}"
        );
    }
}

/// `User.groups`: the parents of a resource by the `members_member` index,
/// level by level, then each group by rowid; never a walk of `members` or
/// `resources`.
#[tokio::test]
async fn user_groups_use_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let store = Sqlite::open(dir.path().join("plan.db")).unwrap();
    let plan = store.explain_groups(0).await.unwrap();
    println!("{plan}");
    let (parents, describe) = plan.split_once("\n\n").unwrap();
    assert!(
        !plan.lines().any(|l| l.starts_with("SCAN")),
        "scans:\n{plan}"
    );
    assert!(
        parents.contains("members_member (member_seq=?)"),
        "parents:\n{parents}"
    );
    assert!(
        describe.contains("USING INTEGER PRIMARY KEY (rowid=?)"),
        "describe:\n{describe}"
    );
}
