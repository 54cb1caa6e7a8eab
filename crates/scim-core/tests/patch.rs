//! The PATCH engine (RFC 7644 §3.5.2) and its IdP tolerances.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::patch::{apply, ExternalOp, PatchRequest};
use scim_core::resource::normalize;
use scim_core::schema::{SchemaRegistry, GROUP_SCHEMA};
use scim_core::tolerance::Tolerances;
use serde_json::{json, Map, Value};

fn registry() -> SchemaRegistry {
    let mut reg = SchemaRegistry::builtin().unwrap();
    reg.mark_external(GROUP_SCHEMA, "members").unwrap();
    reg
}

/// Applies `ops` to `before` (a create body of `rt`) with tolerances `tol`
/// and compares the result (document, `changed`, external ops) or the error.
fn check_with(tol: Tolerances, rt: &str, before: Value, ops: Value, expected: Value) {
    let reg = registry();
    let view = reg.view(rt).unwrap();
    let doc = normalize(&before, &view, &Tolerances::lenient()).unwrap();
    let body =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let got = match PatchRequest::parse(&body, &tol).and_then(|r| apply(&doc, &r, &view, &tol)) {
        Ok(out) => {
            let mut v =
                json!({"doc": Value::Object(without_schemas(out.doc)), "changed": out.changed});
            if !out.external.is_empty() {
                v["external"] = Value::Array(out.external.iter().map(external_json).collect());
            }
            v
        }
        Err(e) => json!(format!("error: {e}")),
    };
    assert_eq!(got, expected, "\n got: {got}\nwant: {expected}");
}

fn check(rt: &str, before: Value, ops: Value, expected: Value) {
    check_with(Tolerances::lenient(), rt, before, ops, expected)
}

fn without_schemas(mut m: Map<String, Value>) -> Map<String, Value> {
    m.shift_remove("schemas");
    m
}

fn external_json(op: &ExternalOp) -> Value {
    match op {
        ExternalOp::Add { attr, values } => json!({"add": attr, "values": values}),
        ExternalOp::Remove { attr, values } => json!({"remove": attr, "values": values}),
        ExternalOp::RemoveWhere { attr, filter } => {
            json!({"removeWhere": attr, "filter": format!("{filter:?}")})
        }
        ExternalOp::RemoveAll { attr } => json!({"removeAll": attr}),
        ExternalOp::ReplaceAll { attr, values } => json!({"replaceAll": attr, "values": values}),
    }
}

fn babs() -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen",
           "name": {"givenName": "Barbara", "familyName": "Jensen"},
           "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
           "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"},
                         {"type": "home", "streetAddress": "456 Hollywood Blvd"}]})
}

#[test]
fn add() {
    // RFC 7644 §3.5.2.1: path-less add of emails and nickname.
    check(
        "User",
        babs(),
        json!([{"op": "add", "value": {"emails": [{"value": "babs@jensen.org", "type": "home"}], "nickname": "Babs"}}]),
        json!({"doc": {"userName": "bjensen", "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}],
            "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"}, {"type": "home", "streetAddress": "456 Hollywood Blvd"}],
            "nickName": "Babs"}, "changed": true}),
    );
    // Adding a value that is already there changes nothing.
    check(
        "User",
        json!({"userName": "a", "emails": [{"value": "x@y", "type": "work"}]}),
        json!([{"op": "add", "path": "emails", "value": [{"value": "x@y", "type": "work"}]}]),
        json!({"doc": {"userName": "a", "emails": [{"value": "x@y", "type": "work"}]}, "changed": false}),
    );
    // A new primary value demotes the old one.
    check(
        "User",
        json!({"userName": "a", "emails": [{"value": "x@y", "primary": true}]}),
        json!([{"op": "add", "path": "emails", "value": [{"value": "z@y", "primary": true}]}]),
        json!({"doc": {"userName": "a", "emails": [{"value": "x@y", "primary": false}, {"value": "z@y", "primary": true}]}, "changed": true}),
    );
    // Single-valued: replaced. Complex: merged.
    check(
        "User",
        json!({"userName": "a", "name": {"givenName": "A", "familyName": "B"}}),
        json!([{"op": "add", "path": "name", "value": {"givenName": "C"}}, {"op": "add", "path": "title", "value": "T"}]),
        json!({"doc": {"userName": "a", "name": {"givenName": "C", "familyName": "B"}, "title": "T"}, "changed": true}),
    );
    check(
        "User",
        json!({"userName": "a"}),
        json!([{"op": "add", "path": "title"}]),
        json!("error: 400 invalidValue: operation 1: add to \"title\" requires a \"value\""),
    );
    check("User", json!({"userName": "a"}), json!([{"op": "add", "path": "emails.value", "value": "x"}]),
        json!("error: 400 invalidPath: operation 1: emails.value: select the values of emails with a filter, e.g. emails[type eq \"work\"].value"));
}

