//! Local accounts and the policies about them (`docs/policies.md`):
//! adoption of a local account by a connection's create (or a conflict),
//! local administration of resources a connection manages (refused until
//! unmanaged), import, and whether group names are unique in a tenant.

use crate::harness::*;
use scim_store::{MatchAction, MatchKey, ResourceKind};
use serde_json::{json, Value};

#[tokio::test]
async fn local_accounts_are_adopted_or_conflict() {
    let h = Harness::new().await;
    let t = h.tenant("default").await;
    let import = |name: &str, email: &str, ext: Option<&str>| {
        let mut body = json!({"schemas": [USER], "userName": name,
            "emails": [{"value": email, "type": "work", "primary": true}]});
        if let Some(x) = ext {
            body["externalId"] = json!(x);
        }
        body
    };
    let id_of = |i: scim_service::admin_users::Imported| match i {
        scim_service::admin_users::Imported::Created(id) => id.to_string(),
        other => panic!("{other:?}"),
    };
    let jo = id_of(
        t.import_user(&import("jo.local", "jo@example.com", None), Some("saml"))
            .await
            .unwrap(),
    );
    let max = id_of(
        t.import_user(
            &import("max.local", "max@example.com", Some("ext-max")),
            None,
        )
        .await
        .unwrap(),
    );
    let p = h.idp.provenance(&jo).await;
    assert_eq!(
        (&p["authProvider"], &p["managed"]),
        (&json!("saml"), &json!(false))
    );

    // Adopt by email: 201 with the existing id; the auth provider is kept.
    let body = json!({"schemas": [USER], "userName": "jo@example.com", "externalId": "e-jo",
        "emails": [{"value": "JO@example.com", "type": "work", "primary": true}]});
    let r = h.idp.post("/Users", &body).await;
    expect(&r, 201, "adopted");
    assert_eq!(
        (r.id(), &r.body["userName"]),
        (jo.clone(), &json!("jo@example.com"))
    );
    let p = h.idp.provenance(&jo).await;
    assert_eq!(
        (&p["authProvider"], &p["managed"]),
        (&json!("saml"), &json!(true))
    );
    // Now managed, it is not adopted twice: a second create collides as usual.
    let r = h.idp.post("/Users", &body).await;
    assert_eq!((r.code, scim_type(&r)), (409, "uniqueness"));

    // Under `conflict`, a match is refused.
    h.settings(|s| {
        s.matching.action = MatchAction::Conflict;
        s.matching.order = vec![MatchKey::ExternalId, MatchKey::UserName];
    })
    .await;
    let body = json!({"schemas": [USER], "userName": "max@corp.example", "externalId": "ext-max"});
    let r = h.idp.post("/Users", &body).await;
    assert_eq!((r.code, scim_type(&r)), (409, "uniqueness"));
    assert!(r.detail().contains("by externalId"), "{}", r.detail());
    // Email is no longer a match key: a new account is created.
    let other = json!({"schemas": [USER], "userName": "max2@corp.example",
        "emails": [{"value": "max@example.com", "primary": true}]});
    expect(&h.idp.post("/Users", &other).await, 201, "no email key");

    // Without `keep-auth-provider`, an adopted account takes the IdP of the
    // connection that adopts it.
    h.settings(|s| {
        s.matching.action = MatchAction::Adopt;
        s.matching.keep_auth_provider = false;
    })
    .await;
    let okta = h.connection("okta", "okta", |_| {}).await;
    assert_eq!(okta.provenance(&max).await["authProvider"], "local");
    let r = okta.post("/Users", &body).await;
    assert_eq!((r.code, r.id()), (201, max.clone()));
    let p = okta.provenance(&max).await;
    assert_eq!(
        (&p["authProvider"], &p["provisionedBy"], &p["managed"]),
        (&json!("okta"), &json!("okta"), &json!(true))
    );
}

