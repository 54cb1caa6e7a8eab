//! Request-body validation (RFC 7643 §2, RFC 7644 §3.3, §3.5.1), the
//! built-in schemas (RFC 7643 §8.7) and rendering.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::resource::{apply_replace_rules, normalize, Meta, Resource, ResourceId, Version};
use scim_core::schema::{AttrType, Mutability, Returned, SchemaRegistry, Uniqueness};
use scim_core::timestamp::Timestamp;
use scim_core::tolerance::Tolerances;
use serde_json::{json, Value};

fn check_with(tol: Tolerances, rt: &str, body: Value, expected: Value) {
    let reg = SchemaRegistry::builtin().unwrap();
    let view = reg.view(rt).unwrap();
    let got = match normalize(&body, &view, &tol) {
        Ok(doc) => Value::Object(doc),
        Err(e) => json!(format!("error: {e}")),
    };
    assert_eq!(got, expected, "\n got: {got}\nwant: {expected}");
}

fn check(rt: &str, body: Value, expected: Value) {
    check_with(Tolerances::lenient(), rt, body, expected)
}

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

#[test]
fn canonical_documents() {
    // Case-insensitive names become canonical; readOnly and null values go.
    check(
        "User",
        json!({"schemas": [USER], "USERNAME": "bjensen", "id": "x", "meta": {"version": "1"}, "groups": [{"value": "g"}],
                         "Name": {"GivenName": "B", "familyName": null}, "emails": [], "nickName": null, "active": "true",
                         "externalId": "Ext-1"}),
        json!({"schemas": [USER], "userName": "bjensen", "name": {"givenName": "B"}, "active": true, "externalId": "Ext-1"}),
    );
    // Extension attributes, nested or URN-qualified; the extension joins "schemas".
    check(
        "User",
        json!({"schemas": [USER, ENT], "userName": "a", ENT: {"employeeNumber": "7", "manager": {"value": "m", "displayName": "ignored"}}}),
        json!({"schemas": [USER, ENT], "userName": "a", ENT: {"employeeNumber": "7", "manager": {"value": "m"}}}),
    );
    check(
        "User",
        json!({"schemas": [USER], "userName": "a", format!("{ENT}:department"): "Sales"}),
        json!({"schemas": [USER, ENT], "userName": "a", ENT: {"department": "Sales"}}),
    );
    // An empty extension object disappears, and so does its schema.
    check(
        "User",
        json!({"schemas": [USER, ENT], "userName": "a", ENT: {"manager": null}}),
        json!({"schemas": [USER], "userName": "a"}),
    );
    // Entra's tolerated noise: unknown schemas and attributes, a typo in the extension URN.
    check(
        "User",
        json!({"schemas": [USER, "urn:ietf:params:scim:schemas:extension:CustomExtension:2.0:User"], "userName": "a",
                         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:Usr": {"department": "x"}, "favouriteColour": "blue"}),
        json!({"schemas": [USER], "userName": "a"}),
    );
    // Entra's older bodies: extension attributes at the top level, a typo'd URN, nulls.
    check(
        "User",
        json!({"schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"], "userName": "jyoung@testuser.com",
                         "addresses": null, "department": "Sales", "manager": null}),
        json!({"schemas": [USER, ENT], "userName": "jyoung@testuser.com", ENT: {"department": "Sales"}}),
    );
    // Duplicate identical values collapse.
    check(
        "User",
        json!({"schemas": [USER], "userName": "a", "emails": [{"value": "x"}, {"value": "x"}]}),
        json!({"schemas": [USER], "userName": "a", "emails": [{"value": "x"}]}),
    );
    check(
        "Group",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G", "members": [{"value": "u1", "display": "x"}]}),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G", "members": [{"value": "u1", "display": "x"}]}),
    );
    // The default sub-attributes of RFC 7643 §2.4 that the published schema
    // omits (addresses.primary) are kept, even by a strict server.
    check_with(
        Tolerances::strict(),
        "User",
        json!({"schemas": [USER], "userName": "a", "addresses": [{"type": "work", "locality": "Hollywood", "primary": true}, {"type": "home", "primary": false}]}),
        json!({"schemas": [USER], "userName": "a", "addresses": [{"type": "work", "locality": "Hollywood", "primary": true}, {"type": "home", "primary": false}]}),
    );
}

