//! Issue 17's rules at the service boundary, on the memory store: unknown
//! group members by profile (POST, PUT, PATCH), the interop profile's
//! connection rules and configuration claim, a user's default `active`,
//! the root search's `or` across resource types, value filters in
//! `attributes`, `sortOrder`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::admin_audit::AuditFilter;
use crate::resource::{ListSource, Preconditions, RequestCtx};
use crate::{Principal, ScimService, Sequential, ServiceConfig};
use scim_core::project::Projection;
use scim_store::memory::MemoryStore;
use scim_store::{ConnectionPolicy, DeletePolicy, ResourceKind};
use serde_json::{json, Value};
use std::sync::Arc;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

async fn service() -> ScimService {
    let svc = ScimService::with(
        Arc::new(MemoryStore::new()),
        ServiceConfig::default(),
        Arc::new(crate::ManualClock::at(1_700_000_000_000)),
        Arc::new(Sequential::new("id")),
    )
    .unwrap();
    svc.create_tenant("acme").await.unwrap();
    svc
}

/// A principal of a new connection with `profile`.
async fn principal(svc: &ScimService, profile: &str) -> Principal {
    svc.create_connection("acme", profile, profile, ConnectionPolicy::default())
        .await
        .unwrap();
    let t = svc
        .issue_token("acme", Some(profile), profile, None)
        .await
        .unwrap();
    svc.authenticate(Some(&format!("Bearer {}", t.token)))
        .await
        .unwrap()
}

fn ctx() -> RequestCtx {
    RequestCtx::new("https://scim.example.com/scim/v2")
}

fn none() -> Projection {
    Projection::default()
}

/// (status, body) of a result, errors as (status, scimType).
fn outcome(r: scim_core::ScimResult<crate::resource::Reply>) -> (u16, Value) {
    match r {
        Ok(reply) => (reply.status, reply.body.unwrap_or(Value::Null)),
        Err(e) => (e.status(), json!(e.scim_type())),
    }
}

