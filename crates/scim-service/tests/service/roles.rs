//! Roles from groups (issue 18 item 4, `docs/roles.md`): effective roles
//! through nested groups and the user's own `roles`, filterable; one
//! `roles` event per user whose set changed, with what it gained and lost,
//! after a membership change, a mapping change, a group renamed or
//! deleted, and the user's own roles.

use super::harness::*;
use scim_service::admin_roles::Roles;
use scim_store::{EventStore, GroupSelector, RoleMapping, Store};
use serde_json::{json, Value};

const URN: &str = "urn:scimd:params:scim:schemas:extension:roles:2.0:User";

fn by_name(group: &str, role: &str) -> RoleMapping {
    RoleMapping {
        selector: GroupSelector::DisplayName,
        value: group.into(),
        role: role.into(),
    }
}

async fn roles_of(h: &Harness, id: &str) -> Vec<String> {
    let a = h.idp.get(&format!("/Users/{id}")).await;
    expect(&a, 200, "get user");
    a.body[URN]["effectiveRoles"]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// The `roles` events after event number `after`: (user id, gained, lost).
async fn role_events(h: &Harness, after: i64) -> (i64, Vec<(String, Value, Value)>) {
    let t = h.store.find_tenant("default").await.unwrap().unwrap();
    let events = h.store.events(t.id, after, 1000).await.unwrap();
    let last = events.last().map_or(after, |e| e.seq);
    let roles = events
        .into_iter()
        .filter(|e| e.event.event == "roles")
        .map(|e| {
            let d = e.event.data.unwrap();
            (e.event.resource_id, d["gained"].clone(), d["lost"].clone())
        })
        .collect();
    (last, roles)
}

async fn holders(h: &Harness, role: &str) -> usize {
    let q = format!("/Users?filter=effectiveRoles%20eq%20%22{role}%22");
    let a = h.idp.get(&q).await;
    expect(&a, 200, "filter");
    a.body["totalResults"].as_u64().unwrap() as usize
}

#[tokio::test]
async fn nested_groups_give_roles_and_changes_emit_one_event() {
    let h = Harness::new().await;
    let alice = h.idp.create_user("alice").await;
    let bob = h.idp.create_user("bob").await;
    let inner = h.idp.create_group("Backend", &[&alice]).await;
    let outer = h.idp.create_group("Engineering", &[&inner]).await;
    // No mapping: no effective roles, no filter on them (/Schemas:
    // e2e/roles.rs).
    let own = patch(json!([{"op": "add", "path": "roles", "value": [{"value": "admin"}]}]));
    let a = h.idp.patch(&format!("/Users/{bob}"), &own).await;
    expect(&a, 200, "own roles, no mapping");
    assert!(a.body.get(URN).is_none(), "{}", a.body);
    let q = "/Users?filter=effectiveRoles%20eq%20%22admin%22";
    assert_eq!(h.idp.get(q).await.code, 400);
    let drop = patch(json!([{"op": "remove", "path": "roles"}]));
    expect(
        &h.idp.patch(&format!("/Users/{bob}"), &drop).await,
        200,
        "drop",
    );
    let (mut seen, ev) = role_events(&h, 0).await;
    assert!(ev.is_empty(), "{ev:?}");

    // The first mapping recomputes every user (the extension appears);
    // only those whose set is not empty get an event.
    let t = h.tenant("default").await;
    let roles = Roles::new(&t);
    let done = roles
        .map(by_name("engineering", "developer"))
        .await
        .unwrap();
    assert_eq!((done.recomputed, done.users_changed), (2, 1));
    assert_eq!(roles_of(&h, &alice).await, vec!["developer"]);
    assert_eq!(roles_of(&h, &bob).await, Vec::<String>::new());
    assert_eq!(holders(&h, "developer").await, 1);
    let (s, ev) = role_events(&h, seen).await;
    assert_eq!(ev, vec![(alice.clone(), json!(["developer"]), json!([]))]);
    seen = s;
    // Mapping it again changes nothing.
    assert!(
        !roles
            .map(by_name("Engineering", "developer"))
            .await
            .unwrap()
            .changed
    );

    // Adding bob to the inner group: one event for bob.
    let add = patch(json!([{"op": "add", "path": "members", "value": [{"value": bob}]}]));
    expect(
        &h.idp.patch(&format!("/Groups/{inner}"), &add).await,
        200,
        "add bob",
    );
    let (s, ev) = role_events(&h, seen).await;
    assert_eq!(ev, vec![(bob.clone(), json!(["developer"]), json!([]))]);
    seen = s;

    // The user's own roles count too; removing the membership loses only
    // the group's role.
    let own = patch(json!([{"op": "add", "path": "roles", "value": [{"value": "admin"}]}]));
    let a = h.idp.patch(&format!("/Users/{alice}"), &own).await;
    expect(&a, 200, "own roles");
    assert_eq!(a.body[URN]["effectiveRoles"], json!(["admin", "developer"]));
    let (s, ev) = role_events(&h, seen).await;
    assert_eq!(ev, vec![(alice.clone(), json!(["admin"]), json!([]))]);
    seen = s;
    let remove = patch(json!([{"op": "remove", "path": format!("members[value eq \"{alice}\"]")}]));
    expect(
        &h.idp.patch(&format!("/Groups/{inner}"), &remove).await,
        200,
        "remove alice",
    );
    let (s, ev) = role_events(&h, seen).await;
    assert_eq!(ev, vec![(alice.clone(), json!([]), json!(["developer"]))]);
    seen = s;
    assert_eq!(roles_of(&h, &alice).await, vec!["admin"]);

    // A PUT of the user keeps what it had and recomputes from what it sends.
    let put = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "alice", "roles": [{"value": "admin"}]});
    expect(
        &h.idp.put(&format!("/Users/{alice}"), &put).await,
        200,
        "put",
    );
    let (s, ev) = role_events(&h, seen).await;
    assert!(ev.is_empty(), "{ev:?}");
    seen = s;

    // Renaming the mapped group loses the role; renaming it back gains it.
    let rename = |n: &str| patch(json!([{"op": "replace", "path": "displayName", "value": n}]));
    expect(
        &h.idp
            .patch(&format!("/Groups/{outer}"), &rename("Eng"))
            .await,
        200,
        "rename",
    );
    let (s, ev) = role_events(&h, seen).await;
    assert_eq!(ev, vec![(bob.clone(), json!([]), json!(["developer"]))]);
    seen = s;
    expect(
        &h.idp
            .patch(&format!("/Groups/{outer}"), &rename("Engineering"))
            .await,
        200,
        "back",
    );
    let (s, ev) = role_events(&h, seen).await;
    assert_eq!(ev, vec![(bob.clone(), json!(["developer"]), json!([]))]);
    seen = s;

    // Deleting the inner group loses it; unmapping changes no one left.
    expect(
        &h.idp.delete(&format!("/Groups/{inner}")).await,
        204,
        "delete group",
    );
    let (s, ev) = role_events(&h, seen).await;
    assert_eq!(ev, vec![(bob.clone(), json!([]), json!(["developer"]))]);
    seen = s;
    // A client cannot write effective roles.
    let write =
        patch(json!([{"op": "add", "path": format!("{URN}:effectiveRoles"), "value": ["x"]}]));
    let a = h.idp.patch(&format!("/Users/{bob}"), &write).await;
    assert_eq!(a.code, 400, "{}", a.body);
    assert_eq!(roles.refresh().await.unwrap().users_changed, 0);
    // The last mapping gone: every user loses the attribute (alice her
    // own role), and the extension is gone.
    let done = roles
        .unmap(by_name("Engineering", "developer"))
        .await
        .unwrap();
    assert_eq!((done.recomputed, done.users_changed), (2, 1));
    let (_, ev) = role_events(&h, seen).await;
    assert_eq!(ev, vec![(alice.clone(), json!([]), json!(["admin"]))]);
    let a = h.idp.get(&format!("/Users/{alice}")).await;
    assert!(a.body.get(URN).is_none(), "{}", a.body);
    let schemas = a.body["schemas"].to_string();
    assert!(!schemas.contains(URN), "{schemas}");
    assert_eq!(h.idp.get(q).await.code, 400);
    assert_eq!(roles.refresh().await.unwrap().users_changed, 0);
}
