//! Custom attributes end to end (`docs/custom-attributes.md`): a tenant's
//! schema extension defined with `scimd schema add` while the server runs;
//! users carrying its values over SCIM (validated, stored, returned but for
//! the never-returned one, filtered, patched by URN path, unique); its
//! `/Schemas` and `/ResourceTypes`, which another tenant does not see; the
//! change event with the values; removal, refused while values exist.

use crate::server::*;
use serde_json::{json, Value};

const EXT: &str = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User";

fn extension() -> Value {
    json!({
        "id": EXT,
        "name": "CustomExt",
        "description": "Attributes an IdP admin mapped",
        "attributes": [
            {"name": "costCenter", "type": "string", "indexed": true, "uniqueness": "server"},
            {"name": "level", "type": "integer"},
            {"name": "badges", "type": "complex", "multiValued": true, "subAttributes": [
                {"name": "label", "type": "string", "required": true},
                {"name": "issued", "type": "dateTime"}
            ]},
            {"name": "pin", "type": "string", "mutability": "writeOnly", "returned": "never"}
        ]
    })
}

fn define(s: &Server) {
    let file = s.dir.path().join("custom-ext.json");
    std::fs::write(&file, extension().to_string()).unwrap();
    let out = s.cli_ok(&[
        "schema",
        "add",
        "--tenant",
        "default",
        "--file",
        file.to_str().unwrap(),
    ]);
    assert!(out.contains(EXT), "{out}");
}

fn filter(s: &Server, f: &str) -> Value {
    let q: String = f
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let r = s.get(&format!("/Users?filter={q}"));
    assert_eq!(r.status, 200, "{f}: {}", r.body);
    r.body
}

fn user(name: &str, cost: &str) -> Value {
    json!({
        "schemas": [USER, EXT],
        "userName": name,
        EXT: {
            "costCenter": cost,
            "level": 3,
            "badges": [{"label": "a", "issued": "2024-01-02T03:04:05Z"}, {"label": "b"}],
            "pin": "4711-secret"
        }
    })
}