#[test]
fn validation_errors() {
    check(
        "User",
        json!([1]),
        json!("error: 400 invalidSyntax: the request body must be a JSON object"),
    );
    check(
        "User",
        json!({"schemas": [USER]}),
        json!("error: 400 invalidValue: attribute \"userName\" is required"),
    );
    check(
        "User",
        json!({"schemas": [USER], "userName": 5}),
        json!("error: 400 invalidValue: attribute \"userName\" must be a string"),
    );
    check(
        "User",
        json!({"schemas": [USER], "userName": "a", "active": "yes"}),
        json!("error: 400 invalidValue: attribute \"active\" must be a boolean"),
    );
    check(
        "User",
        json!({"schemas": [USER], "userName": "a", "emails": [{"value": "x", "primary": true}, {"value": "y", "primary": true}]}),
        json!("error: 400 invalidValue: more than one emails value has \"primary\": true"),
    );
    check(
        "User",
        json!({"schemas": [USER], "userName": "a", "name": "x"}),
        json!("error: 400 invalidValue: attribute \"name\" must be a JSON object"),
    );
    check("User", json!({"schemas": [USER], "userName": "a", "schemas2": 1, ENT: 3}), json!("error: 400 invalidSyntax: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User must be a JSON object"));
    let strict = Tolerances::strict();
    check_with(
        strict,
        "User",
        json!({"userName": "a"}),
        json!("error: 400 invalidSyntax: the \"schemas\" attribute is required"),
    );
    check_with(
        strict,
        "User",
        json!({"schemas": [USER, "urn:x:y"], "userName": "a"}),
        json!("error: 400 invalidSyntax: unknown schema \"urn:x:y\""),
    );
    check_with(
        strict,
        "User",
        json!({"schemas": [USER], "userName": "a", "favouriteColour": "blue"}),
        json!("error: 400 invalidSyntax: unknown attribute \"favouriteColour\""),
    );
    check_with(
        strict,
        "User",
        json!({"schemas": [USER], "userName": "a", "active": "True"}),
        json!("error: 400 invalidValue: attribute \"active\" must be a boolean"),
    );
    check_with(
        strict,
        "User",
        json!({"schemas": [ENT], "userName": "a"}),
        json!(format!(
            "error: 400 invalidValue: \"schemas\" must include {USER}"
        )),
    );
}

