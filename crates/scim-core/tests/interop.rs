//! Issue 17's rules in the core, by tolerance: the interoperability
//! profile's PATCH (a `path` on every operation, `replace` of a whole
//! complex attribute, undefined attributes as `invalidSyntax`), the scimType
//! of undefined schema URIs for every profile, malformed PATCH paths,
//! group members as bare strings or with `displayName`, and value filters
//! in `attributes`/`excludedAttributes`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::patch::{apply, ExternalOp, PatchRequest};
use scim_core::project::Projection;
use scim_core::resource::normalize;
use scim_core::schema::{SchemaRegistry, GROUP_SCHEMA};
use scim_core::tolerance::Tolerances;
use scim_core::ScimError;
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const STRICT: Tolerances = Tolerances::strict();
const INTEROP: Tolerances = Tolerances::interop();
const LENIENT: Tolerances = Tolerances::lenient();

fn registry() -> SchemaRegistry {
    let mut reg = SchemaRegistry::builtin().unwrap();
    reg.mark_external(GROUP_SCHEMA, "members").unwrap();
    reg
}

fn err(e: ScimError) -> Value {
    json!(format!("{}: {}", e.scim_type().unwrap_or("-"), e.detail()))
}

/// The error's `scimType` only, or the outcome as JSON.
fn kind(v: &Value) -> Value {
    match v.as_str() {
        Some(s) => json!(s.split(':').next().unwrap()),
        None => v.clone(),
    }
}

/// PATCH `ops` on a user with `tol`: the document (without `schemas`) or
/// the error's scimType.
fn patch(tol: Tolerances, ops: Value) -> Value {
    let reg = registry();
    let view = reg.view("User").unwrap();
    let before = json!({"schemas": [USER], "userName": "bjensen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"}, "title": "t"});
    let doc = normalize(&before, &view, &LENIENT).unwrap();
    let body =
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let out = PatchRequest::parse(&body, &tol).and_then(|r| apply(&doc, &r, &view, &tol));
    kind(&match out {
        Ok(o) => {
            let mut d = o.doc;
            d.shift_remove("schemas");
            Value::Object(d)
        }
        Err(e) => err(e),
    })
}

#[test]
fn interop_patch() {
    // (tolerances, operations, expected document or scimType)
    let name_only_g2 = json!({"userName": "bjensen", "name": {"givenName": "G2"}, "title": "t"});
    let merged = json!({"userName": "bjensen", "name": {"givenName": "G2", "familyName": "Jensen"}, "title": "t"});
    let table: Vec<(Tolerances, Value, Value)> = vec![
        // §6.5.1.1: every operation needs a path.
        (
            INTEROP,
            json!([{"op": "replace", "value": {"title": "x"}}]),
            json!("invalidSyntax"),
        ),
        (
            STRICT,
            json!([{"op": "replace", "value": {"title": "x"}}]),
            json!({"userName": "bjensen", "name": {"givenName": "Barbara", "familyName": "Jensen"}, "title": "x"}),
        ),
        (
            LENIENT,
            json!([{"op": "replace", "value": {"active": false}}]),
            json!({"userName": "bjensen", "name": {"givenName": "Barbara", "familyName": "Jensen"}, "title": "t", "active": false}),
        ),
        // §6.5.2.1: replace of a whole complex attribute replaces it; add merges.
        (
            INTEROP,
            json!([{"op": "replace", "path": "name", "value": {"givenName": "G2"}}]),
            name_only_g2,
        ),
        (
            STRICT,
            json!([{"op": "replace", "path": "name", "value": {"givenName": "G2"}}]),
            merged.clone(),
        ),
        (
            LENIENT,
            json!([{"op": "replace", "path": "name", "value": {"givenName": "G2"}}]),
            merged.clone(),
        ),
        (
            INTEROP,
            json!([{"op": "add", "path": "name", "value": {"givenName": "G2"}}]),
            merged,
        ),
        // §5.3: undefined attributes are invalidSyntax; RFC profiles keep invalidPath.
        (
            INTEROP,
            json!([{"op": "replace", "path": "nosuch", "value": "x"}]),
            json!("invalidSyntax"),
        ),
        (
            STRICT,
            json!([{"op": "replace", "path": "nosuch", "value": "x"}]),
            json!("invalidPath"),
        ),
        // A malformed path is invalidPath for every profile, never invalidFilter.
        (
            STRICT,
            json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]),
            json!("invalidPath"),
        ),
        (
            LENIENT,
            json!([{"op": "replace", "path": "emails[type eq", "value": "x"}]),
            json!("invalidPath"),
        ),
        (
            INTEROP,
            json!([{"op": "remove", "path": "emails[type eq \"work\""}]),
            json!("invalidPath"),
        ),
        (
            STRICT,
            json!([{"op": "remove", "path": "emails[typo xx \"work\"]"}]),
            json!("invalidPath"),
        ),
    ];
    for (tol, ops, want) in table {
        let got = patch(tol, ops.clone());
        assert_eq!(got, want, "{ops}");
    }
}

/// Creates a user from `body` with `tol`: "ok" or the error's scimType.
fn create(tol: Tolerances, body: Value) -> Value {
    let reg = registry();
    let view = reg.view("User").unwrap();
    kind(&match normalize(&body, &view, &tol) {
        Ok(_) => json!("ok"),
        Err(e) => err(e),
    })
}