#[test]
fn extension_attributes_end_to_end() {
    let s = Server::start();
    define(&s);
    let listed = s.cli_ok(&["schema", "list", "--tenant", "default", "--json"]);
    let row: Value = serde_json::from_str(listed.lines().next().unwrap()).unwrap();
    assert_eq!(row["urn"], EXT);
    assert_eq!(row["indexed"], json!(["costCenter"]));

    // Stored and returned, but for the never-returned attribute.
    let created = s.post("/Users", &user("ada", "42"));
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    let ext = &created.body[EXT];
    assert_eq!(ext["costCenter"], "42");
    assert_eq!(ext["level"], 3);
    assert_eq!(ext["badges"][1]["label"], "b");
    assert!(ext.get("pin").is_none(), "{ext}");
    let got = s.get(&format!("/Users/{id}"));
    assert_eq!(got.body[EXT]["costCenter"], "42");
    assert!(got.body[EXT].get("pin").is_none());
    assert!(!got.body.to_string().contains("4711-secret"));

    // Validation with the right scimType.
    let mut bad = user("bad", "7");
    bad[EXT]["level"] = json!("high");
    assert_error(&s.post("/Users", &bad), 400, Some("invalidValue"));
    let mut bad = user("bad", "7");
    bad[EXT]["badges"] = json!([{"issued": "2024-01-02T03:04:05Z"}]);
    assert_error(&s.post("/Users", &bad), 400, Some("invalidValue"));

    // Filters by the extension attributes, and projection.
    let found = filter(&s, &format!("{EXT}:costCenter eq \"42\""));
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], id.as_str());
    assert_eq!(filter(&s, &format!("{EXT}:level ge 3"))["totalResults"], 1);
    assert_eq!(
        filter(&s, &format!("{EXT}:badges[label eq \"b\"]"))["totalResults"],
        1
    );
    // A secret is no filter: it would tell its value one guess at a time.
    let q = format!("/Users?filter={EXT}:pin%20eq%20%224711-secret%22");
    assert_error(&s.get(&q), 400, Some("invalidFilter"));
    let projected = s.get(&format!("/Users/{id}?attributes={EXT}:level"));
    assert_eq!(
        projected.body[EXT],
        json!({"level": 3}),
        "{}",
        projected.body
    );

    // PATCH by full URN path, and a value path on the multi-valued complex one.
    let r = s.patch(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": format!("{EXT}:costCenter"), "value": "43"},
               {"op": "replace", "path": format!("{EXT}:badges[label eq \"a\"].label"), "value": "c"}]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body[EXT]["costCenter"], "43");
    assert_eq!(r.body[EXT]["badges"][0]["label"], "c");
    assert_eq!(
        filter(&s, &format!("{EXT}:costCenter eq \"42\""))["totalResults"],
        0
    );
    assert_eq!(
        filter(&s, &format!("{EXT}:costCenter eq \"43\""))["totalResults"],
        1
    );

    // uniqueness "server": a second user with the value is a 409.
    assert_error(
        &s.post("/Users", &user("bob", "43")),
        409,
        Some("uniqueness"),
    );
    let bob = s.post("/Users", &user("bob", "44"));
    assert_eq!(bob.status, 201, "{}", bob.body);
    let bob_id = bob.body["id"].as_str().unwrap().to_string();
    let r = s.patch(
        &format!("/Users/{bob_id}"),
        json!([{"op": "replace", "path": format!("{EXT}:costCenter"), "value": "43"}]),
    );
    assert_error(&r, 409, Some("uniqueness"));

    // Discovery per tenant.
    let schemas = s.get("/Schemas");
    let ids: Vec<&str> = schemas.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["id"].as_str())
        .collect();
    assert!(ids.contains(&EXT), "{ids:?}");
    let published = s.get(&format!("/Schemas/{EXT}"));
    assert_eq!(published.status, 200);
    assert!(published.body["attributes"][0].get("indexed").is_none());
    let rt = s.get("/ResourceTypes/User");
    assert!(
        rt.body["schemaExtensions"].to_string().contains(EXT),
        "{}",
        rt.body
    );
    s.cli_ok(&["tenant", "create", "other"]);
    let other = s.token_for("other", "default");
    let theirs = s.req_as(&other, "GET", "/Schemas", None);
    assert!(!theirs.body.to_string().contains(EXT));
    let theirs = s.req_as(&other, "GET", "/ResourceTypes/User", None);
    assert!(!theirs.body.to_string().contains(EXT));

    // The change event carries the values, never the secret; nor does the audit log.
    let events = s.get("/Events");
    let text = events.body.to_string();
    assert!(text.contains("\"costCenter\":\"42\""), "{text}");
    assert!(!text.contains("4711-secret"), "{text}");
    let audit = s.cli_ok(&["audit", "--tenant", "default", "--json"]);
    assert!(audit.contains("costCenter"));
    assert!(!audit.contains("4711-secret"), "{audit}");

    // Removal: refused while values exist, then with their values dropped.
    let (ok, _, err) = s.cli(&["schema", "remove", "--tenant", "default", EXT]);
    assert!(!ok);
    assert!(err.contains("2 Users carry values"), "{err}");
    let out = s.cli_ok(&[
        "schema",
        "remove",
        "--tenant",
        "default",
        EXT,
        "--drop-values",
    ]);
    assert!(out.contains("dropped from 2"), "{out}");
    let got = s.get(&format!("/Users/{id}"));
    assert!(got.body.get(EXT).is_none(), "{}", got.body);
    assert_eq!(got.body["schemas"], json!([USER]));
    assert!(!s.get("/Schemas").body.to_string().contains(EXT));
}