#[test]
fn builtin_schemas_match_rfc7643() {
    let reg = SchemaRegistry::builtin().unwrap();
    let ids: Vec<&str> = reg.schemas().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            USER,
            "urn:ietf:params:scim:schemas:core:2.0:Group",
            ENT,
            "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig",
            "urn:ietf:params:scim:schemas:core:2.0:ResourceType",
            "urn:ietf:params:scim:schemas:core:2.0:Schema"
        ]
    );
    let user = reg.schema(USER).unwrap();
    assert_eq!(user.attributes.len(), 21);
    let user_name = user.attribute("USERNAME").unwrap();
    assert!(user_name.required && !user_name.case_exact);
    assert_eq!(user_name.uniqueness, Uniqueness::Server);
    let password = user.attribute("password").unwrap();
    assert_eq!(
        (password.mutability, password.returned),
        (Mutability::WriteOnly, Returned::Never)
    );
    assert_eq!(
        user.attribute("groups").unwrap().mutability,
        Mutability::ReadOnly
    );
    assert_eq!(user.attribute("active").unwrap().kind, AttrType::Boolean);
    let ent = reg.schema(ENT).unwrap();
    assert_eq!(
        ent.attribute("manager")
            .unwrap()
            .sub("displayName")
            .unwrap()
            .mutability,
        Mutability::ReadOnly
    );
    // Serialising reproduces the published JSON (modulo defaults made explicit).
    let published: Value = serde_json::from_str(include_str!("../schemas/group.json")).unwrap();
    let ours = serde_json::to_value(
        reg.schema("urn:ietf:params:scim:schemas:core:2.0:Group")
            .unwrap(),
    )
    .unwrap();
    // Exactly one amendment to RFC 7643 §8.7.1: `members.display` (string,
    // immutable, returned by default), after `$ref` (RFC 7643 §2.4, §8.4).
    let names = |v: &Value| -> Vec<String> {
        v["attributes"][1]["subAttributes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&published), ["value", "$ref", "type"]);
    assert_eq!(names(&ours), ["value", "$ref", "display", "type"]);
    let display = &ours["attributes"][1]["subAttributes"][2];
    for (key, want) in [
        ("type", json!("string")),
        ("multiValued", json!(false)),
        ("required", json!(false)),
        ("caseExact", json!(false)),
        ("mutability", json!("immutable")),
        ("returned", json!("default")),
        ("uniqueness", json!("none")),
    ] {
        assert_eq!(display[key], want, "{key}: {display}");
    }
    for i in [0, 1, 3] {
        let j = if i == 3 { 2 } else { i };
        for (key, want) in published["attributes"][1]["subAttributes"][j]
            .as_object()
            .unwrap()
        {
            assert_eq!(
                &ours["attributes"][1]["subAttributes"][i][key], want,
                "{key}"
            );
        }
    }
    assert_eq!(ours["attributes"][0], published["attributes"][0]);
    insta::assert_json_snapshot!("user_schema", serde_json::to_value(user).unwrap());
}

#[test]
fn custom_extension_from_json() {
    let mut reg = SchemaRegistry::builtin().unwrap();
    let ext = json!({"id": "urn:example:scim:ext:1.0:User", "name": "Example", "description": "custom",
        "attributes": [{"name": "badge", "type": "integer", "multiValued": false, "required": true, "mutability": "immutable"},
                       {"name": "tags", "type": "string", "multiValued": true}]});
    reg.add_extension(&ext, "User", false).unwrap();
    assert!(reg.add_extension(&ext, "User", false).is_err());
    assert!(reg
        .add_extension(&json!({"id": "notaurn", "attributes": []}), "User", false)
        .is_err());
    let view = reg.view("User").unwrap();
    let tol = Tolerances::lenient();
    let doc = normalize(&json!({"schemas": [USER], "userName": "a", "urn:example:scim:ext:1.0:User": {"badge": 7, "tags": "solo"}}), &view, &tol).unwrap();
    assert_eq!(
        Value::Object(doc.clone()),
        json!({"schemas": [USER, "urn:example:scim:ext:1.0:User"], "userName": "a", "urn:example:scim:ext:1.0:User": {"badge": 7, "tags": ["solo"]}})
    );
    let err = normalize(&json!({"schemas": [USER], "userName": "a", "urn:example:scim:ext:1.0:User": {"tags": ["x"]}}), &view, &tol).unwrap_err();
    assert_eq!(
        err.to_string(),
        "400 invalidValue: attribute \"urn:example:scim:ext:1.0:User:badge\" is required"
    );
    // Immutable: a PUT may repeat the value or omit it (kept), never change it.
    let mut same = normalize(
        &json!({"schemas": [USER], "userName": "b", "urn:example:scim:ext:1.0:User": {"badge": 7}}),
        &view,
        &tol,
    )
    .unwrap();
    apply_replace_rules(&doc, &mut same, &view).unwrap();
    let mut changed = normalize(
        &json!({"schemas": [USER], "userName": "b", "urn:example:scim:ext:1.0:User": {"badge": 8}}),
        &view,
        &tol,
    )
    .unwrap();
    assert_eq!(
        apply_replace_rules(&doc, &mut changed, &view)
            .unwrap_err()
            .scim_type(),
        Some("mutability")
    );
}

#[test]
fn replace_keeps_write_only_password() {
    let reg = SchemaRegistry::builtin().unwrap();
    let view = reg.view("User").unwrap();
    let tol = Tolerances::lenient();
    let old = normalize(
        &json!({"schemas": [USER], "userName": "a", "password": "s3cret"}),
        &view,
        &tol,
    )
    .unwrap();
    let mut new = normalize(
        &json!({"schemas": [USER], "userName": "A", "id": "x", "meta": {}}),
        &view,
        &tol,
    )
    .unwrap();
    apply_replace_rules(&old, &mut new, &view).unwrap();
    assert_eq!(
        Value::Object(new),
        json!({"schemas": [USER], "userName": "A", "password": "s3cret"})
    );
}

#[test]
fn rendering() {
    let t = Timestamp::parse("2010-01-23T04:56:22Z").unwrap();
    let r = Resource {
        id: ResourceId::parse("2819c223-7f76-453a-919d-413861904646").unwrap(),
        meta: Meta {
            resource_type: "User".into(),
            created: t,
            last_modified: t,
            version: Version(3),
        },
        attrs: json!({"schemas": [USER], "userName": "bjensen"})
            .as_object()
            .unwrap()
            .clone(),
    };
    assert_eq!(
        r.to_json("https://example.com/scim/v2/", "/Users"),
        json!({
        "schemas": [USER], "id": "2819c223-7f76-453a-919d-413861904646", "userName": "bjensen",
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22.000Z", "lastModified": "2010-01-23T04:56:22.000Z",
                 "location": "https://example.com/scim/v2/Users/2819c223-7f76-453a-919d-413861904646", "version": "W/\"3\""}})
    );
}

const TYPED: &str = "urn:example:scim:typed:1.0:User";

