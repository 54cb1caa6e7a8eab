//! PATCH (RFC 7644 §3.5.2) at the service boundary: the outcome and its
//! version, projection of the answer, the errors with their `scimType`,
//! atomicity, Entra's dialects, and which requests the profile answers
//! without a representation. (The PATCH engine's own cases are
//! `scim-core/tests/patch.rs`.)

use crate::harness::*;
use serde_json::{json, Value};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[tokio::test]
async fn patch_answers_with_the_resource_and_its_version() {
    let h = Harness::new().await;
    let id = h.idp.create_user("pat").await;
    let path = format!("/Users/{id}");
    let r = h.idp.patch(&path, &deactivate()).await;
    expect(&r, 200, "patch");
    assert_eq!(r.body["active"], false);
    assert_eq!(r.etag().as_deref(), Some("W/\"2\""));
    // A no-op PATCH keeps the version and lastModified.
    h.advance(1_000);
    let same = h.idp.patch(&path, &deactivate()).await;
    assert_eq!(same.body["meta"]["version"], "W/\"2\"");
    assert_eq!(
        same.body["meta"]["lastModified"],
        r.body["meta"]["lastModified"]
    );
    // attributes on PATCH shape the answer, not the change.
    let add = patch(json!([{"op": "add", "path": "title", "value": "T"}]));
    let p = h
        .idp
        .patch(&format!("{path}?attributes=userName"), &add)
        .await;
    expect(&p, 200, "projected");
    assert!(p.body.get("title").is_none() && p.body["userName"] == "pat");
    assert_eq!(h.idp.get(&path).await.body["title"], "T");
}

/// Each PATCH body is refused with its status and `scimType`, and changes
/// nothing.
#[tokio::test]
async fn patch_errors() {
    let h = Harness::new().await;
    let id = h.idp.create_user("err").await;
    let path = format!("/Users/{id}");
    let ops = |o: Value| patch(o);
    // (body, path, status, scimType)
    let table: Vec<(Value, &str, u16, &str)> = vec![
        (ops(json!([{"op": "remove"}])), &path, 400, "noTarget"),
        (
            ops(json!([{"op": "replace", "path": "id", "value": "x"}])),
            &path,
            400,
            "mutability",
        ),
        (
            ops(json!([{"op": "remove", "path": "userName"}])),
            &path,
            400,
            "mutability",
        ),
        (
            ops(json!([{"op": "replace", "path": "emails[type eq]", "value": "x"}])),
            &path,
            400,
            "invalidPath",
        ),
        (
            ops(json!([{"op": "replace", "path": "name.", "value": "x"}])),
            &path,
            400,
            "invalidPath",
        ),
        (
            ops(json!([{"op": "replace", "path": "active", "value": 7}])),
            &path,
            400,
            "invalidValue",
        ),
        (json!({"Operations": "x"}), &path, 400, "invalidSyntax"),
        (deactivate(), "/Users/nope", 404, ""),
        // Atomic: the first operation of a failing request is not applied.
        (
            ops(json!([{"op": "replace", "path": "title", "value": "x"},
                    {"op": "replace", "path": "id", "value": "y"}])),
            &path,
            400,
            "mutability",
        ),
    ];
    for (i, (body, at, code, kind)) in table.iter().enumerate() {
        let r = h.idp.patch(at, body).await;
        assert_eq!(
            (r.code, scim_type(&r)),
            (*code, *kind),
            "row {i}: {}",
            r.body
        );
    }
    let now = h.idp.get(&path).await.body;
    assert!(now.get("title").is_none(), "{now}");
    assert_eq!(now["meta"]["version"], "W/\"1\"");
}

