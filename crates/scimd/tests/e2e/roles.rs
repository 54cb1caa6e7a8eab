//! Roles from groups end to end (issue 18 item 4, `docs/roles.md`): a
//! mapping made with `scimd role map` while the server runs; a user in a
//! group nested in the mapped one, provisioned over SCIM, carries the role
//! in `effectiveRoles` and is found by `effectiveRoles eq`; removing its
//! membership emits exactly one roles event on the change feed, with the
//! role lost; the admin API lists the mapping; `role list|unmap` on the
//! command line. The roles extension is there only while the tenant maps
//! roles: not before the first mapping, gone after the last unmap.

use crate::server::*;
use serde_json::{json, Value};

const ROLES: &str = "urn:scimd:params:scim:schemas:extension:roles:2.0:User";
const ROLES_EVENT: &str = "urn:scimd:event:roles";
const PW: &str = "an admin password";

fn effective(s: &Server, id: &str) -> Value {
    let r = s.get(&format!("/Users/{id}"));
    assert_eq!(r.status, 200, "{}", r.text);
    r.body[ROLES]["effectiveRoles"].clone()
}

/// Whether the tenant's queue of recomputations empties (the server ran
/// what the command line queued).
fn wait_for_queue(s: &Server) -> bool {
    crate::receiver::wait_for(30, || {
        let (ok, _, err) = s.cli(&["role", "list", "--tenant", "default"]);
        ok && !err.contains("queued")
    })
}

/// The feed's cursor now (after every event so far).
fn cursor(s: &Server) -> String {
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let path = match &cursor {
            Some(c) => format!("/Events?count=1000&cursor={c}"),
            None => "/Events?count=1000".to_string(),
        };
        let r = s.get(&path);
        assert_eq!(r.status, 200, "{}", r.text);
        if let Some(c) = r.body["cursor"].as_str() {
            cursor = Some(c.to_string());
        }
        if r.body["moreAvailable"] != true {
            break;
        }
    }
    cursor.unwrap_or_default()
}

/// The roles events after `cursor`: (the SET's subject URI, its payload).
fn roles_events(s: &Server, cursor: &str) -> Vec<(String, Value)> {
    let r = s.get(&format!("/Events?count=1000&cursor={cursor}"));
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|set| {
            let payload = set["events"].get(ROLES_EVENT)?;
            Some((
                set["sub_id"]["uri"].as_str().unwrap_or("").to_string(),
                payload.clone(),
            ))
        })
        .collect()
}

/// Whether the roles extension is published and declared on User.
fn published(s: &Server) -> bool {
    let schema = s.get(&format!("/Schemas/{ROLES}")).status == 200;
    let rt = s.get("/ResourceTypes/User");
    let declared = rt.body["schemaExtensions"].to_string().contains(ROLES);
    assert_eq!(schema, declared, "{}", rt.body);
    schema
}

