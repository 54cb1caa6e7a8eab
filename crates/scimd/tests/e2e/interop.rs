//! Issue 17 over HTTP: the interop profile's connection and claim,
//! `/Schemas` and `/ResourceTypes` accuracy, unknown and loosely written
//! group members by profile, value filters in `attributes`, the root
//! search's `or`, a user's default `active`, SETs naming the externalId,
//! malformed PATCH paths and undefined attributes' scimType.

use crate::server::*;
use serde_json::{json, Value};

/// A new connection of the default tenant with `profile`, and its token.
fn connection(s: &Server, name: &str, profile: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "connection",
        "create",
        "--tenant",
        "default",
        name,
        "--profile",
        profile,
    ];
    args.extend_from_slice(extra);
    s.cli_ok(&args);
    s.token_for("default", name)
}

fn search(s: &Server, token: &str, filter: &str) -> Value {
    let r = s.req_as(
        token,
        "POST",
        "/.search",
        Some(&json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": filter})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

#[test]
fn the_interop_connection_and_discovery() {
    let s = Server::start();
    // `--delete disable` is refused for an interop connection, saying why.
    let (ok, _, err) = s.cli(&[
        "connection",
        "create",
        "--tenant",
        "default",
        "x",
        "--profile",
        "interop",
        "--delete",
        "disable",
    ]);
    assert!(!ok);
    assert!(err.contains("requires a DELETE to delete"), "{err}");
    let interop = connection(&s, "conformant", "interop", &[]);
    // The claim, for the interop connection's token only.
    let spc = s.req_as(&interop, "GET", "/ServiceProviderConfig", None);
    assert_eq!(spc.body["interopProfileConformant"], true, "{}", spc.text);
    let spc = s.get("/ServiceProviderConfig");
    assert!(
        spc.body.get("interopProfileConformant").is_none(),
        "{}",
        spc.text
    );
    // /Schemas describes what is served.
    let schemas = s.get("/Schemas").body;
    let schema = |id: &str| {
        schemas["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    let attr = |schema: &Value, name: &str| {
        schema["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .cloned()
    };
    let user = schema("urn:ietf:params:scim:schemas:core:2.0:User");
    assert!(attr(&user, "password").is_none(), "password is not served");
    let spc_schema = schema("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig");
    for name in [
        "etag",
        "pagination",
        "interopProfileConformant",
        "securityEvents",
    ] {
        assert!(attr(&spc_schema, name).is_some(), "{name}");
    }
    let auth = attr(&spc_schema, "authenticationSchemes").unwrap();
    let subs: Vec<&str> = auth["subAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert!(
        subs.contains(&"type") && subs.contains(&"primary"),
        "{subs:?}"
    );
    // Every multi-valued attribute's `type` has canonical values.
    for sc in schemas["Resources"].as_array().unwrap() {
        for a in sc["attributes"].as_array().unwrap() {
            if a["multiValued"] != true {
                continue;
            }
            for sub in a["subAttributes"].as_array().into_iter().flatten() {
                if sub["name"] == "type" {
                    let values = sub["canonicalValues"].as_array();
                    assert!(values.is_some_and(|v| !v.is_empty()), "{}.type", a["name"]);
                }
            }
        }
    }
    // /ResourceTypes/User declares the provenance extension it returns, to
    // the interop connection.
    let rt = s.req_as(&interop, "GET", "/ResourceTypes/User", None).body;
    let ext: Vec<&str> = rt["schemaExtensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["schema"].as_str().unwrap())
        .collect();
    assert!(
        ext.contains(&"urn:scimd:schemas:extension:provenance:2.0:User"),
        "{ext:?}"
    );
    // The interop connection refuses what `auto` tolerates.
    let id = s.create_user("ann");
    let no_path = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": false}}]});
    let r = s.req_as(&interop, "PATCH", &format!("/Users/{id}"), Some(&no_path));
    assert_error(&r, 400, Some("invalidSyntax"));
    let r = s.req_as(
        &interop,
        "POST",
        "/Users",
        Some(&json!({"schemas": [USER], "userName": "b", "nosuch": 1})),
    );
    assert_error(&r, 400, Some("invalidSyntax"));
    let r = s.req_as(
        &interop,
        "POST",
        "/Users",
        Some(&json!({"schemas": [USER], "userName": "b", "password": "x"})),
    );
    assert_error(&r, 400, Some("invalidSyntax"));
    assert!(!r.text.contains("\"x\""), "{}", r.text);
    let whole = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "name", "value": {"givenName": "G2"}}]});
    let r = s.req_as(&interop, "PATCH", &format!("/Users/{id}"), Some(&whole));
    assert_eq!(r.body["name"], json!({"givenName": "G2"}), "{}", r.text);
    // `auto` merges (RFC 7644 §3.5.2.3).
    let r = s.patch(
        &format!("/Users/{id}"),
        json!([{"op": "add", "path": "name", "value": {"familyName": "F"}}]),
    );
    assert_eq!(r.status, 200);
    let r = s.patch(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "name", "value": {"givenName": "G3"}}]),
    );
    assert_eq!(
        r.body["name"],
        json!({"givenName": "G3", "familyName": "F"}),
        "{}",
        r.text
    );
}

