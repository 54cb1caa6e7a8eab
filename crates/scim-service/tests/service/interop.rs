//! Interoperability rules at the service boundary (issue 17): unknown
//! group members by profile (POST, PUT, PATCH), the `interop` connection's
//! rules and configuration claim, a user's default `active`, the root
//! search's `or` across resource types, value filters in `attributes`.
//! The same rules by tolerance are unit tests of scim-core
//! (`tests/interop.rs`); what needs HTTP is in `scimd/tests/e2e/interop.rs`.

use crate::harness::*;
use scim_service::admin_audit::AuditFilter;
use scim_store::{ConnectionPolicy, DeletePolicy};
use serde_json::{json, Value};

/// The sorted member ids of a group representation.
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

/// The newest audit entry's detail for a group of tenant `default`.
async fn audit_detail(h: &Harness, group: &str) -> Option<String> {
    let f = AuditFilter {
        resource: Some(("group".into(), group.into())),
        limit: 1,
        ..AuditFilter::default()
    };
    let log = h.tenant("default").await.audit(&f).await.unwrap();
    log.first().and_then(|r| r.entry.detail.clone())
}

/// A client of a new connection with `profile` (`auto`: the default one).
async fn client(h: &Harness, profile: &str) -> Idp {
    match profile {
        "auto" => h.idp.clone(),
        p => h.connection(p, p, |_| {}).await,
    }
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
        let h = Harness::new().await;
        let idp = client(&h, profile).await;
        let u1 = idp.create_user("u1").await;
        let stale = ["stale-1", "not an id"];
        let members = json!([{"value": u1}, {"value": stale[0]}, {"value": stale[1]}]);
        // POST.
        let body = json!({"schemas": [GROUP], "displayName": "g", "members": members});
        let g = idp.post("/Groups", &body).await;
        if !lenient {
            assert_eq!((g.code, scim_type(&g)), (400, "invalidValue"), "{profile}");
            for id in stale {
                assert!(g.detail().contains(id), "{profile}: {}", g.detail());
            }
            continue;
        }
        expect(&g, 201, profile);
        assert_eq!(member_ids(&g.body), vec![u1.clone()], "{profile}");
        let gid = g.id();
        let detail = audit_detail(&h, &gid).await.unwrap();
        assert!(
            detail.contains("stale-1") && detail.contains("not an id"),
            "{detail}"
        );
        // PUT.
        let g = idp.put(&format!("/Groups/{gid}"), &body).await;
        expect(&g, 200, profile);
        assert_eq!(member_ids(&g.body), vec![u1.clone()], "{profile}");
        // PATCH add.
        let u2 = idp.create_user("u2").await;
        let ops = patch(json!([
            {"op": "add", "path": "members", "value": [{"value": u2}, {"value": "stale-2"}]}]));
        let g = idp.patch(&format!("/Groups/{gid}"), &ops).await;
        expect(&g, 200, profile);
        let mut want = vec![u1.clone(), u2.clone()];
        want.sort();
        assert_eq!(member_ids(&g.body), want, "{profile}");
        assert!(audit_detail(&h, &gid).await.unwrap().contains("stale-2"));
    }
    // Strict refuses a PATCH naming an unknown member, and names it.
    let h = Harness::new().await;
    let strict = client(&h, "strict").await;
    let gid = strict.create_group("g", &[]).await;
    let ops = patch(json!([{"op": "add", "path": "members", "value": [{"value": "stale-9"}]}]));
    let e = strict.patch(&format!("/Groups/{gid}"), &ops).await;
    assert_eq!((e.code, scim_type(&e)), (400, "invalidValue"));
    assert!(e.detail().contains("stale-9"), "{}", e.detail());
}