#[test]
fn nested_group_roles_end_to_end() {
    let s = Server::start();
    // No mapping: no extension, no effectiveRoles, not filterable.
    let carol = s.create_user("carol");
    let r = s.patch(
        &format!("/Users/{carol}"),
        json!([{"op": "add", "path": "roles", "value": [{"value": "admin"}]}]),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!published(&s));
    assert!(r.body.get(ROLES).is_none(), "{}", r.body);
    let q = "/Users?filter=effectiveRoles%20eq%20%22admin%22";
    assert_error(&s.get(q), 400, Some("invalidFilter"));

    let out = s.cli_ok(&[
        "role",
        "map",
        "--tenant",
        "default",
        "--group",
        "Engineering",
        "--role",
        "developer",
    ]);
    assert!(out.contains("give role \"developer\""), "{out}");
    // The first mapping: the extension appears; the command line queued
    // the recomputation of every user, which the running server does.
    assert!(
        out.contains("recomputes the users' effective roles in the background"),
        "{out}"
    );
    assert!(published(&s));
    assert!(
        crate::receiver::wait_for(30, || effective(&s, &carol) == json!(["admin"])),
        "{}",
        s.get(&format!("/Users/{carol}")).text
    );
    assert!(wait_for_queue(&s));

    // A user in "Backend", itself a member of "Engineering".
    let alice = s.create_user("alice");
    let bob = s.create_user("bob");
    let backend = s.create_group("Backend", &[&alice]);
    let engineering = s.create_group("Engineering", &[&backend]);
    assert_eq!(effective(&s, &alice), json!(["developer"]));
    assert!(effective(&s, &bob).is_null());
    let r = s.get(&format!("/Users/{alice}"));
    assert!(r.body["schemas"].to_string().contains(ROLES), "{}", r.body);

    // Filterable.
    let q = "/Users?filter=effectiveRoles%20eq%20%22developer%22";
    let found = s.get(q);
    assert_eq!(found.status, 200, "{}", found.text);
    assert_eq!(found.body["totalResults"], 1, "{}", found.body);
    assert_eq!(found.body["Resources"][0]["id"], alice.as_str());

    // Read-only.
    let r = s.patch(
        &format!("/Users/{bob}"),
        json!([{"op": "add", "path": format!("{ROLES}:effectiveRoles"), "value": ["x"]}]),
    );
    assert_error(&r, 400, Some("mutability"));

    // Removing the membership: exactly one roles event, the role lost.
    let from = cursor(&s);
    let r = s.patch(
        &format!("/Groups/{backend}"),
        json!([{"op": "remove", "path": format!("members[value eq \"{alice}\"]")}]),
    );
    assert!(r.status == 200 || r.status == 204, "{}", r.text);
    let events = roles_events(&s, &from);
    assert_eq!(events.len(), 1, "{events:?}");
    let (sub, payload) = &events[0];
    assert_eq!(sub, &format!("/Users/{alice}"));
    assert_eq!(payload["lost"], json!(["developer"]), "{payload}");
    assert_eq!(payload["gained"], json!([]), "{payload}");
    assert!(effective(&s, &alice).is_null());
    let found = s.get(q);
    assert_eq!(found.body["totalResults"], 0, "{}", found.body);

    // The mapping, listed by the command line and by the admin API.
    let listed = s.cli_ok(&["role", "list", "--tenant", "default", "--json"]);
    let row: Value = serde_json::from_str(listed.lines().next().unwrap()).unwrap();
    let mapping = json!({"by": "displayName", "group": "Engineering", "role": "developer"});
    assert_eq!(row, mapping);
    let (ok, out) = s.admin_create(&["root", "--role", "super"], PW);
    assert!(ok, "{out}");
    let origin = s.base.trim_end_matches("/scim/v2").to_string();
    let login = s.raw(
        "POST",
        &format!("{origin}/admin/api/login"),
        Some(json!({"username": "root", "password": PW}).to_string()),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(login.status, 200, "{}", login.text);
    let cookie = login.header("set-cookie").unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let api = s.raw(
        "GET",
        &format!("{origin}/admin/api/tenants/default/roles"),
        None,
        &[("Cookie", &cookie)],
    );
    assert_eq!(api.status, 200, "{}", api.text);
    assert_eq!(api.body, json!([mapping]));

    // Unmapping recomputes: a member of Engineering directly loses the role.
    let r = s.patch(
        &format!("/Groups/{engineering}"),
        json!([{"op": "add", "path": "members", "value": [{"value": bob}]}]),
    );
    assert!(r.status == 200 || r.status == 204, "{}", r.text);
    assert_eq!(effective(&s, &bob), json!(["developer"]));
    let from = cursor(&s);
    let out = s.cli_ok(&[
        "role",
        "unmap",
        "--now",
        "--tenant",
        "default",
        "--group",
        "engineering",
        "--role",
        "developer",
    ]);
    // The last mapping gone: every user recomputed, the extension gone.
    assert!(out.contains("3 users recomputed, 2 changed"), "{out}");
    // Done here and now: nothing left queued for the server.
    let (ok, _, err) = s.cli(&["role", "list", "--tenant", "default"]);
    assert!(ok && !err.contains("queued"), "{err}");
    assert!(effective(&s, &bob).is_null());
    assert!(effective(&s, &carol).is_null());
    let events = roles_events(&s, &from);
    assert_eq!(events.len(), 2, "{events:?}");
    let lost: Vec<_> = events.iter().map(|e| e.1["lost"].clone()).collect();
    assert!(lost.contains(&json!(["developer"])), "{events:?}");
    assert!(lost.contains(&json!(["admin"])), "{events:?}");
    assert!(!published(&s));
    let r = s.get(&format!("/Users/{carol}"));
    assert!(!r.text.contains(ROLES), "{}", r.text);
    assert_error(&s.get(q), 400, Some("invalidFilter"));
    let listed = s.cli_ok(&["role", "list", "--tenant", "default", "--json"]);
    assert!(listed.trim().is_empty(), "{listed}");
}