#[test]
fn unknown_and_loose_members_by_profile() {
    let s = Server::start();
    let strict = connection(&s, "rfc", "strict", &[]);
    let okta = connection(&s, "okta", "okta", &[]);
    let u1 = s.create_user("u1");
    let u2 = s.create_user("u2");
    let body = json!({"schemas": [GROUP], "displayName": "g", "members": [{"value": u1}, {"value": "0a0b-stale"}]});
    // auto: the member that exists is added, the other skipped and audited.
    let r = s.post("/Groups", &body);
    assert_eq!(r.status, 201, "{}", r.text);
    let gid = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(r.body["members"].as_array().unwrap().len(), 1, "{}", r.text);
    let audit = s.cli_ok(&["audit", "--tenant", "default", "--group", &gid, "--json"]);
    assert!(
        audit.contains("skipped unknown members") && audit.contains("0a0b-stale"),
        "{audit}"
    );
    // PUT and PATCH likewise.
    let r = s.put(&format!("/Groups/{gid}"), &body);
    assert_eq!(
        (r.status, r.body["members"].as_array().map(Vec::len)),
        (200, Some(1)),
        "{}",
        r.text
    );
    let r = s.patch(
        &format!("/Groups/{gid}"),
        json!([{"op": "add", "path": "members", "value": [{"value": u2}, {"value": "0a0b-gone"}]}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["members"].as_array().unwrap().len(), 2, "{}", r.text);
    // strict: 400 invalidValue naming every unknown id.
    let two = json!({"schemas": [GROUP], "displayName": "h", "members": [{"value": "0a0b-stale"}, {"value": "0a0b-gone"}]});
    let r = s.req_as(&strict, "POST", "/Groups", Some(&two));
    assert_error(&r, 400, Some("invalidValue"));
    assert!(
        r.text.contains("0a0b-stale") && r.text.contains("0a0b-gone"),
        "{}",
        r.text
    );
    // Bare strings and displayName under okta; refused under strict.
    let loose = json!({"schemas": [GROUP], "displayName": "k", "members": [u1, {"value": u2, "displayName": "Two"}]});
    let r = s.req_as(&okta, "POST", "/Groups", Some(&loose));
    assert_eq!(r.status, 201, "{}", r.text);
    let members = r.body["members"].as_array().unwrap();
    assert_eq!(members.len(), 2, "{}", r.text);
    assert!(
        members
            .iter()
            .any(|m| m["value"] == u2.as_str() && m["display"] == "Two"),
        "{}",
        r.text
    );
    let r = s.req_as(
        &strict,
        "POST",
        "/Groups",
        Some(&json!({"schemas": [GROUP], "displayName": "l", "members": [u1]})),
    );
    assert_error(&r, 400, Some("invalidValue"));
}

#[test]
fn projections_searches_active_events_and_scim_types() {
    let s = Server::start();
    let strict = connection(&s, "rfc", "strict", &[]);
    // A user created without `active` is active everywhere.
    let r = s.post(
        "/Users",
        &json!({"schemas": [USER], "userName": "eve", "externalId": "ext-eve",
        "emails": [{"value": "w@x.org", "type": "work"}, {"value": "h@x.org", "type": "home"}]}),
    );
    assert_eq!(
        (r.status, &r.body["active"]),
        (201, &json!(true)),
        "{}",
        r.text
    );
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(s.get(&format!("/Users/{id}")).body["active"], true);
    for f in ["active%20eq%20true", "active%20pr"] {
        assert_eq!(
            s.get(&format!("/Users?filter={f}")).body["totalResults"],
            1,
            "{f}"
        );
    }
    let show = s.cli_ok(&["tenant", "show", "default"]);
    assert!(show.contains("1 used"), "{show}");
    // Value filters in attributes: auto projects, strict refuses.
    let r = s.get("/Users?attributes=emails[type%20eq%20%22work%22].value");
    assert_eq!(
        r.body["Resources"][0]["emails"],
        json!([{"value": "w@x.org"}]),
        "{}",
        r.text
    );
    let r = s.req_as(
        &strict,
        "GET",
        &format!("/Users/{id}?attributes=emails[type%20eq%20%22work%22]"),
        None,
    );
    assert_error(&r, 400, Some("invalidValue"));
    // The root search's `or` across resource types.
    s.create_group("engineers", &[]);
    s.create_group("sales", &[]);
    assert_eq!(
        search(&s, &s.token, "userName sw \"e\" or displayName sw \"e\"")["totalResults"],
        2
    );
    assert_eq!(
        search(&s, &s.token, "displayName sw \"e\"")["totalResults"],
        1
    );
    // A deactivation's SET names the user's externalId.
    let r = s.patch(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "active", "value": false}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let feed = s.get("/Events");
    let deactivate = feed.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["events"]
                .as_object()
                .unwrap()
                .keys()
                .any(|k| k.ends_with(":deactivate"))
        })
        .cloned()
        .unwrap_or_else(|| panic!("{}", feed.text));
    assert_eq!(
        deactivate["sub_id"]["externalId"], "ext-eve",
        "{deactivate}"
    );
    let r = s.delete(&format!("/Users/{id}"));
    assert_eq!(r.status, 204);
    let feed = s.get("/Events");
    let last = feed.body["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["sub_id"]["externalId"], "ext-eve", "{last}");
    // scimType: a malformed PATCH path, an undefined schema URI under strict.
    let id = s.create_user("zed");
    let r = s.patch(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]),
    );
    assert_error(&r, 400, Some("invalidPath"));
    let r = s.req_as(
        &strict,
        "POST",
        "/Users",
        Some(&json!({"schemas": [USER, "urn:example:nosuch"], "userName": "q"})),
    );
    assert_error(&r, 400, Some("invalidSyntax"));
    let r = s.req_as(
        &strict,
        "POST",
        "/Users",
        Some(&json!({"schemas": [USER], "userName": "q", "nosuch": 1})),
    );
    assert_error(&r, 400, Some("invalidSyntax"));
    // A lone bad sortOrder is refused.
    let r = s.get("/Users?sortOrder=sideways");
    assert_error(&r, 400, Some("invalidValue"));
}
