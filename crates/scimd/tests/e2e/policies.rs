//! Provisioning policies where a process matters: what the command line
//! sets and prints, and what a client sees over HTTP. The rules themselves
//! (ownership, provenance, token caps and rotation, deactivation and
//! delete policies, the trash, seats, adoption, managed resources, group
//! name uniqueness) are tested at the service boundary
//! (`crates/scim-service/tests/service/policies.rs`); here: one smoke of
//! them through `scimd` and HTTP, and the import of files.

use crate::server::*;
use serde_json::{json, Value};

fn user_body(name: &str, active: bool) -> Value {
    json!({"schemas": [USER], "userName": name, "active": active})
}

/// The tenant's audit entries, newest first, as `scimd audit --json` prints them.
pub(crate) fn audit_entries(s: &Server) -> Vec<Value> {
    s.cli_ok(&["audit", "--tenant", "default", "--json", "--limit", "1000"])
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Policies set from the command line reach an IdP's requests: a
/// connection's profile and exclusive ownership (403 with a SCIM error for
/// another connection), provenance when asked for by name, the trash with
/// `trash purge --at`, the seat limit, the group-name setting's values,
/// rotation printing the new token, and a deleted connection's token.
#[test]
fn policies_over_http_and_the_cli() {
    let s = Server::start();
    s.cli_ok(&[
        "connection",
        "create",
        "--tenant",
        "default",
        "entra",
        "--profile",
        "entra",
        "--ownership",
        "exclusive",
        "--delete",
        "soft-delete",
    ]);
    s.cli_ok(&[
        "connection",
        "create",
        "--tenant",
        "default",
        "okta",
        "--profile",
        "okta",
    ]);
    let list = s.cli_ok(&["connection", "list", "--tenant", "default"]);
    assert!(
        list.contains("entra\tprofile=entra") && list.contains("ownership=exclusive"),
        "{list}"
    );
    let entra = s.token_for("default", "entra");
    let okta = s.token_for("default", "okta");
    let r = s.req_as(
        &entra,
        "POST",
        "/Users",
        Some(&user_body("ann@example.com", true)),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/Users/{id}");
    let off = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": false}]});
    let r = s.req_as(&okta, "PATCH", &path, Some(&off));
    assert_error(&r, 403, None);
    let r = s.req_as(
        &entra,
        "GET",
        &format!("{path}?attributes=userName,{PROVENANCE}"),
        None,
    );
    assert_eq!(r.body[PROVENANCE]["provisionedBy"], "entra", "{}", r.text);

    // Soft-deleted, listed in the trash, purged by the command line at a
    // time past its retention.
    assert_eq!(s.req_as(&entra, "DELETE", &path, None).status, 204);
    let trash = s.cli_ok(&["trash", "list", "--tenant", "default"]);
    assert!(
        trash.contains(&id) && trash.contains("ann@example.com"),
        "{trash}"
    );
    let out = s.cli_ok(&["trash", "purge"]);
    assert!(out.contains("purged 0"), "{out}");
    let out = s.cli_ok(&["trash", "purge", "--at", "2999-01-01T00:00:00Z"]);
    assert!(out.contains("purged 1"), "{out}");

    // The seat limit, set and shown by the command line.
    s.cli_ok(&["tenant", "set", "default", "--seat-limit", "1"]);
    assert_eq!(
        s.post("/Users", &user_body("a@example.com", true)).status,
        201
    );
    assert_error(
        &s.post("/Users", &user_body("b@example.com", true)),
        403,
        None,
    );
    let out = s.cli_ok(&["tenant", "show", "default"]);
    assert!(out.contains("seats: 1 used of 1"), "{out}");
    let (ok, _, err) = s.cli(&["tenant", "set", "default", "--unique-group-names", "maybe"]);
    assert!(
        !ok && err.contains("possible values: true, false, default"),
        "{err}"
    );

    // Rotation prints the new token last; the old one stops at once.
    let out = s.cli_ok(&[
        "token",
        "rotate",
        "--tenant",
        "default",
        "--connection",
        "okta",
    ]);
    let new = out.lines().last().unwrap().to_string();
    assert_error(&s.req_as(&okta, "GET", "/Users", None), 401, None);
    assert_eq!(s.req_as(&new, "GET", "/Users", None).status, 200);
    // Deleting a connection revokes its tokens.
    s.cli_ok(&["connection", "delete", "--tenant", "default", "okta"]);
    assert_error(&s.req_as(&new, "GET", "/Users", None), 401, None);
    assert!(
        audit_entries(&s).iter().any(|e| e["action"] == "purge"),
        "the purge is audited"
    );
}

#[test]
fn import_accounts_for_every_row() {
    let s = Server::start();
    s.create_user("taken@example.com");
    let file = s.dir.path().join("people.jsonl");
    std::fs::write(
        &file,
        "{\"userName\": \"one@example.com\"}\n\
         {\"userName\": \"taken@example.com\"}\n\
         {\"userName\": 5}\n\
         not json\n\
         {\"userName\": \"two@example.com\", \"active\": false, \"authProvider\": \"google\"}\n",
    )
    .unwrap();
    let (ok, out, err) = s.cli(&["import", "--tenant", "default", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        out.contains("imported 5 rows: 2 created, 1 skipped, 2 failed"),
        "{out}"
    );
    assert!(
        err.contains("1 rows skipped: their userName is taken")
            && err.contains("rows 2")
            && err.contains("row 3: failed")
            && err.contains("row 4: failed"),
        "{err}"
    );
    assert!(
        err.contains("[##############################] 5/5"),
        "{err}"
    );
    let r = s.get(&format!(
        "/Users?filter=userName%20eq%20%22two@example.com%22&attributes={PROVENANCE}"
    ));
    assert_eq!(r.body["Resources"][0][PROVENANCE]["authProvider"], "google");
    let (ok, _, err) = s.cli(&["import", "--tenant", "nope", file.to_str().unwrap()]);
    assert!(!ok && err.contains("no tenant"), "{err}");

    // A JSON array file.
    let file = s.dir.path().join("people.json");
    std::fs::write(
        &file,
        r#"[{"userName": "three@example.com", "name": {"givenName": "Tri"}},
            {"userName": "four@example.com", "authProvider": "saml"},
            ["not", "an", "object"]]"#,
    )
    .unwrap();
    let (ok, out, err) = s.cli(&["import", "--tenant", "default", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(
        out.contains("imported 3 rows: 2 created, 0 skipped, 1 failed"),
        "{out}"
    );
    assert!(
        err.contains("row 3: failed: each entry must be a JSON object"),
        "{err}"
    );
    let r = s.get(&format!(
        "/Users?filter=userName%20eq%20%22four@example.com%22&attributes={PROVENANCE}"
    ));
    assert_eq!(r.body["Resources"][0][PROVENANCE]["authProvider"], "saml");
}

/// A database failure stops an import and says at which row (SQLite: a
/// trigger makes the database fail on one account).
#[test]
fn import_says_where_it_stopped() {
    if on_postgres() {
        eprintln!("note: the failure is injected with a SQLite trigger; skipped on PostgreSQL");
        return;
    }
    let s = Server::start();
    let db = rusqlite::Connection::open(s.db_url()).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    db.execute_batch(
        "CREATE TRIGGER fail_import BEFORE INSERT ON resources
         WHEN NEW.unique_key = 'boom@example.com'
         BEGIN SELECT json('the disk is on fire'); END;",
    )
    .unwrap();
    let file = s.dir.path().join("people.csv");
    std::fs::write(
        &file,
        "userName\nfirst@example.com\nsecond@example.com\nboom@example.com\nnever@example.com\n",
    )
    .unwrap();
    let (ok, out, err) = s.cli(&["import", "--tenant", "default", file.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(
        err.contains("stopped at row 3 of 4")
            && err.contains("(2 created, 0 skipped, 0 failed)")
            && err.contains("re-running skips"),
        "{err}"
    );
    assert!(!out.contains("imported"), "{out}");
    assert_eq!(s.get("/Users").body["totalResults"], 2);
    // Fixed and re-run, it skips what was imported and finishes.
    db.execute_batch("DROP TRIGGER fail_import").unwrap();
    let out = s.cli_ok(&["import", "--tenant", "default", file.to_str().unwrap()]);
    assert!(
        out.contains("imported 4 rows: 2 created, 2 skipped, 0 failed"),
        "{out}"
    );
}
