//! Group membership: users and groups as members, server-filled `$ref`,
//! `display` (unless the client gave one) and `type`, computed
//! `User.groups`, and O(Δ) member PATCH.

use crate::server::*;
use serde_json::json;

#[test]
fn members_and_computed_groups() {
    let s = Server::start();
    let u1 = s.create_user("u1");
    let u2 = s.create_user("u2");
    let inner = s.create_group("Inner", &[&u1]);
    let outer = s.create_group("Outer", &[&inner, &u2]);
    let g = s.get(&format!("/Groups/{outer}"));
    let members = g.body["members"].as_array().unwrap();
    assert_eq!(members.len(), 2);
    let inner_ref = members
        .iter()
        .find(|m| m["value"] == inner.as_str())
        .unwrap();
    assert_eq!(inner_ref["type"], "Group");
    assert_eq!(inner_ref["$ref"], format!("{}/Groups/{inner}", s.base));
    let u2_ref = members.iter().find(|m| m["value"] == u2.as_str()).unwrap();
    assert_eq!(u2_ref["type"], "User");
    assert_eq!(u2_ref["$ref"], format!("{}/Users/{u2}", s.base));
    // display: the member's displayName, else its userName (RFC 7643 §2.4).
    assert_eq!(inner_ref["display"], "Inner");
    assert_eq!(u2_ref["display"], "u2");
    // A display the client gives when it adds a member (RFC 7643 §8.4 does;
    // even the strict profile accepts it) is kept; /Schemas publishes
    // members.display as immutable.
    s.cli_ok(&[
        "connection",
        "create",
        "--tenant",
        "default",
        "rfc",
        "--profile",
        "strict",
    ]);
    let strict = s.token_for("default", "rfc");
    let r = s.req_as(&strict, "POST", "/Groups", Some(&json!({"schemas": [GROUP], "displayName": "Sent", "members": [{"value": u2, "display": "Someone Else"}]})));
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["members"][0]["value"], u2.as_str(), "{}", r.text);
    assert_eq!(
        r.body["members"][0]["display"], "Someone Else",
        "{}",
        r.text
    );
    let sent = r.body["id"].as_str().unwrap().to_string();
    let r = s.patch(
        &format!("/Groups/{sent}"),
        json!([{"op": "add", "path": "members", "value": [{"value": inner, "display": "Patched In"}]}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let display_of = |group: &str, member: &str| {
        s.get(&format!("/Groups/{group}")).body["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["value"] == member)
            .map(|m| m["display"].clone())
    };
    assert_eq!(display_of(&sent, &inner), Some(json!("Patched In")));
    // A server-filled display follows the member's name; a given one stays.
    let r = s.patch(
        &format!("/Users/{u2}"),
        json!([{"op": "replace", "path": "displayName", "value": "User Two"}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(display_of(&outer, &u2), Some(json!("User Two")));
    assert_eq!(display_of(&sent, &u2), Some(json!("Someone Else")));
    // PATCH replace of members: the given displays of the new list.
    let r = s.patch(
        &format!("/Groups/{sent}"),
        json!([{"op": "replace", "path": "members", "value": [{"value": u1, "display": "Replaced"}, {"value": inner}]}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(display_of(&sent, &u1), Some(json!("Replaced")));
    assert_eq!(display_of(&sent, &inner), Some(json!("Patched In")));
    assert_eq!(display_of(&sent, &u2), None);
    // User.groups: direct and indirect, read-only.
    let u = s.get(&format!("/Users/{u1}"));
    let groups = u.body["groups"].as_array().unwrap();
    assert!(groups
        .iter()
        .any(|x| x["value"] == inner.as_str() && x["type"] == "direct" && x["display"] == "Inner"));
    assert!(groups
        .iter()
        .any(|x| x["value"] == outer.as_str() && x["type"] == "indirect"));
    assert_error(
        &s.patch(
            &format!("/Users/{u1}"),
            json!([{"op": "add", "path": "groups", "value": [{"value": inner}]}]),
        ),
        400,
        Some("mutability"),
    );
    // Entra reads groups without members.
    let lean = s.get(&format!("/Groups/{outer}?excludedAttributes=members"));
    assert!(lean.body.get("members").is_none());
    assert_eq!(lean.body["displayName"], "Outer");
    // Entra's membership check.
    let q = |g: &str, u: &str| {
        s.get(&format!("/Groups?filter=id%20eq%20%22{g}%22%20and%20members%20eq%20%22{u}%22&excludedAttributes=members")).body["totalResults"].as_u64()
    };
    assert_eq!(q(&outer, &u2), Some(1));
    assert_eq!(q(&outer, &u1), Some(0));
    // Deleting a user removes it from every group.
    assert_eq!(s.delete(&format!("/Users/{u1}")).status, 204);
    assert!(s
        .get(&format!("/Groups/{inner}"))
        .body
        .get("members")
        .is_none());
    // An unknown member is skipped under `auto` (e2e/interop.rs: refused under strict).
    let r = s.post(
        "/Groups",
        &json!({"schemas": [GROUP], "displayName": "Bad", "members": [{"value": "no-such-id"}]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.body.get("members").is_none(), "{}", r.text);
}

#[test]
fn member_patches() {
    let s = Server::start();
    let users: Vec<String> = (0..4).map(|i| s.create_user(&format!("m{i}"))).collect();
    let g = s.create_group("Team", &[]);
    let path = format!("/Groups/{g}");
    let count = |s: &Server| s.get(&path).body["members"].as_array().map_or(0, Vec::len);
    let r = s.patch(&path, json!([{"op": "add", "path": "members", "value": [{"value": users[0]}, {"value": users[1]}, {"value": users[2]}]}]));
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(count(&s), 3);
    // Adding an existing member changes nothing (not even the version).
    let v = s.get(&path).body["meta"]["version"].clone();
    s.patch(
        &path,
        json!([{"op": "add", "path": "members", "value": [{"value": users[0]}]}]),
    );
    assert_eq!(s.get(&path).body["meta"]["version"], v);
    // RFC form and Entra's new dialect.
    s.patch(
        &path,
        json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", users[0])}]),
    );
    assert_eq!(count(&s), 2);
    // Entra's default dialect: a value array removes exactly those members.
    s.patch(
        &path,
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": users[1]}]}]),
    );
    assert_eq!(count(&s), 1);
    // Okta: replace the member list.
    s.patch(&path, json!([{"op": "replace", "path": "members", "value": [{"value": users[3]}, {"value": users[0]}]}]));
    assert_eq!(count(&s), 2);
    // Remove by a filter on type, then remove all.
    s.patch(&path, json!([{"op": "remove", "path": "members[type eq \"User\" and value eq \"" .to_string() + &users[3] + "\"]"}]));
    assert_eq!(count(&s), 1);
    s.patch(&path, json!([{"op": "remove", "path": "members"}]));
    assert_eq!(count(&s), 0);
    // An unknown member is skipped under `auto`; nothing changes.
    let r = s.patch(
        &path,
        json!([{"op": "add", "path": "members", "value": [{"value": "ghost"}]}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(count(&s), 0);
    // Okta renames with the read-only id in the value.
    let r = s.patch(
        &path,
        json!([{"op": "replace", "value": {"id": g, "displayName": "Renamed"}}]),
    );
    assert_eq!(r.body["displayName"], "Renamed");
}
