//! The command line: tenants and tokens, where the configuration comes
//! from, and what the first start prints.

use crate::server::*;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

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

/// Runs `scimd ARGS` in `cwd` with only the given `SCIMD_*` variables set.
fn scimd_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(cwd);
    for (k, _) in std::env::vars() {
        if k.starts_with("SCIMD_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The config file names database A, `SCIMD_DATABASE_URL` names B and
/// `--database` names C: the flag wins over the environment, which wins
/// over the file; with none of them, `./scimd.db` in the working directory.
#[test]
fn database_precedence_flag_environment_file_default() {
    let dir = tempfile::tempdir().unwrap();
    let path = |f: &str| dir.path().join(f);
    let url = |f: &str| format!("sqlite://{}", path(f).display());
    let config = path("scimd.toml");
    std::fs::write(&config, format!("database_url = {:?}\n", url("a.db"))).unwrap();
    let config = config.to_str().unwrap();
    let b = url("b.db");
    let c = url("c.db");
    let env_b = [("SCIMD_DATABASE_URL", b.as_str())];
    let work = tempfile::tempdir().unwrap();
    // (tenant, flags, environment) -> the database file it lands in.
    type Env<'a> = &'a [(&'a str, &'a str)];
    let cases: [(&str, Vec<&str>, Env, &str); 3] = [
        (
            "viaflag",
            vec!["--config", config, "--database", &c],
            &env_b,
            "c.db",
        ),
        ("viaenv", vec!["--config", config], &env_b, "b.db"),
        ("viafile", vec!["--config", config], &[], "a.db"),
    ];
    for (tenant, flags, env, file) in &cases {
        assert!(!path(file).exists(), "{file} exists before {tenant}");
        // Only `migrate` and `serve` create a database.
        let mut args = vec!["tenant", "create", tenant];
        args.extend(flags);
        let (ok, _, err) = scimd_in(work.path(), &args, env);
        assert!(!ok && err.contains(file), "{tenant}: {err}");
        assert!(!path(file).exists(), "{tenant} created {file}");
        let mut migrate = vec!["migrate"];
        migrate.extend(flags);
        let (ok, _, err) = scimd_in(work.path(), &migrate, env);
        assert!(ok, "{tenant}: {err}");
        assert!(
            path(file).exists(),
            "{tenant}: migrate did not create {file}"
        );
        let (ok, _, err) = scimd_in(work.path(), &args, env);
        assert!(ok, "{tenant}: {err}");
        let mut args = vec!["tenant", "list"];
        args.extend(flags);
        let (ok, out, err) = scimd_in(work.path(), &args, env);
        assert!(ok, "{err}");
        for (other, ..) in &cases {
            assert_eq!(out.contains(other), other == tenant, "{file}: {out}");
        }
    }
    assert!(
        !work.path().join("scimd.db").exists(),
        "nothing fell back to the default"
    );
    // No flag, variable or file: sqlite://scimd.db in the working directory.
    let (ok, _, err) = scimd_in(work.path(), &["migrate"], &[]);
    assert!(ok, "{err}");
    let (ok, _, err) = scimd_in(work.path(), &["tenant", "create", "viadefault"], &[]);
    assert!(ok, "{err}");
    assert!(work.path().join("scimd.db").exists());
    let (_, out, _) = scimd_in(work.path(), &["tenant", "list"], &[]);
    assert!(
        out.contains("viadefault") && !out.contains("viafile"),
        "{out}"
    );
}

/// A running `scimd serve` with its stdout and stderr captured.
struct Captured {
    child: Child,
    stdout: Vec<String>,
    stderr: std::thread::JoinHandle<String>,
}

/// Starts `scimd serve` on `db` in `cwd` and reads stdout up to the
/// listening line.
fn serve_captured(db: &str, cwd: &Path) -> Captured {
    let mut child = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--database", db])
        .current_dir(cwd)
        .env_remove("SCIMD_DATABASE_URL")
        .env_remove("SCIMD_LISTEN")
        .env_remove("SCIMD_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let mut stdout = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        let done = line.starts_with("scimd listening on ");
        stdout.push(line);
        if done {
            break;
        }
    }
    Captured {
        child,
        stdout,
        stderr,
    }
}

impl Captured {
    /// Stops the server; returns everything it logged.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr.join().unwrap()
    }
}

#[test]
fn first_start_prints_base_url_and_leaves_its_token_in_a_private_file_once() {
    let pg = on_postgres().then(fresh_postgres);
    let dir = tempfile::tempdir().unwrap();
    let db = match &pg {
        Some(p) => p.url.clone(),
        None => dir.path().join("scimd.db").to_str().unwrap().to_string(),
    };
    let first = serve_captured(&db, dir.path());
    let out = first.stdout.clone();
    let listening = out
        .last()
        .unwrap()
        .strip_prefix("scimd listening on ")
        .unwrap()
        .to_string();
    assert!(listening.ends_with("/scim/v2"), "{out:?}");
    let base = out
        .iter()
        .find_map(|l| l.strip_prefix("SCIM base URL: "))
        .unwrap_or_else(|| panic!("no base URL on stdout: {out:?}"));
    assert_eq!(base, listening);
    // Stdout is not a terminal: the token is in a file of mode 0600 beside
    // the SQLite database (in the working directory on PostgreSQL), named
    // on stdout, and nowhere in stdout itself.
    assert!(!out.iter().any(|l| l.contains("scimd_")), "{out:?}");
    let at = out
        .iter()
        .position(|l| l.starts_with("Bearer token (shown once; keep it secret) in the file"))
        .unwrap_or_else(|| panic!("no token file on stdout: {out:?}"));
    let file = Path::new(&out[at + 1]).to_path_buf();
    assert_eq!(file, dir.path().canonicalize().unwrap().join("first-token"));
    let token = std::fs::read_to_string(&file).unwrap().trim().to_string();
    assert!(token.starts_with("scimd_"), "{token}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file:?}");
    }
    // The token works against the base URL it was printed with.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let r = agent
        .get(&format!("{base}/Users"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let log = first.stop();
    assert!(!log.contains(&token), "the token reached the log: {log}");
    assert!(!log.contains("SCIM base URL"), "{log}");
    // A restart on the same database prints no token.
    let second = serve_captured(&db, dir.path());
    let out = second.stdout.clone();
    let log = second.stop();
    assert!(!out.iter().any(|l| l.starts_with("scimd_")), "{out:?}");
    assert!(
        !out.iter().any(|l| l.starts_with("SCIM base URL")),
        "{out:?}"
    );
    assert!(!log.contains("scimd_"), "{log}");
    drop(pg);
}

#[test]
fn a_tenant_is_deleted_only_when_empty_or_purged() {
    let s = Server::start();
    s.cli_ok(&["tenant", "create", "acme"]);
    let token = s.token_for("acme", "default");
    let body = serde_json::json!({"schemas": [USER], "userName": "jo@example.com"});
    assert_eq!(s.req_as(&token, "POST", "/Users", Some(&body)).status, 201);
    // Refused while it holds a user, and the refusal is audited.
    let (ok, _, err) = s.cli(&["tenant", "delete", "acme"]);
    assert!(
        !ok && err.contains("1 user(s)") && err.contains("--purge"),
        "{err}"
    );
    let audit = s.cli_ok(&["audit", "--tenant", "acme", "--json"]);
    let refusal: serde_json::Value = serde_json::from_str(audit.lines().next().unwrap()).unwrap();
    assert_eq!(refusal["action"], "tenant-delete");
    assert_eq!(refusal["status"], 409);
    assert_eq!(s.req_as(&token, "GET", "/Users", None).status, 200);
    // Purged: gone with its token; the default tenant is untouched.
    let out = s.cli_ok(&["tenant", "delete", "acme", "--purge"]);
    assert!(out.contains("deleted tenant acme with 1 user(s)"), "{out}");
    assert_eq!(s.req_as(&token, "GET", "/Users", None).status, 401);
    assert!(!s.cli_ok(&["tenant", "list"]).contains("acme"));
    assert_eq!(s.get("/Users").status, 200);
    let (ok, _, err) = s.cli(&["tenant", "delete", "acme"]);
    assert!(!ok && err.contains("no tenant"), "{err}");
    // A new tenant of the same name starts with an empty audit log; the
    // deleted one's (refusal and deletion) stays in the database.
    s.cli_ok(&["tenant", "create", "acme"]);
    assert!(s
        .cli_ok(&["audit", "--tenant", "acme", "--json"])
        .trim()
        .is_empty());
    if !on_postgres() {
        let db = rusqlite::Connection::open(s.db_url()).unwrap();
        let kept: i64 = db
            .query_row(
                "SELECT count(*) FROM audit WHERE entry LIKE '%\"tenant-delete\"%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, 2);
    }
    // An empty tenant needs no --purge.
    s.cli_ok(&["tenant", "create", "empty"]);
    s.cli_ok(&["tenant", "delete", "empty"]);
}