#[tokio::test]
async fn managed_resources_are_read_only_locally() {
    let h = Harness::new().await;
    let t = h.tenant("default").await;
    let id = h.idp.create_user("pat@example.com").await;
    let member = h.idp.create_user("gm@example.com").await;
    let g = h.idp.create_group("Managed", &[&member]).await;
    let by_scim = "managed by \"default\" through SCIM";
    // (kind, id, what a local change gets)
    for (kind, rid) in [(ResourceKind::User, &id), (ResourceKind::Group, &g)] {
        let e = t.delete_resource(kind, rid).await.unwrap_err();
        assert_eq!(e.status(), 403, "{kind:?}");
        assert!(
            e.detail().contains(by_scim) && e.detail().contains(kind.name()),
            "{e}"
        );
        assert!(e.detail().contains("unmanage"), "{e}");
    }
    let e = t.set_active(&id, false).await.unwrap_err();
    assert!(e.status() == 403 && e.detail().contains(by_scim), "{e}");
    let shown = t.show_resource(ResourceKind::User, &id).await.unwrap();
    assert_eq!(shown[PROVENANCE]["managed"], true);

    // Unmanaged (audited with the diff), local administration may change it.
    t.unmanage(ResourceKind::User, &id).await.unwrap();
    t.unmanage(ResourceKind::Group, &g).await.unwrap();
    let log = h.audit().await;
    let entry = audited(&log, "unmanage", Some(&id));
    assert_eq!(entry["diff"][0]["path"], "managed");
    assert_eq!(audited(&log, "unmanage", Some(&g))["resourceType"], "Group");
    t.set_active(&id, false).await.unwrap();
    assert_eq!(
        h.idp.get(&format!("/Users/{id}")).await.body["active"],
        false
    );
    assert_eq!(h.idp.provenance(&id).await["managed"], false);
    t.delete_resource(ResourceKind::User, &id).await.unwrap();
    t.delete_resource(ResourceKind::Group, &g).await.unwrap();
    expect(&h.idp.get(&format!("/Users/{id}")).await, 404, "user");
    expect(&h.idp.get(&format!("/Groups/{g}")).await, 404, "group");
    // A local account made by the command line is editable at once.
    let body =
        json!({"userName": "ops", "emails": [{"value": "ops@example.com", "primary": true}]});
    let local = match t.import_user(&body, None).await.unwrap() {
        scim_service::admin_users::Imported::Created(id) => id.to_string(),
        other => panic!("{other:?}"),
    };
    t.set_active(&local, false).await.unwrap();
    t.set_active(&local, true).await.unwrap();
}

#[tokio::test]
async fn import_creates_or_skips_each_account() {
    let h = Harness::new().await;
    h.idp.create_user("taken@example.com").await;
    let t = h.tenant("default").await;
    // (row, auth provider, created / skipped / failed with)
    let rows: &[(Value, Option<&str>, &str)] = &[
        (json!({"userName": "one@example.com"}), None, "created"),
        (json!({"userName": "taken@example.com"}), None, "skipped"),
        (json!({"userName": 5}), None, "failed"),
        (
            json!({"userName": "two@example.com", "active": false}),
            Some("google"),
            "created",
        ),
    ];
    for (i, (row, provider, want)) in rows.iter().enumerate() {
        let got = match t.import_user(row, *provider).await {
            Ok(scim_service::admin_users::Imported::Created(_)) => "created",
            Ok(scim_service::admin_users::Imported::Skipped(_)) => "skipped",
            Err(e) => {
                assert_eq!(e.status(), 400, "row {i}: {e}");
                "failed"
            }
        };
        assert_eq!(got, *want, "row {i}: {row}");
    }
    let r = h
        .idp
        .get(&format!(
            "/Users?filter=userName%20eq%20%22two@example.com%22&attributes={PROVENANCE}"
        ))
        .await;
    assert_eq!(r.body["Resources"][0][PROVENANCE]["authProvider"], "google");
}

#[tokio::test]
async fn group_name_uniqueness_is_a_tenant_setting() {
    let h = Harness::new().await;
    let group = json!({"schemas": [GROUP], "displayName": "Engineering"});
    expect(&h.idp.post("/Groups", &group).await, 201, "first");
    let r = h.idp.post("/Groups", &group).await;
    assert_eq!((r.code, scim_type(&r)), (409, "uniqueness"));
    h.settings(|s| s.unique_group_names = Some(false)).await;
    expect(&h.idp.post("/Groups", &group).await, 201, "not unique");
    let r = h
        .idp
        .get("/Groups?filter=displayName%20eq%20%22Engineering%22")
        .await;
    assert_eq!(r.body["totalResults"], 2);
}