/// A registry whose User has an extension with one attribute of each
/// non-string type (RFC 7643 §2.3).
fn typed_registry() -> SchemaRegistry {
    let mut reg = SchemaRegistry::builtin().unwrap();
    let ext = json!({"id": TYPED, "name": "Typed", "attributes": [
        {"name": "level", "type": "integer"},
        {"name": "score", "type": "decimal"},
        {"name": "hired", "type": "dateTime"},
        {"name": "photo", "type": "binary"},
        {"name": "homepage", "type": "reference", "referenceTypes": ["external"]}]});
    reg.add_extension(&ext, "User", false).unwrap();
    reg
}

#[test]
fn custom_extension_types() {
    let reg = typed_registry();
    let view = reg.view("User").unwrap();
    // (attribute, value, expected: the stored value or the error).
    let cases = [
        ("level", json!(3), json!(3)),
        ("level", json!(-3), json!(-3)),
        ("level", json!(3.5), json!("error: 400 invalidValue: attribute \"level\" must be an integer")),
        ("level", json!("3"), json!("error: 400 invalidValue: attribute \"level\" must be an integer")),
        ("level", json!(true), json!("error: 400 invalidValue: attribute \"level\" must be an integer")),
        ("score", json!(2.5), json!(2.5)),
        ("score", json!(7), json!(7)),
        ("score", json!("2.5"), json!("error: 400 invalidValue: attribute \"score\" must be a decimal number")),
        ("score", json!([1, 2]), json!("error: 400 invalidValue: attribute \"score\" must be a decimal number")),
        ("hired", json!("2011-05-13T04:42:34Z"), json!("2011-05-13T04:42:34Z")),
        ("hired", json!("2011-05-13T06:42:34+02:00"), json!("2011-05-13T06:42:34+02:00")),
        ("hired", json!("13 May 2011"), json!("error: 400 invalidValue: attribute \"hired\" must be a dateTime such as \"2011-05-13T04:42:34Z\"")),
        ("hired", json!("2011-02-30T00:00:00Z"), json!("error: 400 invalidValue: attribute \"hired\" must be a dateTime such as \"2011-05-13T04:42:34Z\"")),
        ("hired", json!(1305261754), json!("error: 400 invalidValue: attribute \"hired\" must be a dateTime such as \"2011-05-13T04:42:34Z\"")),
        // Base64 (RFC 4648 §4), the URL-safe alphabet (§5), padding optional.
        ("photo", json!("aGVsbG8="), json!("aGVsbG8=")),
        ("photo", json!("aGVsbG8"), json!("aGVsbG8")),
        ("photo", json!("+/+/"), json!("+/+/")),
        ("photo", json!("-_-_"), json!("-_-_")),
        ("photo", json!("hello world"), json!("error: 400 invalidValue: attribute \"photo\" must be a base64-encoded string")),
        ("photo", json!("aGVsbG8=="), json!("error: 400 invalidValue: attribute \"photo\" must be a base64-encoded string")),
        ("photo", json!("a=bc"), json!("error: 400 invalidValue: attribute \"photo\" must be a base64-encoded string")),
        ("photo", json!("abcde"), json!("error: 400 invalidValue: attribute \"photo\" must be a base64-encoded string")),
        ("photo", json!("+/-_"), json!("error: 400 invalidValue: attribute \"photo\" must be a base64-encoded string")),
        ("photo", json!(42), json!("error: 400 invalidValue: attribute \"photo\" must be a base64-encoded string")),
        ("homepage", json!("https://example.com/~babs"), json!("https://example.com/~babs")),
        ("homepage", json!(42), json!("error: 400 invalidValue: attribute \"homepage\" must be a string")),
        ("homepage", json!({"value": "x"}), json!("error: 400 invalidValue: attribute \"homepage\" must be a string")),
    ];
    for tol in [Tolerances::lenient(), Tolerances::strict()] {
        for (attr, value, expected) in &cases {
            let body = json!({"schemas": [USER, TYPED], "userName": "a", TYPED: {*attr: value}});
            let got = match normalize(&body, &view, &tol) {
                Ok(doc) => doc[TYPED][*attr].clone(),
                Err(e) => json!(format!("error: {e}")),
            };
            assert_eq!(&got, expected, "{attr} = {value}");
        }
    }
    // The built-in binary attribute is checked too: x509Certificates.value.
    check(
        "User",
        json!({"schemas": [USER], "userName": "a", "x509Certificates": [{"value": "not base64!"}]}),
        json!("error: 400 invalidValue: attribute \"value\" must be a base64-encoded string"),
    );
}