/// Issue 18, item 3: whatever a connection's `undefined` policy, an
/// attribute the tenant's schemas do not define leaves a trace.
#[test]
fn undefined_attributes_are_never_dropped_silently() {
    let s = Server::start();
    let other = "urn:example:params:scim:schemas:extension:Other:1.0:User";
    let body = |name: &str| {
        json!({"schemas": [USER, other], "userName": name, "nickname2": "Nicky",
               "name": {"givenName": "A", "middle2": "M"}, other: {"shoeSize": 44}})
    };

    // keep (a new connection's default): stored, shown to the application
    // (the CLI, events), never returned over SCIM, counted per connection.
    let kept = s.post("/Users", &body("keeper"));
    assert_eq!(kept.status, 201, "{}", kept.body);
    let id = kept.body["id"].as_str().unwrap().to_string();
    for r in [kept.body.clone(), s.get(&format!("/Users/{id}")).body] {
        let text = r.to_string();
        assert!(
            !text.contains("Nicky")
                && !text.contains("urn:scimd:raw")
                && !text.contains("shoeSize"),
            "{text}"
        );
        assert_eq!(r["name"], json!({"givenName": "A"}));
        assert_eq!(r["schemas"], json!([USER]));
    }
    let shown = s.cli_ok(&["user", "show", "--tenant", "default", &id, "--json"]);
    let shown: Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(
        shown["urn:scimd:raw"],
        json!({"nickname2": "Nicky", "name.middle2": "M", other: {"shoeSize": 44}}),
        "{shown}"
    );
    let events = s.get("/Events").body.to_string();
    assert!(events.contains("Nicky"), "{events}");
    // A PATCH leaves them; a PUT replaces them with what it sends.
    let r = s.patch(
        &format!("/Users/{id}"),
        json!([{"op": "replace", "path": "displayName", "value": "Keeper"}]),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(!r.body.to_string().contains("Nicky"));
    let shown = s.cli_ok(&["user", "show", "--tenant", "default", &id, "--json"]);
    assert!(shown.contains("Nicky"), "{shown}");
    let r = s.put(
        &format!("/Users/{id}"),
        &json!({"schemas": [USER], "userName": "keeper", "nickname3": "N3"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let shown: Value =
        serde_json::from_str(&s.cli_ok(&["user", "show", "--tenant", "default", &id, "--json"]))
            .unwrap();
    assert_eq!(
        shown["urn:scimd:raw"],
        json!({"nickname3": "N3"}),
        "{shown}"
    );
    let audit = s.cli_ok(&["audit", "--tenant", "default", "--json"]);
    assert!(
        audit.contains("undefined attributes kept as raw attributes"),
        "{audit}"
    );
    s.post("/Users", &body("keeper2"));
    let seen = s.cli_ok(&[
        "connection",
        "undefined",
        "--tenant",
        "default",
        "default",
        "--json",
    ]);
    let seen: Vec<Value> = seen
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let nick = seen
        .iter()
        .find(|u| u["name"] == "nickname2")
        .expect("nickname2 counted");
    assert_eq!(nick["count"], 2);
    assert_eq!(nick["example"], "\"N…\"");
    assert!(seen.iter().any(|u| u["name"] == other), "{seen:?}");

    // reject: 400 invalidSyntax naming them.
    s.cli_ok(&[
        "connection",
        "create",
        "--tenant",
        "default",
        "strict-one",
        "--undefined",
        "reject",
    ]);
    let token = s.token_for("default", "strict-one");
    let r = s.req_as(&token, "POST", "/Users", Some(&body("rejected")));
    assert_error(&r, 400, Some("invalidSyntax"));
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("nickname2") && detail.contains("name.middle2") && detail.contains(other),
        "{detail}"
    );

    // drop: the audit entry names what was dropped.
    s.cli_ok(&[
        "connection",
        "create",
        "--tenant",
        "default",
        "lenient",
        "--undefined",
        "drop",
    ]);
    let token = s.token_for("default", "lenient");
    let r = s.req_as(&token, "POST", "/Users", Some(&body("dropped")));
    assert_eq!(r.status, 201, "{}", r.body);
    let dropped = r.body["id"].as_str().unwrap().to_string();
    let shown = s.cli_ok(&["user", "show", "--tenant", "default", &dropped, "--json"]);
    assert!(!shown.contains("Nicky"), "{shown}");
    let audit = s.cli_ok(&["audit", "--tenant", "default", "--json", "--user", &dropped]);
    assert!(
        audit.contains("undefined attributes dropped: nickname2"),
        "{audit}"
    );
    let listed = s.cli_ok(&["connection", "list", "--tenant", "default", "--json"]);
    assert!(listed.contains("\"undefined\":\"drop\""), "{listed}");
}
