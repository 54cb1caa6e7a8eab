//! Secrets by schema: every form in which a client can send a writeOnly
//! or never-returned value is redacted, and nothing else is.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::redact::{Secrets, REDACTED};
use scim_core::schema::SchemaRegistry;
use serde_json::{json, Value};

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ACME: &str = "urn:example:params:scim:schemas:extension:acme:2.0:User";

/// The built-in schemas plus an extension with a never-returned attribute
/// and a multi-valued complex one with a writeOnly sub-attribute.
fn secrets() -> Secrets {
    let mut reg = SchemaRegistry::builtin().unwrap();
    let attr = |name: &str, mutability: &str, returned: &str| {
        json!({"name": name, "type": "string", "multiValued": false, "required": false,
               "caseExact": false, "mutability": mutability, "returned": returned, "uniqueness": "none"})
    };
    let ext = json!({
        "id": ACME, "name": "Acme", "description": "test",
        "attributes": [
            attr("apiKey", "readWrite", "never"),
            attr("badge", "readWrite", "default"),
            {"name": "creds", "type": "complex", "multiValued": true, "required": false,
             "mutability": "readWrite", "returned": "default", "uniqueness": "none",
             "subAttributes": [attr("type", "readWrite", "default"), attr("secret", "writeOnly", "default")]}
        ]
    });
    reg.add_extension(&ext, "User", false).unwrap();
    Secrets::of(&reg)
}

/// Redacts `input` and compares with `expected`; no string of `gone`
/// may remain, and each must be reported as removed.
fn check(input: Value, expected: Value, gone: &[&str]) {
    let (out, removed) = secrets().redact_body(&input);
    assert_eq!(out, expected, "input: {input}");
    let text = out.to_string();
    for g in gone {
        assert!(!text.contains(g), "{g} left in {text}");
        assert!(
            removed.iter().any(|r| r == g),
            "{g} not reported: {removed:?}"
        );
    }
}

fn patch(ops: Value) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
}

#[test]
fn resource_bodies() {
    check(
        json!({"schemas": [CORE], "userName": "a", "password": "pw1", "title": "password"}),
        json!({"schemas": [CORE], "userName": "a", "password": REDACTED, "title": "password"}),
        &["pw1"],
    );
    check(
        json!({"PassWord": "pw2", format!("{CORE}:password"): "pw3", format!("{}:PASSWORD", CORE.to_uppercase()): "pw4"}),
        json!({"PassWord": REDACTED, format!("{CORE}:password"): REDACTED, format!("{}:PASSWORD", CORE.to_uppercase()): REDACTED}),
        &["pw2", "pw3", "pw4"],
    );
    check(
        json!({ACME: {"apiKey": "k1", "badge": "b", "creds": [{"type": "t", "secret": "s1"}, {"Secret": 42}]}}),
        json!({ACME: {"apiKey": REDACTED, "badge": "b", "creds": [{"type": "t", "secret": REDACTED}, {"Secret": REDACTED}]}}),
        &["k1", "s1", "42"],
    );
    // Dotted and URN-prefixed keys, as Entra sends path-less values.
    check(
        json!({format!("{ACME}:apiKey"): "k2", format!("{ACME}:creds.secret"): "s2", "name.givenName": "G"}),
        json!({format!("{ACME}:apiKey"): REDACTED, format!("{ACME}:creds.secret"): REDACTED, "name.givenName": "G"}),
        &["k2", "s2"],
    );
    // Names the schemas do not know are not guessed at.
    check(
        json!({"unknown": {"password": "p"}, "passwordHint": "h", "name": {"password": "q"}}),
        json!({"unknown": {"password": "p"}, "passwordHint": "h", "name": {"password": "q"}}),
        &[],
    );
}