#[test]
fn undefined_attributes_and_schemas() {
    let unknown_urn = json!({"schemas": [USER, "urn:example:nosuch"], "userName": "a"});
    let unknown_attr = json!({"schemas": [USER], "userName": "a", "nosuch": 1});
    for (tol, want) in [
        (STRICT, "invalidSyntax"),
        (INTEROP, "invalidSyntax"),
        (LENIENT, "ok"),
    ] {
        assert_eq!(create(tol, unknown_urn.clone()), json!(want));
        assert_eq!(create(tol, unknown_attr.clone()), json!(want));
    }
}

/// A group's members from `members` with `tol`: the normalized elements, or
/// the scimType.
fn members(tol: Tolerances, members: Value) -> Value {
    let reg = registry();
    let view = reg.view("Group").unwrap();
    let body = json!({"schemas": [GROUP_SCHEMA], "displayName": "g", "members": members});
    kind(&match normalize(&body, &view, &tol) {
        Ok(d) => d.get("members").cloned().unwrap_or(Value::Null),
        Err(e) => err(e),
    })
}

#[test]
fn loose_member_values() {
    let mut okta_like = Tolerances::strict();
    okta_like.loose_member_values = true;
    for tol in [LENIENT, okta_like] {
        assert_eq!(
            members(tol, json!(["u1", {"value": "u2"}])),
            json!([{"value": "u1"}, {"value": "u2"}])
        );
        assert_eq!(
            members(tol, json!([{"value": "u1", "displayName": "Ann"}])),
            json!([{"value": "u1", "display": "Ann"}])
        );
        // `display` wins over `displayName` when both are given.
        assert_eq!(
            members(
                tol,
                json!([{"value": "u1", "display": "A", "displayName": "B"}])
            )[0]["display"],
            "A"
        );
    }
    assert_eq!(members(STRICT, json!(["u1"])), json!("invalidValue"));
    assert_eq!(
        members(STRICT, json!([{"value": "u1", "displayName": "Ann"}])),
        json!("invalidSyntax")
    );
    // In a PATCH too.
    let reg = registry();
    let view = reg.view("Group").unwrap();
    let doc = normalize(
        &json!({"schemas": [GROUP_SCHEMA], "displayName": "g"}),
        &view,
        &LENIENT,
    )
    .unwrap();
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": ["u1", {"value": "u2", "displayName": "B"}]}]});
    let out = apply(
        &doc,
        &PatchRequest::parse(&body, &okta_like).unwrap(),
        &view,
        &okta_like,
    )
    .unwrap();
    assert_eq!(
        out.external,
        [ExternalOp::Add {
            attr: "members".into(),
            values: vec![
                json!({"value": "u1"}),
                json!({"value": "u2", "display": "B"})
            ]
        }]
    );
}

fn user() -> Value {
    json!({"schemas": [USER], "id": "1", "userName": "bjensen",
        "emails": [{"value": "w@example.com", "type": "work", "primary": true}, {"value": "h@example.org", "type": "home"}],
        "phoneNumbers": [{"value": "1", "type": "work"}]})
}

/// Projects [`user`]: the output without `schemas`/`id`, or the scimType.
fn project(tol: Tolerances, attributes: Option<&str>, excluded: Option<&str>) -> Value {
    let reg = registry();
    let view = reg.view("User").unwrap();
    let p = match Projection::parse(attributes, excluded).and_then(|p| p.check(&tol).map(|()| p)) {
        Ok(p) => p,
        Err(e) => return kind(&err(e)),
    };
    let mut out = p.apply(&user(), &view);
    let o = out.as_object_mut().unwrap();
    o.remove("schemas");
    o.remove("id");
    out
}

#[test]
fn value_filters_in_projections() {
    let table: Vec<(Tolerances, Option<&str>, Option<&str>, Value)> = vec![
        (
            LENIENT,
            Some("emails[type eq \"work\"]"),
            None,
            json!({"emails": [{"value": "w@example.com", "type": "work", "primary": true}]}),
        ),
        (
            LENIENT,
            Some("emails[type eq \"work\"].value,userName"),
            None,
            json!({"userName": "bjensen", "emails": [{"value": "w@example.com"}]}),
        ),
        (
            LENIENT,
            Some("emails[type eq \"work\" or type eq \"home\"].value"),
            None,
            json!({"emails": [{"value": "w@example.com"}, {"value": "h@example.org"}]}),
        ),
        (LENIENT, Some("emails[type eq \"other\"]"), None, json!({})),
        (
            LENIENT,
            None,
            Some("emails[type eq \"work\"],phoneNumbers"),
            json!({"userName": "bjensen", "emails": [{"value": "h@example.org", "type": "home"}]}),
        ),
        (
            STRICT,
            Some("emails[type eq \"work\"]"),
            None,
            json!("invalidValue"),
        ),
        (
            INTEROP,
            None,
            Some("emails[type eq \"work\"]"),
            json!("invalidValue"),
        ),
        (
            STRICT,
            Some("emails"),
            None,
            json!({"emails": [{"value": "w@example.com", "type": "work", "primary": true}, {"value": "h@example.org", "type": "home"}]}),
        ),
        (LENIENT, Some("emails[type eq"), None, json!("invalidValue")),
    ];
    for (tol, a, x, want) in table {
        assert_eq!(project(tol, a, x), want, "{a:?} {x:?}");
    }
}