#[tokio::test]
async fn entra_patch_dialects() {
    let h = Harness::new().await;
    let id = h.idp.create_user("entra@contoso.com").await;
    let path = format!("/Users/{id}");
    let r = h
        .idp
        .patch(
            &path,
            &patch(json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Add", "path": "emails[type eq \"home\"].value", "value": "home@contoso.com"},
                {"op": "Replace", "value": {"name.givenName": "Given", format!("{ENT}:department"): "Sales"}},
                {"op": "Add", "path": format!("{ENT}:manager"), "value": "mgr-1"}
            ])),
        )
        .await;
    expect(&r, 200, "entra patch");
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["name"]["givenName"], "Given");
    assert_eq!(r.body[ENT]["department"], "Sales");
    assert_eq!(r.body[ENT]["manager"]["value"], "mgr-1");
    assert!(r.body["emails"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "home" && e["value"] == "home@contoso.com"));
    // Deactivated users stay readable and findable.
    let f = h
        .idp
        .get("/Users?filter=userName%20eq%20%22entra@contoso.com%22")
        .await;
    assert_eq!(f.body["totalResults"], 1);
    let clear = patch(json!([{"op": "Replace", "path": format!("{ENT}:manager"), "value": ""}]));
    let m = h.idp.patch(&path, &clear).await;
    assert!(m.body[ENT].get("manager").is_none(), "{}", m.body);
}

/// Entra prefers 204 for a group PATCH: by the connection's profile, or
/// under `auto` by Entra's flag or User-Agent; never for a user, never
/// under another explicit profile.
#[tokio::test]
async fn entra_group_patch_answers_without_the_group() {
    let h = Harness::new().await;
    let mut idps = std::collections::HashMap::from([("auto", h.idp.clone())]);
    for profile in ["entra", "okta", "strict"] {
        idps.insert(profile, h.connection(profile, profile, |_| {}).await);
    }
    let group = h.idp.create_group("entra-204", &[]).await;
    let user = h.idp.create_user("entra-204-user").await;
    let entra_ua = Some("Microsoft Azure AD SCIM Client");
    let okta_ua = Some("Okta SCIM Client 1.0.0");
    // (connection profile, resource, Entra's flag, User-Agent, expected code)
    let table: &[(&str, &str, bool, Option<&str>, u16)] = &[
        ("auto", "Groups", true, None, 204),
        ("auto", "Groups", false, entra_ua, 204),
        (
            "auto",
            "Groups",
            false,
            Some("Microsoft Azure AD SCIM provisioning 1.0.0"),
            204,
        ),
        ("auto", "Groups", false, okta_ua, 200),
        ("auto", "Groups", false, None, 200),
        // A word that merely contains "entra" is not Entra.
        (
            "auto",
            "Groups",
            false,
            Some("Central Provisioning/1.0"),
            200,
        ),
        ("entra", "Groups", false, None, 204),
        ("entra", "Groups", false, okta_ua, 204),
        ("strict", "Groups", true, entra_ua, 200),
        ("okta", "Groups", true, None, 200),
        // Only group PATCH answers 204; a user PATCH shows the user.
        ("auto", "Users", true, entra_ua, 200),
        ("entra", "Users", false, None, 200),
    ];
    for (i, (profile, kind, flag, ua, want)) in table.iter().enumerate() {
        let (id, attr) = if *kind == "Groups" {
            (&group, "displayName")
        } else {
            (&user, "title")
        };
        let mut idp = idps[profile].clone();
        idp.entra_flag = *flag;
        idp.agent = ua.map(str::to_string);
        let value = format!("v{i}");
        let ops = patch(json!([{"op": "replace", "path": attr, "value": value}]));
        let path = format!("/{kind}/{id}");
        let r = idp.patch(&path, &ops).await;
        let row = format!("row {i}: {profile} {path} flag={flag} {ua:?}");
        assert_eq!(r.code, *want, "{row}: {}", r.body);
        if *want == 204 {
            assert!(r.body.is_null() && r.etag().is_some(), "{row}");
        } else {
            assert_eq!(
                (r.id().as_str(), &r.body[attr]),
                (id.as_str(), &json!(value)),
                "{row}"
            );
        }
        // Applied either way.
        assert_eq!(h.idp.get(&path).await.body[attr], value.as_str(), "{row}");
    }
}
