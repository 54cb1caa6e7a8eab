//! Admin accounts end to end: `scimd admin disable|enable|passwd|
//! revoke-sessions|delete USERNAME` against a running server end the account's
//! sessions and govern its sign-in; a super-admin does the same over the
//! admin API (not to itself); every change is in the tenant's audit log.

use crate::server::*;
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};

const PW: &str = "an admin password";
const NEW: &str = "a new admin password";

fn origin(s: &Server) -> String {
    s.base.trim_end_matches("/scim/v2").to_string()
}

/// Signs in over the API: the cookie pair and CSRF token, or the status.
fn login(s: &Server, user: &str, password: &str) -> Result<(String, String), u16> {
    let r = s.raw(
        "POST",
        &format!("{}/admin/api/login", origin(s)),
        Some(json!({"username": user, "password": password}).to_string()),
        &[("Content-Type", "application/json")],
    );
    if r.status != 200 {
        return Err(r.status);
    }
    let cookie = r.header("set-cookie").unwrap().split(';').next().unwrap();
    Ok((
        cookie.to_string(),
        r.body["csrfToken"].as_str().unwrap().to_string(),
    ))
}

fn call(
    s: &Server,
    session: &(String, String),
    method: &str,
    path: &str,
    body: Option<Value>,
) -> Resp {
    s.raw(
        method,
        &format!("{}/admin/api{path}", origin(s)),
        body.map(|b| b.to_string()),
        &[
            ("Content-Type", "application/json"),
            ("Cookie", &session.0),
            ("X-CSRF-Token", &session.1),
        ],
    )
}

fn signed_in(s: &Server, session: &(String, String)) -> bool {
    call(s, session, "GET", "/me", None).status == 200
}

/// `scimd admin passwd USERNAME` with the password on stdin.
fn passwd(s: &Server, user: &str, password: &str) {
    let mut child = Command::new(bin())
        .args(["admin", "passwd", user, "--password-stdin"])
        .args(["--database", &s.db_url()])
        .env_remove("SCIMD_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn operators_and_super_admins_manage_accounts() {
    let s = Server::start();
    for args in [
        &["root", "--role", "super"][..],
        &["bob", "--role", "owner", "--tenant", "default"][..],
        &["carol", "--role", "super"][..],
    ] {
        assert!(s.admin_create(args, PW).0);
    }
    let bob = login(&s, "bob", PW).unwrap();
    assert!(signed_in(&s, &bob));

    // The operator, on the command line.
    let out = s.cli_ok(&["admin", "disable", "bob"]);
    assert!(out.contains("disabled"), "{out}");
    assert!(!signed_in(&s, &bob), "disabling ends sessions at once");
    assert_eq!(login(&s, "bob", PW), Err(401));
    let bob_line = || {
        s.cli_ok(&["admin", "list"])
            .lines()
            .find(|l| l.starts_with("bob\t"))
            .unwrap()
            .to_string()
    };
    assert!(!bob_line().ends_with("\tdisabled=-"), "{}", bob_line());
    s.cli_ok(&["admin", "enable", "bob"]);
    assert!(bob_line().ends_with("\tdisabled=-"), "{}", bob_line());
    let bob = login(&s, "bob", PW).unwrap();
    passwd(&s, "bob", NEW);
    assert!(!signed_in(&s, &bob), "a new password ends sessions");
    assert_eq!(login(&s, "bob", PW), Err(401));
    let bob = login(&s, "bob", NEW).unwrap();
    let out = s.cli_ok(&["admin", "revoke-sessions", "bob"]);
    assert!(out.contains("1 session(s) ended"), "{out}");
    assert!(!signed_in(&s, &bob));
    let (ok, _, err) = s.cli(&["admin", "disable", "nobody"]);
    assert!(!ok && err.contains("no admin account"), "{err}");
    // `--json` says who is disabled; a password may come from a file.
    s.cli_ok(&["admin", "disable", "carol"]);
    let listed = s.cli_ok(&["admin", "list", "--json"]);
    let disabled: Vec<(String, bool)> = listed
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|a| {
            let name = a["username"].as_str().unwrap().to_string();
            (name, a["disabled"].is_string())
        })
        .collect();
    assert_eq!(
        disabled,
        [
            ("bob".to_string(), false),
            ("carol".to_string(), true),
            ("root".to_string(), false)
        ],
        "{listed}"
    );
    s.cli_ok(&["admin", "enable", "carol"]);
    let file = s.dir.path().join("carol-password");
    std::fs::write(&file, format!("{NEW}\n")).unwrap();
    let path = file.to_str().unwrap();
    let out = s.cli_ok(&["admin", "passwd", "carol", "--password-file", path]);
    assert!(out.contains("has a new password"), "{out}");
    assert_eq!(login(&s, "carol", PW), Err(401));
    let carol = login(&s, "carol", NEW).unwrap();
    assert!(signed_in(&s, &carol));

    // A super-admin, over the API.
    let root = login(&s, "root", PW).unwrap();
    let list = call(&s, &root, "GET", "/admins", None);
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.body.as_array().unwrap().len(), 3);
    assert!(list.text.find("password").is_none(), "{}", list.text);
    let r = call(
        &s,
        &root,
        "PUT",
        "/admins/carol/active",
        Some(json!({"active": false})),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(!signed_in(&s, &carol));
    assert_eq!(login(&s, "carol", NEW), Err(401));
    assert_eq!(call(&s, &root, "DELETE", "/admins/root", None).status, 409);
    let bob = login(&s, "bob", NEW).unwrap();
    assert_eq!(
        call(&s, &bob, "GET", "/admins", None).status,
        403,
        "owners manage no accounts"
    );
    assert_eq!(
        call(&s, &bob, "DELETE", "/admins/root/sessions", None).status,
        403
    );
    let r = call(
        &s,
        &root,
        "PUT",
        "/admins/bob/password",
        Some(json!({"password": "short"})),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(call(&s, &root, "DELETE", "/admins/bob", None).status, 200);
    assert!(!signed_in(&s, &bob));
    assert_eq!(login(&s, "bob", NEW), Err(401));

    // Audited in the tenant's log, naming who did it (none: the command line).
    let audit = call(&s, &root, "GET", "/tenants/default/audit?limit=50", None);
    let entries: Vec<(String, String, Value)> = audit.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resourceType"] == "Admin")
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["resourceId"].as_str().unwrap().to_string(),
                e["admin"].clone(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("admin-delete".into(), "bob".into(), json!("root")),
            ("admin-disable".into(), "carol".into(), json!("root")),
            ("admin-password".into(), "carol".into(), Value::Null),
            ("admin-enable".into(), "carol".into(), Value::Null),
            ("admin-disable".into(), "carol".into(), Value::Null),
            ("admin-revoke-sessions".into(), "bob".into(), Value::Null),
            ("admin-password".into(), "bob".into(), Value::Null),
            ("admin-enable".into(), "bob".into(), Value::Null),
            ("admin-disable".into(), "bob".into(), Value::Null),
        ],
        "{}",
        audit.text
    );
}
