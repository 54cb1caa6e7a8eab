//! PATCH in the dialects IdPs send (Entra's forms, Okta's deactivation)
//! and the envelope's errors, with the helpers of `tests/patch.rs`.

use super::*;

#[test]
fn entra_forms() {
    let u = json!({"userName": "a", "active": true, "emails": [{"value": "h@x", "type": "home"}]});
    check(
        "User",
        u.clone(),
        json!([{"op": "Replace", "path": "active", "value": "False"}]),
        json!({"doc": {"userName": "a", "active": false, "emails": [{"value": "h@x", "type": "home"}]}, "changed": true}),
    );
    check_with(Tolerances::strict(), "User", u.clone(), json!([{"op": "Replace", "path": "active", "value": false}]),
        json!("error: 400 invalidSyntax: operation 1: unknown op \"Replace\": expected \"add\", \"remove\" or \"replace\""));
    // A filtered write that matches nothing creates the element.
    check(
        "User",
        u.clone(),
        json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "w@x"}]),
        json!({"doc": {"userName": "a", "active": true, "emails": [{"value": "h@x", "type": "home"}, {"type": "work", "value": "w@x"}]}, "changed": true}),
    );
    // Path-less replace with dotted and URN-qualified keys (aadOptscim062020).
    check(
        "User",
        u.clone(),
        json!([{"op": "replace", "value": {
            "name.givenName": "Given", "name.familyName": "Family", "displayName": "D",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "42",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": "mgr-id",
            "emails[type eq \"work\"].value": "w@x", "active": "True"}}]),
        json!({"doc": {"userName": "a", "active": true, "emails": [{"value": "h@x", "type": "home"}, {"type": "work", "value": "w@x"}],
            "name": {"givenName": "Given", "familyName": "Family"}, "displayName": "D",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "42", "manager": {"value": "mgr-id"}}}, "changed": true}),
    );
    // Manager as an object, as a bare id, as a one-element array, and removed with an empty value.
    let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    check(
        "User",
        json!({"userName": "a"}),
        json!([{"op": "Add", "path": format!("{ent}:manager"), "value": {"value": "m1"}}]),
        json!({"doc": {"userName": "a", ent: {"manager": {"value": "m1"}}}, "changed": true}),
    );
    check(
        "User",
        json!({"userName": "a"}),
        json!([{"op": "Replace", "path": format!("{ent}:manager"), "value": "m2"}]),
        json!({"doc": {"userName": "a", ent: {"manager": {"value": "m2"}}}, "changed": true}),
    );
    check(
        "User",
        json!({"userName": "a"}),
        json!([{"op": "Add", "path": "manager", "value": [{"$ref": null, "value": "m3"}]}]),
        json!({"doc": {"userName": "a", ent: {"manager": {"value": "m3"}}}, "changed": true}),
    );
    check(
        "User",
        json!({"userName": "a", ent: {"manager": {"value": "m1"}}}),
        json!([{"op": "Replace", "path": format!("{ent}:manager"), "value": ""}]),
        json!({"doc": {"userName": "a"}, "changed": true}),
    );
    check(
        "User",
        json!({"userName": "a", ent: {"manager": {"value": "m1"}}}),
        json!([{"op": "Remove", "path": format!("{ent}:manager"), "value": [{"value": "m1"}]}]),
        json!({"doc": {"userName": "a"}, "changed": true}),
    );
    // Entra's field-reported manager removal through a filter on the single value.
    check(
        "User",
        json!({"userName": "a", ent: {"manager": {"value": "m1"}}}),
        json!([{"op": "remove", "path": "manager[value eq \"other\"]"}]),
        json!({"doc": {"userName": "a", ent: {"manager": {"value": "m1"}}}, "changed": false}),
    );
    check(
        "User",
        json!({"userName": "a", ent: {"manager": {"value": "m1"}}}),
        json!([{"op": "remove", "path": "manager[value eq \"m1\"]"}]),
        json!({"doc": {"userName": "a"}, "changed": true}),
    );
    check_with(Tolerances::strict(), "User", json!({"userName": "a"}), json!([{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq \"m1\"]"}]),
        json!("error: 400 invalidPath: operation 1: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq \"m1\"]: a value filter needs a multi-valued attribute"));
    // Removing a whole extension by its URN.
    check(
        "User",
        json!({"userName": "a", ent: {"department": "x"}}),
        json!([{"op": "remove", "path": ent}]),
        json!({"doc": {"userName": "a"}, "changed": true}),
    );
    // Roles whose value is JSON inside a string.
    check(
        "User",
        json!({"userName": "a"}),
        json!([{"op": "Add", "path": "roles", "value": "[{\"value\":\"{\\\"id\\\":\\\"r1\\\"}\",\"primary\":false}]"}]),
        json!({"doc": {"userName": "a", "roles": [{"value": "{\"id\":\"r1\"}", "primary": false}]}, "changed": true}),
    );
    // Microsoft's app-role shapes ("Customize user provisioning attribute-mappings",
    // SingleAppRoleAssignment): the POST carries a role object, the PATCH adds a
    // role whose value is JSON inside a string, stored as sent.
    let role =
        r#"{"id":"06b07648-ecfe-589f-9d2f-6325724a46ee","value":"25","displayName":"Role1234"}"#;
    let admin =
        json!({"primary": true, "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"});
    check(
        "User",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "externalId": "alias",
               "userName": "alias@contoso.OnMicrosoft.com", "active": true, "displayName": "First Name Last Name",
               "meta": {"resourceType": "User"}, "roles": [admin]}),
        json!([{"op": "Add", "path": "roles", "value": [{"value": role}]}]),
        json!({"doc": {"externalId": "alias", "userName": "alias@contoso.OnMicrosoft.com", "active": true,
            "displayName": "First Name Last Name", "roles": [admin, {"value": role}]}, "changed": true}),
    );
    // The POST's role is RFC-shaped: strict stores it as sent too.
    let reg = registry();
    let strict = normalize(
        &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alias",
        "meta": {"resourceType": "User"}, "roles": [admin]}),
        &reg.view("User").unwrap(),
        &Tolerances::strict(),
    )
    .unwrap();
    assert_eq!(strict["roles"], json!([admin]));
    // Capitalised sub-attribute names.
    check(
        "User",
        json!({"userName": "a"}),
        json!([{"op": "Replace", "path": "name.GivenName", "value": "G"}]),
        json!({"doc": {"userName": "a", "name": {"givenName": "G"}}, "changed": true}),
    );
}

