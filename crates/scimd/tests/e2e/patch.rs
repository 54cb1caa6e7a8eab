//! PATCH (RFC 7644 §3.5.2) over HTTP, including IdP dialects.

use crate::server::*;
use serde_json::{json, Value};

#[test]
fn patch_answers_200_with_the_resource() {
    let s = Server::start();
    let id = s.create_user("pat");
    let path = format!("/Users/{id}");
    let r = s.patch(
        &path,
        json!([{"op": "replace", "path": "active", "value": false}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.header("etag"), Some("W/\"2\""));
    // A no-op PATCH keeps the version and lastModified.
    let same = s.patch(
        &path,
        json!([{"op": "replace", "path": "active", "value": false}]),
    );
    assert_eq!(same.body["meta"]["version"], "W/\"2\"");
    assert_eq!(
        same.body["meta"]["lastModified"],
        r.body["meta"]["lastModified"]
    );
    // attributes on PATCH shape the response.
    let p = s.req("PATCH", &format!("{path}?attributes=userName"), Some(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title", "value": "T"}]})));
    assert_eq!(p.status, 200);
    assert!(p.body.get("title").is_none() && p.body["userName"] == "pat");
    assert_eq!(s.get(&path).body["title"], "T");
}

#[test]
fn patch_errors() {
    let s = Server::start();
    let id = s.create_user("err");
    let path = format!("/Users/{id}");
    assert_error(
        &s.patch(&path, json!([{"op": "remove"}])),
        400,
        Some("noTarget"),
    );
    assert_error(
        &s.patch(
            &path,
            json!([{"op": "replace", "path": "id", "value": "x"}]),
        ),
        400,
        Some("mutability"),
    );
    assert_error(
        &s.patch(&path, json!([{"op": "remove", "path": "userName"}])),
        400,
        Some("mutability"),
    );
    assert_error(
        &s.patch(
            &path,
            json!([{"op": "replace", "path": "emails[type eq]", "value": "x"}]),
        ),
        400,
        Some("invalidPath"),
    );
    assert_error(
        &s.patch(
            &path,
            json!([{"op": "replace", "path": "name.", "value": "x"}]),
        ),
        400,
        Some("invalidPath"),
    );
    assert_error(
        &s.patch(
            &path,
            json!([{"op": "replace", "path": "active", "value": 7}]),
        ),
        400,
        Some("invalidValue"),
    );
    assert_error(
        &s.req("PATCH", &path, Some(&json!({"Operations": "x"}))),
        400,
        Some("invalidSyntax"),
    );
    assert_error(
        &s.patch(
            "/Users/nope",
            json!([{"op": "replace", "path": "active", "value": false}]),
        ),
        404,
        None,
    );
    // Atomic: the first operation of a failing request is not applied.
    assert_error(&s.patch(&path, json!([{"op": "replace", "path": "title", "value": "x"}, {"op": "replace", "path": "id", "value": "y"}])), 400, Some("mutability"));
    assert!(s.get(&path).body.get("title").is_none());
}

#[test]
fn entra_patch_dialects() {
    let s = Server::start();
    let id = s.create_user("entra@contoso.com");
    let path = format!("/Users/{id}");
    let r = s.patch(&path, json!([
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": "emails[type eq \"home\"].value", "value": "home@contoso.com"},
        {"op": "Replace", "value": {"name.givenName": "Given", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Sales"}},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "mgr-1"}
    ]));
    assert_eq!(r.status, 200, "{}", r.text);
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
    let f = s.get("/Users?filter=userName%20eq%20%22entra@contoso.com%22");
    assert_eq!(f.body["totalResults"], 1);
    let m = s.patch(&path, json!([{"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": ""}]));
    assert!(m.body[ENT].get("manager").is_none(), "{}", m.text);
}

/// A PATCH that sends exactly the User-Agent given (none when `None`);
/// returns the status and the body text.
fn patch_as(s: &Server, token: &str, path: &str, ua: Option<&str>, ops: Value) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(ureq::config::AutoHeaderValue::None)
        .build()
        .into();
    let body = json!({"schemas": [PATCH_OP], "Operations": ops}).to_string();
    let mut req = ureq::http::Request::builder()
        .method("PATCH")
        .uri(format!("{}{path}", s.base))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/scim+json");
    if let Some(ua) = ua {
        req = req.header("User-Agent", ua);
    }
    let mut resp = agent.run(req.body(body).unwrap()).unwrap();
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap_or_default())
}

#[test]
fn entra_group_patch_answers_204_by_profile_flag_and_user_agent() {
    let s = Server::start();
    let mut tokens = std::collections::HashMap::from([("auto", s.token.clone())]);
    for profile in ["entra", "okta", "strict"] {
        s.cli_ok(&[
            "connection",
            "create",
            "--tenant",
            "default",
            profile,
            "--profile",
            profile,
        ]);
        tokens.insert(profile, s.token_for("default", profile));
    }
    let group = s.create_group("entra-204", &[]);
    let user = s.create_user("entra-204-user");
    let entra_ua = Some("Microsoft Azure AD SCIM Client");
    let okta_ua = Some("Okta SCIM Client 1.0.0");
    let flag = "?aadOptscim062020";
    // (connection profile, resource, query, User-Agent, expected status)
    let table: &[(&str, &str, &str, Option<&str>, u16)] = &[
        ("auto", "Groups", flag, None, 204),
        ("auto", "Groups", "", entra_ua, 204),
        (
            "auto",
            "Groups",
            "",
            Some("Microsoft Azure AD SCIM provisioning 1.0.0"),
            204,
        ),
        ("auto", "Groups", "", okta_ua, 200),
        ("auto", "Groups", "", None, 200),
        // A word that merely contains "entra" is not Entra.
        ("auto", "Groups", "", Some("Central Provisioning/1.0"), 200),
        ("entra", "Groups", "", None, 204),
        ("entra", "Groups", "", okta_ua, 204),
        ("strict", "Groups", flag, entra_ua, 200),
        ("okta", "Groups", flag, None, 200),
        // Only group PATCH answers 204; a user PATCH shows the user.
        ("auto", "Users", flag, entra_ua, 200),
        ("entra", "Users", "", None, 200),
    ];
    for (i, (profile, kind, query, ua, want)) in table.iter().enumerate() {
        let (id, attr) = if *kind == "Groups" {
            (&group, "displayName")
        } else {
            (&user, "title")
        };
        let value = format!("v{i}");
        let ops = json!([{"op": "replace", "path": attr, "value": value}]);
        let path = format!("/{kind}/{id}{query}");
        let (status, text) = patch_as(&s, &tokens[profile], &path, *ua, ops);
        let row = format!("row {i}: {profile} {path} {ua:?}: {status} {text}");
        assert_eq!(status, *want, "{row}");
        if *want == 204 {
            assert!(text.is_empty(), "{row}");
        } else {
            let body: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(body["id"], id.as_str(), "{row}");
            assert_eq!(body[attr], value.as_str(), "{row}");
        }
        // Applied either way.
        assert_eq!(
            s.get(&format!("/{kind}/{id}")).body[attr],
            value.as_str(),
            "{row}"
        );
    }
}
