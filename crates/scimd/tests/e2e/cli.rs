//! The command line: tenants and tokens.

use crate::server::*;

#[test]
fn tenants_and_tokens_from_the_cli() {
    let s = Server::start();
    let (ok, out, _) = s.cli(&["tenant", "create", "acme"]);
    assert!(ok, "{out}");
    let (ok, _, err) = s.cli(&["tenant", "create", "acme"]);
    assert!(!ok && err.contains("exists"), "{err}");
    let (ok, _, err) = s.cli(&["tenant", "create", "bad name!"]);
    assert!(!ok && err.contains("invalid tenant name"), "{err}");
    let (_, out, _) = s.cli(&["tenant", "list"]);
    assert!(out.contains("acme") && out.contains("default"));
    let (ok, out, _) = s.cli(&["token", "create", "--tenant", "acme", "--name", "entra"]);
    assert!(ok);
    let token = out.lines().last().unwrap();
    assert!(token.starts_with("scimd_") && token.len() >= 40, "{token}");
    let (_, list, _) = s.cli(&["token", "list", "--tenant", "acme"]);
    assert!(list.contains("entra"));
    assert!(!list.contains(token), "a listing never shows the secret");
    let (ok, _, err) = s.cli(&["token", "create", "--tenant", "nope"]);
    assert!(!ok && err.contains("no tenant"), "{err}");
    let (ok, _, err) = s.cli(&[
        "token",
        "create",
        "--tenant",
        "acme",
        "--connection",
        "okta",
    ]);
    assert!(!ok && err.contains("no connection"), "{err}");
    let (ok, out, _) = s.cli(&["migrate"]);
    assert!(ok && out.contains("schema version"), "{out}");
}
