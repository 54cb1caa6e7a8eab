//! PATCH (RFC 7644 §3.5.2) over HTTP, including IdP dialects.

use crate::server::*;
use serde_json::json;

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
        Some("invalidFilter"),
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
