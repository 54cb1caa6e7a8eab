//! Every resource representation of RFC 7643 §8 and every PATCH example of
//! RFC 7644 §3.5.2.1-3 as a test case, with snapshots of the results
//! (fixtures extracted by `scripts/extract-rfc-examples.py`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::patch::{apply, ExternalOp, PatchRequest};
use scim_core::project::Projection;
use scim_core::resource::normalize;
use scim_core::schema::{SchemaRegistry, GROUP_SCHEMA};
use scim_core::tolerance::Tolerances;
use serde_json::{json, Value};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn registry() -> SchemaRegistry {
    let mut reg = SchemaRegistry::builtin().unwrap();
    reg.mark_external(GROUP_SCHEMA, "members").unwrap();
    reg
}

/// Validates a fixture as a create body of `rt` and snapshots the canonical document.
fn check_resource(name: &str, rt: &str) {
    let reg = registry();
    let view = reg.view(rt).unwrap();
    let body = fixture(name);
    let doc =
        normalize(&body, &view, &Tolerances::lenient()).unwrap_or_else(|e| panic!("{name}: {e}"));
    // A strict server accepts the RFC's own examples too (RFC 7643 §2.4
    // implies the `addresses.primary` and `members.display` they use), and
    // keeps the same document.
    let strict = match normalize(&body, &view, &Tolerances::strict()) {
        Ok(strict_doc) => {
            assert_eq!(strict_doc, doc, "{name}: strict and lenient differ");
            "accepted".to_string()
        }
        Err(e) => e.to_string(),
    };
    assert_eq!(strict, "accepted", "{name}");
    // A full representation round-trips through projection untouched, minus `never` attributes.
    let projected = Projection::default().apply(&body, &view);
    assert!(projected.get("password").is_none());
    insta::assert_json_snapshot!(
        name.replace('/', "__"),
        json!({"canonical": doc, "strict": strict})
    );
}

#[test]
fn rfc7643_section8_resources() {
    check_resource("rfc7643/8.1-minimal-user.json", "User");
    check_resource("rfc7643/8.2-full-user.json", "User");
    check_resource("rfc7643/8.3-enterprise-user.json", "User");
    check_resource("rfc7643/8.4-group.json", "Group");
}

#[test]
fn rfc7643_section8_discovery_documents_parse() {
    let spc = fixture("rfc7643/8.5-service-provider-config.json");
    assert_eq!(
        spc["schemas"][0],
        "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
    );
    let rts = fixture("rfc7643/8.6-resource-types.json");
    let reg = registry();
    for rt in rts.as_array().unwrap() {
        let ours = reg
            .resource_types()
            .iter()
            .find(|r| r.name == rt["name"])
            .unwrap();
        assert_eq!(ours.endpoint, rt["endpoint"].as_str().unwrap());
        assert_eq!(ours.schema, rt["schema"].as_str().unwrap());
    }
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

/// Applies a PATCH fixture to a resource of RFC 7643 §8 (`base`) and
/// snapshots the outcome.
fn check_patch(name: &str, base: &str) {
    let reg = registry();
    let rt = if base.contains("group") {
        "Group"
    } else {
        "User"
    };
    let view = reg.view(rt).unwrap();
    let doc = normalize(&fixture(base), &view, &Tolerances::lenient()).unwrap();
    let tol = Tolerances::lenient();
    let body = fixture(&format!("rfc7644/patch/{name}"));
    let req = PatchRequest::parse(&body, &tol).unwrap_or_else(|e| panic!("{name}: {e}"));
    let out = apply(&doc, &req, &view, &tol).unwrap_or_else(|e| panic!("{name}: {e}"));
    // Under strict RFC rules the same request is accepted with the same outcome.
    let strict = PatchRequest::parse(&body, &Tolerances::strict())
        .and_then(|r| apply(&doc, &r, &view, &Tolerances::strict()));
    match &strict {
        Ok(s) => assert_eq!(
            (&s.doc, &s.external),
            (&out.doc, &out.external),
            "{name}: strict and lenient differ"
        ),
        Err(e) => panic!("{name}: strict refuses the RFC's example: {e}"),
    }
    assert!(
        out.changed || !out.external.is_empty(),
        "{name} changes nothing on {base}"
    );
    let changed_attrs: Vec<&String> = out
        .doc
        .keys()
        .filter(|k| out.doc.get(*k) != doc.get(*k))
        .collect();
    insta::assert_json_snapshot!(
        format!("patch__{}", name.trim_end_matches(".json")),
        json!({
            "changed": out.changed,
            "changed_attributes": changed_attrs,
            "result": out.doc.iter().filter(|(k, _)| changed_attrs.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect::<serde_json::Map<_, _>>(),
            "external": out.external.iter().map(external_json).collect::<Vec<_>>(),
            "strict": strict.map(|_| "accepted".to_string()).unwrap_or_else(|e| e.to_string()),
        })
    );
}

#[test]
fn rfc7644_patch_examples() {
    const GROUP: &str = "rfc7643/8.4-group.json";
    const FULL_USER: &str = "rfc7643/8.2-full-user.json";
    // 02 and 11 change nothing on the §8.2 user, which already has Babs's
    // nickname and both emails: they run on the §8.1 minimal user instead.
    const MINIMAL_USER: &str = "rfc7643/8.1-minimal-user.json";
    for (name, base) in [
        ("01-add-member.json", GROUP),
        ("02-add-pathless-emails-nickname.json", MINIMAL_USER),
        ("03-remove-single-member.json", GROUP),
        ("04-remove-all-members.json", GROUP),
        ("05-remove-email-filter.json", FULL_USER),
        ("06-remove-and-add-member.json", GROUP),
        ("07-replace-members-remove-add.json", GROUP),
        ("08-replace-members.json", GROUP),
        ("09-replace-work-address.json", FULL_USER),
        ("10-replace-address-street.json", FULL_USER),
        ("11-replace-pathless.json", MINIMAL_USER),
    ] {
        check_patch(name, base);
    }
}
