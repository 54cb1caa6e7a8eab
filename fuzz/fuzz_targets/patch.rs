//! Fuzz target: parsing and applying an arbitrary PATCH body to a user and a
//! group never panics, and a successful result is a valid document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_core::patch::{apply, PatchRequest};
use scim_core::resource::normalize;
use scim_core::schema::{SchemaRegistry, GROUP_SCHEMA};
use scim_core::tolerance::Tolerances;
use serde_json::{json, Value};
use std::sync::OnceLock;

static REGISTRY: OnceLock<Option<SchemaRegistry>> = OnceLock::new();

fn registry() -> Option<SchemaRegistry> {
    let mut reg = SchemaRegistry::builtin().ok()?;
    reg.mark_external(GROUP_SCHEMA, "members").ok()?;
    Some(reg)
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else { return };
    let Some(reg) = REGISTRY.get_or_init(registry) else { return };
    let docs = [
        ("User", json!({"userName": "u", "emails": [{"value": "x@y", "type": "work", "primary": true}], "name": {"givenName": "G"},
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": {"value": "m"}}})),
        ("Group", json!({"displayName": "g"})),
    ];
    for tol in [Tolerances::lenient(), Tolerances::strict()] {
        let Ok(req) = PatchRequest::parse(&body, &tol) else { continue };
        for (rt, doc) in &docs {
            let Some(view) = reg.view(rt) else { continue };
            let Ok(doc) = normalize(doc, &view, &Tolerances::lenient()) else { continue };
            if let Ok(out) = apply(&doc, &req, &view, &tol) {
                let valid = normalize(&Value::Object(out.doc), &view, &Tolerances::strict());
                assert!(valid.is_ok(), "PATCH produced an invalid document: {valid:?}");
            }
        }
    }
});