#[test]
fn okta_oin_deactivate() {
    check(
        "User",
        json!({"userName": "a", "active": true}),
        json!([{"op": "replace", "value": {"active": false}}]),
        json!({"doc": {"userName": "a", "active": false}, "changed": true}),
    );
}

#[test]
fn envelope_errors() {
    let strict = Tolerances::strict();
    let err =
        |body: Value, tol: &Tolerances| PatchRequest::parse(&body, tol).unwrap_err().to_string();
    assert_eq!(
        err(json!([]), &strict),
        "400 invalidSyntax: the PATCH body must be a JSON object"
    );
    assert_eq!(err(json!({"Operations": [{"op": "add"}]}), &strict),
        "400 invalidSyntax: \"schemas\" must be [\"urn:ietf:params:scim:api:messages:2.0:PatchOp\"]");
    assert_eq!(
        err(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": []}),
            &strict
        ),
        "400 invalidSyntax: \"Operations\" is empty"
    );
    assert_eq!(
        err(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "move"}]}),
            &Tolerances::lenient()
        ),
        "400 invalidSyntax: operation 1: unknown op \"move\""
    );
    assert_eq!(
        err(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [{"op": "add", "path": 3}]}),
            &strict
        ),
        "400 invalidPath: operation 1: \"path\" must be a string"
    );
    assert!(PatchRequest::parse(
        &json!({"operations": [{"op": "add", "value": {}}]}),
        &Tolerances::lenient()
    )
    .is_ok());
}
