//! Issue 17's command-line defects: tokens born expired, rotation at the
//! token cap, `admin list` naming a super-admin, `user create` audited as
//! itself, commands that never create a database and name the one they
//! looked at, `serve` checking certificates and ports before it says it
//! listens, and `import` summarising skipped rows.

use crate::server::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn tokens_admins_and_local_users() {
    let s = Server::start();
    let (ok, _, err) = s.cli(&[
        "token",
        "create",
        "--tenant",
        "default",
        "--expires-in-days",
        "0",
    ]);
    assert!(!ok && err.contains("already expired"), "{err}");
    // Rotation at the cap: overlap-free and overlapping.
    s.cli_ok(&[
        "connection",
        "create",
        "--tenant",
        "default",
        "one",
        "--max-tokens",
        "1",
    ]);
    let first = s.token_for("default", "one");
    let (ok, _, err) = s.cli(&[
        "token",
        "create",
        "--tenant",
        "default",
        "--connection",
        "one",
    ]);
    assert!(!ok, "the cap holds for a new token: {err}");
    for overlap in ["0", "2"] {
        let (ok, out, err) = s.cli(&[
            "token",
            "rotate",
            "--tenant",
            "default",
            "--connection",
            "one",
            "--overlap-days",
            overlap,
        ]);
        assert!(ok, "--overlap-days {overlap}: {err}");
        let new = out.lines().last().unwrap().trim().to_string();
        assert_eq!(s.req_as(&new, "GET", "/Users", None).status, 200);
    }
    assert_eq!(s.req_as(&first, "GET", "/Users", None).status, 401);
    // A super-admin is listed as such.
    let (ok, out) = s.admin_create(
        &["root", "--role", "super", "--password-stdin"],
        "correct horse battery",
    );
    assert!(ok, "{out}");
    let list = s.cli_ok(&["admin", "list"]);
    assert!(list.contains("root\trole=super\ttenant=*"), "{list}");
    let json = s.cli_ok(&["admin", "list", "--json"]);
    assert!(json.contains("\"role\":\"super\""), "{json}");
    // `user create` is audited as itself.
    let out = s.cli_ok(&[
        "user",
        "create",
        "--tenant",
        "default",
        "--user-name",
        "carl",
    ]);
    let id = out.trim().rsplit(' ').next().unwrap();
    let audit = s.cli_ok(&["audit", "--tenant", "default", "--user", id, "--json"]);
    assert!(audit.contains("\"path\":\"user create\""), "{audit}");
    assert!(!audit.contains("\"path\":\"import\""), "{audit}");
}

#[test]
fn import_summarises_skipped_rows() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("users.csv");
    let rows: String = (0..30).map(|i| format!("imp{i}@example.com\n")).collect();
    std::fs::write(&csv, format!("userName\n{rows}")).unwrap();
    let file = csv.to_str().unwrap();
    let (ok, out, _) = s.cli(&["import", "--tenant", "default", file]);
    assert!(ok && out.contains("30 created"), "{out}");
    let (ok, out, err) = s.cli(&["import", "--tenant", "default", file]);
    assert!(ok && out.contains("30 skipped"), "{out}");
    assert!(err.contains("30 rows skipped"), "{err}");
    assert!(
        !err.contains("row 1: skipped"),
        "one line per skipped row: {err}"
    );
    assert!(err.lines().count() <= 12, "{err}");
}

/// Runs scimd with `args` and no database in the environment; returns
/// (success, stdout, stderr), killing it if it does not end within 20 s.
fn run(args: &[&str]) -> (bool, String, String) {
    let mut child = Command::new(bin())
        .args(args)
        .env_remove("SCIMD_DATABASE_URL")
        .env_remove("SCIMD_LISTEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "scimd {args:?} did not end: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn commands_never_create_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nope.db");
    let db_s = db.to_str().unwrap();
    for args in [
        vec!["tenant", "list"],
        vec!["tenant", "show", "acme"],
        vec!["token", "create", "--tenant", "acme"],
        vec!["user", "list", "--tenant", "acme"],
        vec!["check"],
    ] {
        let mut all = args.clone();
        all.extend(["--database", db_s]);
        let (ok, out, err) = run(&all);
        assert!(!ok, "{args:?}: {out}");
        assert!(!out.contains("ok"), "{args:?}: {out}");
        assert!(err.contains(db_s), "{args:?} names the database: {err}");
        assert!(!db.exists(), "{args:?} created {db_s}");
    }
    // `migrate` creates it; then other commands name it in their errors.
    let (ok, _, err) = run(&["migrate", "--database", db_s]);
    assert!(ok && db.exists(), "{err}");
    let (ok, _, err) = run(&["tenant", "show", "acme", "--database", db_s]);
    assert!(!ok && err.contains("acme") && err.contains(db_s), "{err}");
}

#[test]
fn serve_checks_certificates_and_ports_before_it_listens() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("scimd.db");
    let db_s = db.to_str().unwrap();
    let missing = dir.path().join("missing.crt");
    let not_pem = dir.path().join("key.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken_s = taken.local_addr().unwrap().to_string();
    let base = ["serve", "--listen", "127.0.0.1:0", "--database", db_s];
    // (extra arguments, words the error must hold)
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--tls-cert",
                missing.to_str().unwrap(),
                "--tls-key",
                not_pem.to_str().unwrap(),
            ],
            "missing.crt",
        ),
        (
            vec![
                "--tls-cert",
                not_pem.to_str().unwrap(),
                "--tls-key",
                not_pem.to_str().unwrap(),
            ],
            "holds no PEM certificate",
        ),
        (vec!["--ops-listen", &taken_s], &taken_s),
        (vec!["--admin-listen", &taken_s], &taken_s),
        (
            vec!["--http-listen", &taken_s, "--http-mode", "refuse"],
            &taken_s,
        ),
    ];
    for (extra, words) in cases {
        let mut args = base.to_vec();
        args.extend(extra.iter().copied());
        let (ok, out, err) = run(&args);
        assert!(!ok, "{extra:?}: {out}");
        assert!(
            !out.contains("listening"),
            "{extra:?} said it listens: {out}"
        );
        assert!(!out.contains(" on http"), "{extra:?}: {out}");
        assert!(err.contains(words), "{extra:?}: {err}");
    }
}