#[test]
fn remove() {
    check(
        "User",
        babs(),
        json!([{"op": "remove", "path": "addresses[type eq \"work\"]"}]),
        json!({"doc": {"userName": "bjensen", "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "addresses": [{"type": "home", "streetAddress": "456 Hollywood Blvd"}]}, "changed": true}),
    );
    check(
        "User",
        babs(),
        json!([{"op": "remove", "path": "emails[type eq \"work\" and value ew \"example.com\"]"}, {"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": "addresses"}]),
        json!({"doc": {"userName": "bjensen", "name": {"familyName": "Jensen"}}, "changed": true}),
    );
    // Removing what is not there succeeds and changes nothing.
    check(
        "User",
        babs(),
        json!([{"op": "remove", "path": "emails[type eq \"other\"]"}, {"op": "remove", "path": "title"}]),
        json!({"doc": without_schemas(normalize_user(babs())), "changed": false}),
    );
    check(
        "User",
        babs(),
        json!([{"op": "remove"}]),
        json!("error: 400 noTarget: operation 1: remove requires a \"path\""),
    );
    check_with(
        Tolerances::strict(),
        "User",
        babs(),
        json!([{"op": "remove", "value": {"title": "x"}}]),
        json!("error: 400 noTarget: operation 1: remove requires a \"path\""),
    );
    check("User", babs(), json!([{"op": "remove", "path": "userName"}]),
        json!("error: 400 mutability: operation 1: \"userName\" is required or immutable and cannot be removed"));
    check(
        "User",
        babs(),
        json!([{"op": "remove", "path": "groups"}]),
        json!("error: 400 mutability: operation 1: attribute \"groups\" is readOnly"),
    );
    check(
        "User",
        babs(),
        json!([{"op": "remove", "path": "addresses[type eq \"work\"].locality"}]),
        json!({"doc": {"userName": "bjensen", "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza"}, {"type": "home", "streetAddress": "456 Hollywood Blvd"}]}, "changed": true}),
    );
}

fn normalize_user(v: Value) -> Map<String, Value> {
    let reg = registry();
    normalize(&v, &reg.view("User").unwrap(), &Tolerances::lenient()).unwrap()
}

#[test]
fn replace() {
    // RFC 7644 §3.5.2.3: replace the work address with a value filter. RFC 7643
    // §8.7.1 publishes no addresses.primary, but §2.4 implies it: it is kept.
    check(
        "User",
        babs(),
        json!([{"op": "replace", "path": "addresses[type eq \"work\"]",
        "value": {"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "US", "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US", "primary": true}}]),
        json!({"doc": {"userName": "bjensen", "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "addresses": [{"type": "work", "streetAddress": "911 Universal City Plaza", "locality": "Hollywood", "region": "CA", "postalCode": "91608", "country": "US", "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US", "primary": true},
                          {"type": "home", "streetAddress": "456 Hollywood Blvd"}]}, "changed": true}),
    );
    check(
        "User",
        babs(),
        json!([{"op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1010 Broadway Ave"}]),
        json!({"doc": {"userName": "bjensen", "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            "addresses": [{"type": "work", "streetAddress": "1010 Broadway Ave", "locality": "Hollywood"}, {"type": "home", "streetAddress": "456 Hollywood Blvd"}]}, "changed": true}),
    );
    // Path-less replace of several attributes.
    check(
        "User",
        babs(),
        json!([{"op": "replace", "value": {"emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}], "nickName": "Babs"}}]),
        json!({"doc": {"userName": "bjensen", "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}],
            "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"}, {"type": "home", "streetAddress": "456 Hollywood Blvd"}],
            "nickName": "Babs"}, "changed": true}),
    );
    // No match: noTarget in strict mode.
    check_with(Tolerances::strict(), "User", babs(), json!([{"op": "replace", "path": "emails[type eq \"home\"].value", "value": "x@y"}]),
        json!("error: 400 noTarget: operation 1: emails[type eq \"home\"].value: no value matched the filter"));
    check(
        "User",
        babs(),
        json!([{"op": "replace", "path": "id", "value": "x"}]),
        json!("error: 400 mutability: operation 1: attribute \"id\" is readOnly"),
    );
    check(
        "User",
        babs(),
        json!([{"op": "replace", "path": "active", "value": 3}]),
        json!("error: 400 invalidValue: operation 1: attribute \"active\" must be a boolean"),
    );
    check("User", babs(), json!([{"op": "replace", "path": "emails", "value": [{"value": "a", "primary": true}, {"value": "b", "primary": true}]}]),
        json!("error: 400 invalidValue: operation 1: more than one emails value has \"primary\": true"));
    check(
        "User",
        babs(),
        json!([{"op": "replace", "path": "userName", "value": null}]),
        json!(
            "error: 400 mutability: operation 1: \"userName\" is required and cannot be unassigned"
        ),
    );
    check(
        "User",
        babs(),
        json!([{"op": "replace", "path": "nosuch", "value": 1}]),
        json!({"doc": without_schemas(normalize_user(babs())), "changed": false}),
    );
    check_with(
        Tolerances::strict(),
        "User",
        babs(),
        json!([{"op": "replace", "path": "nosuch", "value": 1}]),
        json!("error: 400 invalidPath: operation 1: no attribute \"nosuch\" in this resource type"),
    );
    check(
        "User",
        babs(),
        json!([{"op": "replace", "path": "emails[type eq]", "value": 1}]),
        json!("error: 400 invalidPath: operation 1: expected a value at position 15 (near \"]\")"),
    );
}

#[test]
fn operations_are_atomic_and_ordered() {
    // The second operation fails: nothing of the first survives (the caller keeps the original).
    check(
        "User",
        babs(),
        json!([{"op": "replace", "path": "title", "value": "x"}, {"op": "replace", "path": "id", "value": "y"}]),
        json!("error: 400 mutability: operation 2: attribute \"id\" is readOnly"),
    );
    // Later operations see earlier ones.
    check(
        "User",
        json!({"userName": "a"}),
        json!([{"op": "add", "path": "title", "value": "x"}, {"op": "remove", "path": "title"}, {"op": "add", "path": "nickName", "value": "n"}]),
        json!({"doc": {"userName": "a", "nickName": "n"}, "changed": true}),
    );
}

#[test]
fn group_members_are_external() {
    let g = json!({"schemas": [GROUP_SCHEMA], "displayName": "Tour Guides"});
    check(
        "Group",
        g.clone(),
        json!([{"op": "add", "path": "members", "value": [{"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"}]}]),
        // members.display (RFC 7643 §2.4; /Schemas publishes it as an
        // amendment to §8.7.1) is kept in the operation: the service stores
        // it with the member.
        json!({"doc": {"displayName": "Tour Guides"}, "changed": false, "external": [{"add": "members", "values": [{"display": "Babs Jensen", "$ref": "https://example.com/v2/Users/2819c223", "value": "2819c223"}]}]}),
    );
    check(
        "Group",
        g.clone(),
        json!([{"op": "remove", "path": "members[value eq \"2819c223\"]"}]),
        json!({"doc": {"displayName": "Tour Guides"}, "changed": false, "external": [{"remove": "members", "values": ["2819c223"]}]}),
    );
    check(
        "Group",
        g.clone(),
        json!([{"op": "remove", "path": "members[value eq \"a\" or value eq \"b\"]"}]),
        json!({"doc": {"displayName": "Tour Guides"}, "changed": false, "external": [{"remove": "members", "values": ["a", "b"]}]}),
    );
    check(
        "Group",
        g.clone(),
        json!([{"op": "remove", "path": "members"}]),
        json!({"doc": {"displayName": "Tour Guides"}, "changed": false, "external": [{"removeAll": "members"}]}),
    );
    check(
        "Group",
        g.clone(),
        json!([{"op": "replace", "path": "members", "value": [{"value": "a"}, {"value": "b"}]}]),
        json!({"doc": {"displayName": "Tour Guides"}, "changed": false, "external": [{"replaceAll": "members", "values": [{"value": "a"}, {"value": "b"}]}]}),
    );
    check(
        "Group",
        g.clone(),
        json!([{"op": "remove", "path": "members[type eq \"Group\"]"}]),
        json!({"doc": {"displayName": "Tour Guides"}, "changed": false, "external": [{"removeWhere": "members", "filter": "Cmp { attr: LAttr { ext_urn: None, name: \"type\", sub: None, kind: String, case_exact: false, multi_valued: false, external: false, index: None }, op: Eq, value: Str(\"Group\") }"}]}),
    );
    // Entra's default dialect: remove with a value array removes exactly those members.
    check(
        "Group",
        g.clone(),
        json!([{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "u1"}]}]),
        json!({"doc": {"displayName": "Tour Guides"}, "changed": false, "external": [{"remove": "members", "values": ["u1"]}]}),
    );
    // Okta group push: rename with a read-only id in the value.
    check(
        "Group",
        g.clone(),
        json!([{"op": "replace", "value": {"id": "abf4dd94", "displayName": "Renamed"}}]),
        json!({"doc": {"displayName": "Renamed"}, "changed": true}),
    );
    check_with(
        Tolerances::strict(),
        "Group",
        g,
        json!([{"op": "replace", "value": {"id": "abf4dd94", "displayName": "Renamed"}}]),
        json!("error: 400 mutability: operation 1: attribute \"id\" is readOnly"),
    );
}

#[path = "patch/dialects.rs"]
mod dialects;