fn member_ids(body: &Value) -> Vec<String> {
    let mut ids: Vec<String> = body["members"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| m["value"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// The newest audit entry's detail for a group.
async fn audit_detail(svc: &ScimService, group: &str) -> Option<String> {
    let f = AuditFilter {
        resource: Some(("group".into(), group.into())),
        limit: 1,
        ..AuditFilter::default()
    };
    let log = svc.audit_log("acme", &f).await.unwrap();
    log.first().and_then(|r| r.entry.detail.clone())
}

#[tokio::test]
async fn unknown_members_by_profile() {
    // (profile, skipped rather than refused)
    for (profile, lenient) in [
        ("auto", true),
        ("okta", true),
        ("jumpcloud", true),
        ("strict", false),
        ("interop", false),
    ] {
        let svc = service().await;
        let who = principal(&svc, profile).await;
        let user = |n: &str| json!({"schemas": [USER], "userName": n});
        let (_, u1) = outcome(
            svc.create(&who, ResourceKind::User, &user("u1"), &ctx(), &none())
                .await,
        );
        let u1 = u1["id"].as_str().unwrap().to_string();
        let stale = ["stale-1", "not an id"];
        let members = json!([{"value": u1}, {"value": stale[0]}, {"value": stale[1]}]);
        // POST.
        let body = json!({"schemas": [GROUP], "displayName": "g", "members": members});
        let (status, g) = outcome(
            svc.create(&who, ResourceKind::Group, &body, &ctx(), &none())
                .await,
        );
        if !lenient {
            assert_eq!((status, &g), (400, &json!("invalidValue")), "{profile}");
            let err = svc
                .create(&who, ResourceKind::Group, &body, &ctx(), &none())
                .await
                .unwrap_err();
            for id in stale {
                assert!(err.detail().contains(id), "{profile}: {}", err.detail());
            }
            continue;
        }
        assert_eq!(status, 201, "{profile}: {g}");
        assert_eq!(member_ids(&g), vec![u1.clone()], "{profile}");
        let gid = g["id"].as_str().unwrap().to_string();
        let detail = audit_detail(&svc, &gid).await.unwrap();
        assert!(
            detail.contains("stale-1") && detail.contains("not an id"),
            "{detail}"
        );
        // PUT.
        let (status, g) = outcome(
            svc.replace(
                &who,
                ResourceKind::Group,
                &gid,
                &body,
                &ctx(),
                &none(),
                &Preconditions::default(),
            )
            .await,
        );
        assert_eq!(
            (status, member_ids(&g)),
            (200, vec![u1.clone()]),
            "{profile}"
        );
        // PATCH add.
        let (_, u2) = outcome(
            svc.create(&who, ResourceKind::User, &user("u2"), &ctx(), &none())
                .await,
        );
        let u2 = u2["id"].as_str().unwrap().to_string();
        let ops = json!({"schemas": [PATCH], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": u2}, {"value": "stale-2"}]}]});
        let (status, g) = outcome(
            svc.patch(
                &who,
                ResourceKind::Group,
                &gid,
                &ops,
                &ctx(),
                &none(),
                &Preconditions::default(),
            )
            .await,
        );
        assert_eq!(status, 200, "{profile}: {g}");
        let mut want = vec![u1.clone(), u2.clone()];
        want.sort();
        assert_eq!(member_ids(&g), want, "{profile}");
        assert!(audit_detail(&svc, &gid).await.unwrap().contains("stale-2"));
    }
    // Strict refuses a PATCH naming an unknown member, and names it.
    let svc = service().await;
    let who = principal(&svc, "strict").await;
    let body = json!({"schemas": [GROUP], "displayName": "g"});
    let (_, g) = outcome(
        svc.create(&who, ResourceKind::Group, &body, &ctx(), &none())
            .await,
    );
    let ops = json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": "stale-9"}]}]});
    let err = svc
        .patch(
            &who,
            ResourceKind::Group,
            g["id"].as_str().unwrap(),
            &ops,
            &ctx(),
            &none(),
            &Preconditions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!((err.status(), err.scim_type()), (400, Some("invalidValue")));
    assert!(err.detail().contains("stale-9"), "{}", err.detail());
}

#[tokio::test]
async fn interop_connections() {
    let svc = service().await;
    // The disable delete policy is refused, on creation and on update.
    let disable = ConnectionPolicy {
        delete: DeletePolicy::Disable,
        ..ConnectionPolicy::default()
    };
    let e = svc
        .create_connection("acme", "i", "interop", disable.clone())
        .await
        .unwrap_err();
    assert_eq!(e.status(), 400);
    assert!(e.detail().contains("DELETE to delete"), "{}", e.detail());
    svc.create_connection("acme", "d", "auto", disable)
        .await
        .unwrap();
    let e = svc
        .update_connection("acme", "d", |c| {
            c.profile = "interop".into();
            Ok(())
        })
        .await
        .unwrap_err();
    assert!(e.detail().contains("interop"), "{}", e.detail());
    // Only the interop connection's token sees the claim.
    for (profile, claim) in [("interop", Some(true)), ("auto", None), ("strict", None)] {
        let who = principal(&svc, profile).await;
        let spc = svc
            .tenant_service_provider_config(&who, &ctx())
            .await
            .unwrap();
        assert_eq!(
            spc["interopProfileConformant"].as_bool(),
            claim,
            "{profile}"
        );
    }
}

#[tokio::test]
async fn a_user_without_active_is_active_everywhere() {
    let svc = service().await;
    let who = principal(&svc, "auto").await;
    let body = json!({"schemas": [USER], "userName": "ann"});
    let (status, u) = outcome(
        svc.create(&who, ResourceKind::User, &body, &ctx(), &none())
            .await,
    );
    assert_eq!((status, &u["active"]), (201, &json!(true)));
    for filter in ["active eq true", "active pr", "not (active eq false)"] {
        let pairs = vec![("filter".to_string(), filter.to_string())];
        let r = svc
            .list(
                &who,
                Some(ResourceKind::User),
                ListSource::Query(&pairs),
                &ctx(),
            )
            .await
            .unwrap();
        assert_eq!(r.body.unwrap()["totalResults"], 1, "{filter}");
    }
    assert_eq!(svc.seats("acme").await.unwrap().used, 1);
    // A PUT without `active` keeps it; a PATCH removing it restores the default.
    let id = u["id"].as_str().unwrap();
    let off = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": false}]});
    svc.patch(
        &who,
        ResourceKind::User,
        id,
        &off,
        &ctx(),
        &none(),
        &Preconditions::default(),
    )
    .await
    .unwrap();
    let (_, put) = outcome(
        svc.replace(
            &who,
            ResourceKind::User,
            id,
            &body,
            &ctx(),
            &none(),
            &Preconditions::default(),
        )
        .await,
    );
    assert_eq!(put["active"], false);
    let rm = json!({"schemas": [PATCH], "Operations": [{"op": "remove", "path": "active"}]});
    let (_, p) = outcome(
        svc.patch(
            &who,
            ResourceKind::User,
            id,
            &rm,
            &ctx(),
            &none(),
            &Preconditions::default(),
        )
        .await,
    );
    assert_eq!(p["active"], true);
}

#[tokio::test]
async fn root_search_or_across_types_and_value_filters() {
    let svc = service().await;
    let who = principal(&svc, "auto").await;
    let strict = principal(&svc, "strict").await;
    for (kind, body) in [
        (
            ResourceKind::User,
            json!({"schemas": [USER], "userName": "eve", "emails": [{"value": "w@x.org", "type": "work"}, {"value": "h@x.org", "type": "home"}]}),
        ),
        (
            ResourceKind::User,
            json!({"schemas": [USER], "userName": "zed"}),
        ),
        (
            ResourceKind::Group,
            json!({"schemas": [GROUP], "displayName": "engineers"}),
        ),
        (
            ResourceKind::Group,
            json!({"schemas": [GROUP], "displayName": "sales"}),
        ),
    ] {
        svc.create(&who, kind, &body, &ctx(), &none())
            .await
            .unwrap();
    }
    let search = |filter: &str| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter});
    // (filter, totalResults)
    for (filter, total) in [
        ("userName sw \"e\" or displayName sw \"e\"", 2),
        ("displayName sw \"e\"", 1),
        ("userName sw \"e\"", 1),
        ("userName sw \"z\" or displayName sw \"s\"", 2),
        ("not (userName sw \"e\")", 3),
    ] {
        let r = svc
            .list(&who, None, ListSource::Search(&search(filter)), &ctx())
            .await
            .unwrap();
        assert_eq!(r.body.unwrap()["totalResults"], total, "{filter}");
    }
    // An attribute no resource type has is still an error.
    let e = svc
        .list(
            &who,
            None,
            ListSource::Search(&search("nosuch eq 1")),
            &ctx(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.scim_type(), Some("invalidFilter"));
    // Value filters in `attributes`: lenient projects, strict refuses.
    let pairs = vec![
        ("filter".to_string(), "userName eq \"eve\"".to_string()),
        (
            "attributes".to_string(),
            "emails[type eq \"work\"].value".to_string(),
        ),
    ];
    let r = svc
        .list(
            &who,
            Some(ResourceKind::User),
            ListSource::Query(&pairs),
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(
        r.body.unwrap()["Resources"][0]["emails"],
        json!([{"value": "w@x.org"}])
    );
    let e = svc
        .list(
            &strict,
            Some(ResourceKind::User),
            ListSource::Query(&pairs),
            &ctx(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.scim_type(), Some("invalidValue"));
}