#[tokio::test]
async fn interop_connections() {
    let h = Harness::new().await;
    let t = h.tenant("default").await;
    // The disable delete policy is refused, on creation and on update.
    let disable = ConnectionPolicy {
        delete: DeletePolicy::Disable,
        ..ConnectionPolicy::default()
    };
    let e = t
        .create_connection("i", "interop", disable.clone())
        .await
        .unwrap_err();
    assert_eq!(e.status(), 400);
    assert!(e.detail().contains("DELETE to delete"), "{}", e.detail());
    t.create_connection("d", "auto", disable).await.unwrap();
    let e = t
        .update_connection("d", |c| {
            c.profile = scim_service::Profile::Interop;
            Ok(())
        })
        .await
        .unwrap_err();
    assert!(e.detail().contains("interop"), "{}", e.detail());
    // Only the interop connection's token sees the claim.
    for (profile, claim) in [("interop", Some(true)), ("auto", None), ("strict", None)] {
        let idp = client(&h, profile).await;
        let spc = idp.get("/ServiceProviderConfig").await;
        expect(&spc, 200, profile);
        assert_eq!(
            spc.body["interopProfileConformant"].as_bool(),
            claim,
            "{profile}"
        );
    }
}

#[tokio::test]
async fn a_user_without_active_is_active_everywhere() {
    let h = Harness::new().await;
    let idp = &h.idp;
    let body = json!({"schemas": [USER], "userName": "ann"});
    let u = idp.post("/Users", &body).await;
    expect(&u, 201, "create");
    assert_eq!(u.body["active"], true);
    for filter in ["active eq true", "active pr", "not (active eq false)"] {
        let q = format!("/Users?filter={}", filter.replace(' ', "%20"));
        let r = idp.get(&q).await;
        assert_eq!(r.body["totalResults"], 1, "{filter}: {}", r.body);
    }
    assert_eq!(h.tenant("default").await.seats().await.unwrap().used, 1);
    // A PUT without `active` keeps it; a PATCH removing it removes it (the
    // response no longer shows it) and the user stays active.
    let path = format!("/Users/{}", u.id());
    expect(&idp.patch(&path, &deactivate()).await, 200, "deactivate");
    let put = idp.put(&path, &body).await;
    assert_eq!(put.body["active"], false, "{}", put.body);
    assert_eq!(h.tenant("default").await.seats().await.unwrap().used, 0);
    let rm = patch(json!([{"op": "remove", "path": "active"}]));
    let p = idp.patch(&path, &rm).await;
    expect(&p, 200, "remove active");
    assert!(p.body.get("active").is_none(), "{}", p.body);
    for filter in ["active eq true", "active pr"] {
        let q = format!("/Users?filter={}", filter.replace(' ', "%20"));
        assert_eq!(idp.get(&q).await.body["totalResults"], 1, "{filter}");
    }
    assert_eq!(h.tenant("default").await.seats().await.unwrap().used, 1);
}

#[tokio::test]
async fn root_search_or_across_types_and_value_filters() {
    let h = Harness::new().await;
    let idp = &h.idp;
    let strict = client(&h, "strict").await;
    let eve = json!({"schemas": [USER], "userName": "eve", "emails": [
        {"value": "w@x.org", "type": "work"}, {"value": "h@x.org", "type": "home"}]});
    expect(&idp.post("/Users", &eve).await, 201, "eve");
    idp.create_user("zed").await;
    idp.create_group("engineers", &[]).await;
    idp.create_group("sales", &[]).await;
    let search = |filter: &str| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter});
    // (filter, totalResults)
    for (filter, total) in [
        ("userName sw \"e\" or displayName sw \"e\"", 2),
        ("displayName sw \"e\"", 1),
        ("userName sw \"e\"", 1),
        ("userName sw \"z\" or displayName sw \"s\"", 2),
        ("not (userName sw \"e\")", 3),
    ] {
        let r = idp.post("/.search", &search(filter)).await;
        assert_eq!(r.body["totalResults"], total, "{filter}: {}", r.body);
    }
    // An attribute no resource type has is still an error.
    let e = idp.post("/.search", &search("nosuch eq 1")).await;
    assert_eq!((e.code, scim_type(&e)), (400, "invalidFilter"));
    // Value filters in `attributes`: lenient projects, strict refuses.
    let q = "/Users?filter=userName%20eq%20%22eve%22&attributes=emails%5Btype%20eq%20%22work%22%5D.value";
    let r = idp.get(q).await;
    expect(&r, 200, "value filter");
    assert_eq!(
        r.body["Resources"][0]["emails"],
        json!([{"value": "w@x.org"}])
    );
    let e = strict.get(q).await;
    assert_eq!((e.code, scim_type(&e)), (400, "invalidValue"), "{}", e.body);
}
