//! The roles page rendered with hostile values in every field an owner or
//! an IdP controls (the tenant, a group's name, a role): each comes out
//! escaped, in the table and in the unmap form's hidden fields.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::hostile_tests::{admin, check, h};
use super::roles::{by_select, MappingRow, RolesPage};
use super::*;

#[tokio::test]
async fn the_roles_page_escapes_groups_and_roles() {
    let who = admin().await;
    let tenant = h(80);
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "roles",
    };
    let page = RolesPage {
        layout: Layout::new("Roles", &nav),
        csrf: who.csrf().to_string(),
        can_change: true,
        map_action: format!("/admin/t/{}/roles", url(&tenant)),
        unmap_action: format!("/admin/t/{}/roles/unmap", url(&tenant)),
        by: by_select(),
        rows: vec![MappingRow {
            by: "displayName".into(),
            group: h(81),
            role: h(82),
        }],
    };
    let html = page.render().unwrap();
    check("roles", &html, &[80, 81, 82]);
    assert!(html.contains("name=\"role\""), "the unmap form");
}
