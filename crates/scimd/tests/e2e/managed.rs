//! Managed resources through the CLI and the admin API: a group a SCIM
//! connection created is read-only to local administration until an admin
//! unmanages it (audited); the admin API shows a user's `lastSyncedBy` and
//! the tenant's seats.

use crate::policies::{audit_entries, audited};
use crate::server::*;
use serde_json::{json, Value};

const PW: &str = "a managed-test password";

/// An admin API session of a new super-admin.
struct Admin<'a> {
    s: &'a Server,
    cookie: String,
    csrf: String,
}

impl Admin<'_> {
    fn sign_in(s: &Server) -> Admin<'_> {
        let (ok, out) = s.admin_create(&["root", "--role", "super"], PW);
        assert!(ok, "{out}");
        let r = s.raw(
            "POST",
            &format!("{}/login", api(s)),
            Some(json!({"username": "root", "password": PW}).to_string()),
            &[("Content-Type", "application/json")],
        );
        assert_eq!(r.status, 200, "{}", r.text);
        Admin {
            s,
            cookie: r
                .header("set-cookie")
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_string(),
            csrf: r.body["csrfToken"].as_str().unwrap().to_string(),
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.s.raw(
            method,
            &format!("{}{path}", api(self.s)),
            body.map(|b| b.to_string()),
            &[
                ("Content-Type", "application/json"),
                ("Cookie", &self.cookie),
                ("X-CSRF-Token", &self.csrf),
            ],
        )
    }
}

fn api(s: &Server) -> String {
    format!("{}/admin/api", s.base.trim_end_matches("/scim/v2"))
}

#[test]
fn managed_groups_are_read_only_locally() {
    let s = Server::start();
    let admin = Admin::sign_in(&s);
    let member = s.create_user("gm@example.com");
    let g = s.create_group("Managed", &[&member]);
    let (ok, _, err) = s.cli(&[
        "user", "delete", "--tenant", "default", "--kind", "group", &g,
    ]);
    assert!(
        !ok && err.contains("Group") && err.contains("managed by \"default\" through SCIM"),
        "{err}"
    );
    let path = format!("/tenants/default/groups/{g}");
    let r = admin.call("DELETE", &path, None);
    assert_eq!(r.status, 403, "{}", r.text);
    assert!(
        r.body["detail"].as_str().unwrap().contains("unmanage"),
        "{}",
        r.text
    );
    let r = admin.call("GET", &path, None);
    assert_eq!(r.body["managed"], true, "{}", r.text);
    assert_eq!(s.get(&format!("/Groups/{g}")).status, 200);

    s.cli_ok(&[
        "user", "unmanage", "--tenant", "default", "--kind", "group", &g,
    ]);
    let entry = audited(&audit_entries(&s), "unmanage", Some(&g));
    assert_eq!(entry["resourceType"], "Group");
    let r = admin.call("GET", &path, None);
    assert_eq!(r.body["managed"], false, "{}", r.text);
    let r = admin.call("DELETE", &path, None);
    assert!(r.status == 200 || r.status == 204, "{}", r.text);
    assert_error(&s.get(&format!("/Groups/{g}")), 404, None);
}

#[test]
fn the_admin_api_shows_last_synced_by_and_seats() {
    let s = Server::start();
    let admin = Admin::sign_in(&s);
    s.cli_ok(&["tenant", "set", "default", "--seat-limit", "3"]);
    s.cli_ok(&["connection", "create", "--tenant", "default", "okta"]);
    let okta = s.token_for("default", "okta");
    let id = s.create_user("synced@example.com");
    s.create_user("second@example.com");
    let r = s.req_as(
        &okta,
        "PATCH",
        &format!("/Users/{id}"),
        Some(&json!({"schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "title", "value": "Lead"}]})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = admin.call("GET", &format!("/tenants/default/users/{id}"), None);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (&r.body["provisionedBy"], &r.body["lastSyncedBy"]),
        (&json!("default"), &json!("okta")),
        "{}",
        r.text
    );
    let r = admin.call("GET", "/tenants/default/seats", None);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"used": 2, "limit": 3}));
}
