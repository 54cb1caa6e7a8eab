//! Hostile values sent through SCIM (userName, displayName, name,
//! externalId, emails, a group's name and member display, a refused
//! PATCH's path and value), in query parameters and path segments, as a
//! connection name and a token label, and in the `Host` header the base
//! URL comes from: every console page that shows them escapes them; none
//! becomes markup.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use serde_json::json;

/// Hostile text: it would close a tag, open a script, break out of single
/// and double quoted attributes.
fn evil(n: u32) -> String {
    format!("<script>alert({n})</script>\"'><img src=x onerror=alert({n})>")
}

fn clean(what: &str, r: &Reply) {
    assert!(
        !r.text.contains("<script>alert") && !r.text.contains("<img src=x"),
        "{what}: unescaped: {}",
        r.text
    );
}

#[tokio::test]
async fn hostile_values_from_clients_are_escaped_on_every_page() {
    let (st, token) = state().await;
    let own = login(&st, "own").await;
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": evil(1), "displayName": evil(2), "externalId": evil(3),
        "name": {"formatted": evil(4), "givenName": evil(5)},
        "emails": [{"value": evil(6), "type": "work"}],
        "title": evil(7),
    });
    let r = call(&st, scim("POST", "/Users", &token, Some(user))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let uid = r.body["id"].as_str().unwrap().to_string();
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": evil(8), "externalId": evil(9),
        "members": [{"value": uid, "display": evil(10)}],
    });
    let r = call(&st, scim("POST", "/Groups", &token, Some(group))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let gid = r.body["id"].as_str().unwrap().to_string();
    // A refusal whose detail and sent body carry hostile text.
    let r = call(
        &st,
        scim(
            "PATCH",
            &format!("/Users/{uid}"),
            &token,
            Some(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "bogus", "path": evil(11), "value": evil(12)}]})),
        ),
    )
    .await;
    assert!(r.status.is_client_error(), "{}", r.text);
    // A connection name and a token label a client chose.
    let r = call(
        &st,
        form("/admin/t/default/connections", &own, &[("name", &evil(13))]),
    )
    .await;
    assert_eq!(r.status, 400, "invalid name refused: {}", r.text);
    clean("refused connection", &r);
    let r = call(
        &st,
        form(
            "/admin/t/default/connections/default/tokens",
            &own,
            &[("label", &evil(14))],
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    clean("issued token", &r);

    let q = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pages = [
        format!("/admin/t/default/users?q={}&filter={}", q(&evil(20)), q("userName pr")),
        format!("/admin/t/default/users?filter={}", q(&format!("userName eq \"{}\"", evil(21).replace('"', "\\\"")))),
        "/admin/t/default/users".to_string(),
        format!("/admin/t/default/users/{uid}"),
        format!("/admin/t/default/groups?q={}", q(&evil(22))),
        "/admin/t/default/groups".to_string(),
        format!("/admin/t/default/groups/{gid}"),
        format!(
            "/admin/t/default/audit?since={}&until={}&resourceId={}&resourceType=user&connection=default",
            q("2020-01-01T00:00:00Z"), q("2099-01-01T00:00:00Z"), q(&uid)
        ),
        "/admin/t/default/audit".to_string(),
        format!("/admin/t/default/audit?since={}", q(&evil(23))),
        "/admin/t/default/connections".to_string(),
        "/admin/t/default/connections/default".to_string(),
        format!("/admin/t/{}/users", q(&evil(24))),
        format!("/admin/t/default/users/{}", q(&evil(25))),
        format!("/admin/t/default/connections/{}", q(&evil(26))),
        "/admin/t/default/trash".to_string(),
        "/admin/t/default/webhooks".to_string(),
    ];
    let mut shown = 0;
    for page in &pages {
        let r = call(&st, get(page, &own)).await;
        clean(page, &r);
        shown += usize::from(r.text.contains("&#60;script&#62;alert("));
    }
    assert!(
        shown >= 12,
        "hostile values shown (escaped) on {shown} pages"
    );
    let detail = call(&st, get(&format!("/admin/t/default/users/{uid}"), &own)).await;
    for n in [1, 3, 4, 6, 11] {
        assert!(
            detail.text.contains(&format!("&#60;script&#62;alert({n})")),
            "value {n} not shown escaped: {}",
            detail.text
        );
    }
    // The base URL shown with a new token comes from the Host header.
    let mut req = form(
        "/admin/t/default/connections/default/tokens",
        &own,
        &[("label", "x")],
    );
    req.headers_mut()
        .insert("host", evil(27).replace(' ', "").parse().unwrap());
    let r = call(&st, req).await;
    assert_eq!(r.status, 200, "{}", r.text);
    clean("Host", &r);
    assert!(r.text.contains("&#60;script&#62;alert(27)"), "{}", r.text);
}
