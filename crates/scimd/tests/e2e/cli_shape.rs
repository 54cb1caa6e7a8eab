//! The command line's conventions: every list and show command's `--json`
//! parses, secrets come from files, a closed pipe ends a command quietly,
//! and completions, the manual page and `--help` come from the same
//! definitions.

use crate::server::*;
use serde_json::{json, Value};
use std::process::{Command, Stdio};

/// Runs `scimd ARGS --json` on `s`'s database; returns its stdout.
fn json_out(s: &Server, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.push("--json");
    s.cli_ok(&all)
}

/// A list: one JSON object per line.
fn lines(s: &Server, args: &[&str]) -> Vec<Value> {
    json_out(s, args)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("scimd {args:?}: {e}: {l}"))
        })
        .inspect(|v| assert!(v.is_object(), "scimd {args:?}: {v}"))
        .collect()
}

/// A show: one JSON document.
fn document(s: &Server, args: &[&str]) -> Value {
    let out = json_out(s, args);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("scimd {args:?}: {e}: {out}"))
}

#[test]
fn every_list_and_show_prints_json() {
    let s = Server::start();
    let user = s.create_user("jo@example.com");
    let group = s.create_group("staff", &[&user]);
    s.cli_ok(&[
        "connection",
        "create",
        "--tenant",
        "default",
        "okta",
        "--profile",
        "okta",
        "--delete",
        "soft-delete",
    ]);
    let okta = s.token_for("default", "okta");
    let gone = s.post(
        "/Users",
        &json!({"schemas": [USER], "userName": "gone@example.com"}),
    );
    let gone = gone.body["id"].as_str().unwrap().to_string();
    assert_eq!(
        s.req_as(&okta, "DELETE", &format!("/Users/{gone}"), None)
            .status,
        204
    );
    let hook = s.cli_ok(&[
        "webhook",
        "create",
        "--tenant",
        "default",
        "--url",
        "http://127.0.0.1:9/hook",
        "--allow-private",
    ]);
    let secret = hook.lines().last().unwrap().to_string();
    let id = hook.split_whitespace().nth(1).unwrap().to_string();
    let (ok, _) = s.admin_create(&["viewer1", "--role", "viewer"], "a long enough password");
    assert!(ok);

    let tenants = lines(&s, &["tenant", "list"]);
    assert_eq!(tenants[0]["name"], "default");
    let shown = document(&s, &["tenant", "show", "default"]);
    assert_eq!(shown["name"], "default");
    assert!(shown["seats"]["used"].is_u64(), "{shown}");
    assert!(shown["settings"].is_object(), "{shown}");
    let tokens = lines(&s, &["token", "list", "--tenant", "default"]);
    assert_eq!(tokens.len(), 2);
    let text = json_out(&s, &["token", "list", "--tenant", "default"]);
    assert!(
        !text.contains(&s.token) && !text.contains(&okta),
        "no secrets"
    );
    let connections = lines(&s, &["connection", "list", "--tenant", "default"]);
    let okta_row = connections.iter().find(|c| c["name"] == "okta").unwrap();
    assert_eq!(okta_row["delete"], "soft-delete");
    assert_eq!(okta_row["profile"], "okta");
    let users = lines(&s, &["user", "list", "--tenant", "default"]);
    assert!(users.iter().any(|u| u["id"] == user.as_str()), "{users:?}");
    let one = document(&s, &["user", "show", "--tenant", "default", &user]);
    assert_eq!(one["userName"], "jo@example.com");
    let g = document(
        &s,
        &[
            "user", "show", "--tenant", "default", "--kind", "group", &group,
        ],
    );
    assert_eq!(g["displayName"], "staff");
    let trash = lines(&s, &["trash", "list", "--tenant", "default"]);
    assert_eq!(trash[0]["id"], gone.as_str());
    let hooks = lines(&s, &["webhook", "list", "--tenant", "default"]);
    assert_eq!(hooks[0]["id"].to_string(), id);
    assert!(!json_out(&s, &["webhook", "list", "--tenant", "default"]).contains(&secret));
    let dead = lines(&s, &["webhook", "dead-letters", "--tenant", "default", &id]);
    assert!(dead.is_empty());
    let admins = lines(&s, &["admin", "list"]);
    assert_eq!(admins[0]["username"], "viewer1");
    assert_eq!(admins[0]["role"], "viewer");
    let audit = lines(&s, &["audit", "--tenant", "default"]);
    assert!(!audit.is_empty());
}

#[test]
fn secrets_come_from_files() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let url_file = dir.path().join("database-url");
    std::fs::write(&url_file, format!("{}\n", s.db_url())).unwrap();
    let url_file = url_file.to_str().unwrap();
    for (args, env) in [
        (vec!["tenant", "list", "--database-file", url_file], None),
        (
            vec!["tenant", "list"],
            Some(("SCIMD_DATABASE_URL_FILE", url_file)),
        ),
    ] {
        let mut cmd = Command::new(bin());
        cmd.args(&args).env_remove("SCIMD_DATABASE_URL");
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("default"));
    }
    // Both a URL and its file: refused, without echoing either.
    let out = Command::new(bin())
        .args([
            "tenant",
            "list",
            "--database-file",
            url_file,
            "--database",
            "x.db",
        ])
        .env_remove("SCIMD_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not both") && !err.contains(&s.db_url()),
        "{err}"
    );
    // An admin's password from a file.
    let pw = dir.path().join("password");
    std::fs::write(&pw, "correct horse battery\n").unwrap();
    let out = s.cli_ok(&[
        "admin",
        "create",
        "filed",
        "--role",
        "super",
        "--password-file",
        pw.to_str().unwrap(),
    ]);
    assert!(out.contains("Created admin"), "{out}");
}

/// `scimd token list | head -1`: the reader is gone before scimd writes.
#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let s = Server::start();
    for args in [
        &["token", "list", "--tenant", "default"][..],
        &["tenant", "list", "--json"][..],
        &["completions", "bash"][..],
    ] {
        let mut child = Command::new(bin())
            .args(args)
            .args(["--database", &s.db_url()])
            .env_remove("SCIMD_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {err}", out.status);
        assert!(err.is_empty(), "{args:?}: {err}");
    }
}

#[test]
fn help_completions_and_manual_come_from_one_definition() {
    let run = |args: &[&str]| {
        let out = Command::new(bin()).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let help = run(&["--help"]);
    assert!(help.contains("SCIM 2.0 provisioning server"), "{help}");
    assert!(help.contains("--tenant T"), "{help}");
    let create = run(&["connection", "create", "--help"]);
    for value in ["soft-delete", "acknowledge", "exclusive", "onelogin"] {
        assert!(create.contains(value), "{value} missing from\n{create}");
    }
    let version = run(&["--version"]);
    assert!(
        version.starts_with(&format!("scimd {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef scimd"),
        ("fish", "complete -c scimd"),
    ] {
        let script = run(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: {script}");
        assert!(script.contains("soft-delete"), "{shell} completes values");
    }
    let man = run(&["man"]);
    assert!(man.contains(".TH scimd 1"), "{man}");
    assert!(man.contains("tenant"), "{man}");
    // A value outside the set is refused by the parser, listing the set.
    let out = Command::new(bin())
        .args([
            "connection",
            "create",
            "--tenant",
            "default",
            "x",
            "--delete",
            "erase",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("possible values: delete, soft-delete, disable"),
        "{err}"
    );
}
