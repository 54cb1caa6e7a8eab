//! Tenant isolation: every endpoint and method, with another tenant's
//! token, answers as if the resource did not exist (404, or nothing found),
//! and changes nothing.

use crate::server::*;
use serde_json::json;

#[test]
fn another_tenants_token_sees_nothing() {
    let s = Server::start();
    let u = s.create_user("secret.user");
    let g = s.create_group("Secret Group", &[&u]);
    assert!(s.cli(&["tenant", "create", "intruder"]).0);
    let (_, out, _) = s.cli(&["token", "create", "--tenant", "intruder"]);
    let auth = format!("Bearer {}", out.lines().last().unwrap());
    let h = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/scim+json"),
    ];
    let call =
        |m: &str, p: &str, b: Option<serde_json::Value>| s.raw(m, p, b.map(|b| b.to_string()), &h);
    let patch = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName", "value": "pwned"}]});
    for (kind, id) in [("Users", &u), ("Groups", &g)] {
        let path = format!("/{kind}/{id}");
        assert_error(&call("GET", &path, None), 404, None);
        assert_error(
            &call(
                "PUT",
                &path,
                Some(
                    json!({"schemas": [USER, GROUP], "userName": "pwned", "displayName": "pwned"}),
                ),
            ),
            404,
            None,
        );
        assert_error(&call("PATCH", &path, Some(patch.clone())), 404, None);
        assert_error(&call("DELETE", &path, None), 404, None);
        // The answer for a real id of another tenant equals the answer for an id that never existed.
        let missing = call(
            "GET",
            &format!("/{kind}/00000000-0000-4000-8000-000000000000"),
            None,
        );
        assert_eq!(
            call("GET", &path, None).body["detail"]
                .as_str()
                .map(|d| d.replace(id.as_str(), "X")),
            missing.body["detail"]
                .as_str()
                .map(|d| d.replace("00000000-0000-4000-8000-000000000000", "X"))
        );
        let f = call("GET", &format!("/{kind}?filter=id%20eq%20%22{id}%22"), None);
        assert_eq!(f.body["totalResults"], 0);
        let search = call(
            "POST",
            &format!("/{kind}/.search"),
            Some(
                json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": format!("id eq \"{id}\"")}),
            ),
        );
        assert_eq!(search.body["totalResults"], 0);
    }
    let root = call(
        "POST",
        "/.search",
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "id pr"}),
        ),
    );
    assert_eq!(root.body["totalResults"], 0);
    assert_eq!(call("GET", "/Users", None).body["totalResults"], 0);
    assert_eq!(
        call(
            "GET",
            &format!("/Groups?filter=members%20eq%20%22{u}%22"),
            None
        )
        .body["totalResults"],
        0
    );
    // Another tenant cannot reference the user as a member, in any form:
    // to its `auto` connection the id is unknown, skipped (and audited).
    let r = call(
        "POST",
        "/Groups",
        Some(json!({"schemas": [GROUP], "displayName": "x", "members": [{"value": u}]})),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert!(r.body.get("members").is_none(), "{}", r.text);
    let bulk = call(
        "POST",
        "/Bulk",
        Some(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": [
        {"method": "PATCH", "path": format!("/Users/{u}"), "data": patch},
        {"method": "DELETE", "path": format!("/Groups/{g}")}]}),
        ),
    );
    let ops = bulk.body["Operations"].as_array().unwrap();
    assert!(ops.iter().all(|o| o["status"] == "404"), "{}", bulk.text);
    // Nothing changed for the owner.
    assert_eq!(
        s.get(&format!("/Users/{u}")).body["meta"]["version"],
        "W/\"1\""
    );
    assert_eq!(
        s.get(&format!("/Groups/{g}")).body["displayName"],
        "Secret Group"
    );
    assert_eq!(
        s.get(&format!("/Groups/{g}")).body["members"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