#[test]
fn patch_operations() {
    check(
        patch(json!([
            {"op": "replace", "path": "password", "value": "pw1"},
            {"op": "Replace", "path": "PASSWORD", "value": "pw2"},
            {"Op": "Add", "Path": format!("{CORE}:password"), "Value": "pw3"},
            {"op": "replace", "path": format!("{ACME}:apiKey"), "value": "k1"},
            {"op": "replace", "path": "title", "value": "Lead"},
        ])),
        patch(json!([
            {"op": "replace", "path": "password", "value": REDACTED},
            {"op": "Replace", "path": "PASSWORD", "value": REDACTED},
            {"Op": "Add", "Path": format!("{CORE}:password"), "Value": REDACTED},
            {"op": "replace", "path": format!("{ACME}:apiKey"), "value": REDACTED},
            {"op": "replace", "path": "title", "value": "Lead"},
        ])),
        &["pw1", "pw2", "pw3", "k1"],
    );
    // Value objects without a path, to a complex attribute, to an extension.
    check(
        patch(json!([
            {"op": "replace", "value": {"password": "pw4", "title": "T", format!("{ACME}:apiKey"): "k2"}},
            {"op": "add", "path": format!("{ACME}:creds"), "value": [{"type": "t", "secret": "s1"}]},
            {"op": "add", "path": ACME, "value": {"apiKey": "k3", "badge": "b"}},
            {"op": "add", "path": format!("{ACME}:creds[type eq \"t\"].secret"), "value": "s2"},
        ])),
        patch(json!([
            {"op": "replace", "value": {"password": REDACTED, "title": "T", format!("{ACME}:apiKey"): REDACTED}},
            {"op": "add", "path": format!("{ACME}:creds"), "value": [{"type": "t", "secret": REDACTED}]},
            {"op": "add", "path": ACME, "value": {"apiKey": REDACTED, "badge": "b"}},
            {"op": "add", "path": format!("{ACME}:creds[type eq \"t\"].secret"), "value": REDACTED},
        ])),
        &["pw4", "k2", "k3", "s1", "s2"],
    );
    // A value filter comparing a secret: the path itself is a secret.
    let leaky = format!("{ACME}:creds[secret eq \"S3x\" or type eq \"t\"].type");
    check(
        patch(json!([{"op": "remove", "path": leaky}])),
        patch(json!([{"op": "remove", "path": REDACTED}])),
        &["S3x"],
    );
    // A path outside the grammar still resolves what precedes a bracket.
    check(
        patch(json!([
            {"op": "replace", "path": "password[", "value": "pw5"},
            {"op": "replace", "path": " Password ", "value": "pw6"},
        ])),
        patch(json!([
            {"op": "replace", "path": REDACTED, "value": REDACTED},
            {"op": "replace", "path": " Password ", "value": REDACTED},
        ])),
        &["pw5", "pw6"],
    );
}

#[test]
fn bulk_operations() {
    check(
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "operations": [
            {"method": "POST", "path": "/Users", "bulkId": "b1", "data": {"userName": "a", "password": "pw1"}},
            {"Method": "PATCH", "path": "/Users/x", "Data": patch(json!([{"op": "replace", "path": "password", "value": "pw2"}]))},
            {"method": "DELETE", "path": "/Users/y"},
        ], "password": "pw3"}),
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "operations": [
            {"method": "POST", "path": "/Users", "bulkId": "b1", "data": {"userName": "a", "password": REDACTED}},
            {"Method": "PATCH", "path": "/Users/x", "Data": patch(json!([{"op": "replace", "path": "password", "value": REDACTED}]))},
            {"method": "DELETE", "path": "/Users/y"},
        ], "password": REDACTED}),
        &["pw1", "pw2", "pw3"],
    );
    // Malformed shapes pass through.
    check(
        json!({"Operations": "none"}),
        json!({"Operations": "none"}),
        &[],
    );
    check(
        json!({"Operations": [1, "x", null]}),
        json!({"Operations": [1, "x", null]}),
        &[],
    );
}

#[test]
fn diffs_and_documents() {
    let s = secrets();
    let diff = json!([
        {"op": "replace", "path": "password", "old": "a", "new": "b"},
        {"op": "add", "path": format!("{ACME}.apiKey"), "new": "k"},
        {"op": "add", "path": format!("{ACME}.creds"), "new": [{"type": "t", "secret": "s"}]},
        {"op": "add", "path": ACME, "new": {"apiKey": "k", "badge": "b"}},
        {"op": "replace", "path": "name.givenName", "old": "A", "new": "B"},
    ]);
    assert_eq!(
        s.redact_diff(&diff),
        json!([
            {"op": "replace", "path": "password", "old": REDACTED, "new": REDACTED},
            {"op": "add", "path": format!("{ACME}.apiKey"), "new": REDACTED},
            {"op": "add", "path": format!("{ACME}.creds"), "new": [{"type": "t", "secret": REDACTED}]},
            {"op": "add", "path": ACME, "new": {"apiKey": REDACTED, "badge": "b"}},
            {"op": "replace", "path": "name.givenName", "old": "A", "new": "B"},
        ])
    );
    let top = s.top();
    assert!(top.child("Password").is_secret());
    assert!(!top.child(ACME).is_secret());
    assert!(top.child(ACME).child("apiKey").is_secret());
    assert!(!top.child("title").child("x").is_secret());
    let mut names = s.names();
    names.sort();
    assert_eq!(names, ["apikey", "password", "secret"]);
    assert!(!Secrets::of(&SchemaRegistry::builtin().unwrap()).is_empty());
    let all = Secrets::everything();
    assert_eq!(all.redact_body(&json!({"a": 1})).0, json!(REDACTED));
}
