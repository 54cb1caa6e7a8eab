//! The custom attributes page rendered with hostile values in every field
//! an owner's schema document controls (URN, attribute names, types,
//! characteristics): each comes out escaped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::hostile_tests::{admin, check, h};
use super::schemas::{ExtensionRow, SchemasPage};
use super::*;
use scim_service::admin_schemas::ExtensionView;
use serde_json::json;

#[tokio::test]
async fn the_schemas_page_escapes_what_owners_define() {
    let who = admin().await;
    let tenant = h(70);
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "schemas",
    };
    let view = ExtensionView {
        urn: h(71),
        resource_type: "User".into(),
        required: false,
        indexed: vec![h(72)],
        created: h(73),
        schema: json!({"attributes": [{
            "name": h(72),
            "type": h(74),
            "mutability": h(75),
            "returned": h(76),
            "uniqueness": h(77),
        }]}),
    };
    let page = SchemasPage {
        layout: Layout::new("Custom attributes", &nav),
        csrf: who.csrf().to_string(),
        can_change: true,
        add_action: format!("/admin/t/{}/schemas", url(&tenant)),
        remove_action: format!("/admin/t/{}/schemas/remove", url(&tenant)),
        resource_type: Select::of("resource_type", "Extends", &["User", "Group"], "User"),
        rows: vec![ExtensionRow::of(&view)],
    };
    let html = page.render().unwrap();
    check("schemas", &html, &[70, 71, 72, 73, 74, 75, 76, 77]);
    assert!(html.contains(">yes</td></tr>"), "the attribute is indexed");
}
