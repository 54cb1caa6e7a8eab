//! A real `scimd serve` process on a free port with a fresh database, and a
//! small HTTP client for it.
//!
//! The backend is SQLite (a file in a temp dir) unless
//! `SCIMD_TEST_BACKEND=postgres`: then each server gets a fresh database on
//! the cluster of `SCIMD_TEST_POSTGRES_URL`, dropped with the server.

#![allow(dead_code)] // shared by the e2e and replica tests; each uses a part

use scim_store_postgres::testing::{admin_url, TestDb};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const PROVENANCE: &str = "urn:scimd:schemas:extension:provenance:2.0:User";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

pub struct Server {
    child: Child,
    pub base: String,
    /// The operations listener (`--ops-listen`): `http://ADDR`.
    pub ops: String,
    pub token: String,
    pub dir: tempfile::TempDir,
    agent: ureq::Agent,
    /// The Postgres database, shared by replicas (dropped with the last).
    pg: Option<Arc<TestDb>>,
    /// The standard error of each process this server has run (one more
    /// per restart): its tail is printed when a test fails.
    logs: Vec<tempfile::NamedTempFile>,
}

/// Whether the e2e tests run on PostgreSQL (`SCIMD_TEST_BACKEND=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("SCIMD_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// A fresh Postgres database; panics if the cluster is not configured.
pub fn fresh_postgres() -> Arc<TestDb> {
    let admin = admin_url().unwrap_or_else(|(_, why)| panic!("{why}"));
    Arc::new(TestDb::create_blocking(&admin).unwrap())
}

/// For a PostgreSQL database, the webhook key file every scimd process of
/// this test run shares (replicas must share one; SQLite uses the default
/// beside its file): the environment for it.
pub fn key_env(db: &str) -> Vec<(&'static str, String)> {
    static FILE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if !db.starts_with("postgres") {
        return Vec::new();
    }
    let path = FILE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let path = dir.join("webhook-keys");
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).unwrap();
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(&path, format!("{hex}\n")).unwrap();
        path.to_str().unwrap().to_string()
    });
    vec![("SCIMD_WEBHOOK_KEY_FILE", path.clone())]
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

pub struct Resp {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_scimd")
}

impl Server {
    /// Starts scimd on a new database; returns once it listens.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Server {
        let pg = on_postgres().then(fresh_postgres);
        Server::start_on(pg, extra)
    }

    /// Starts scimd on a given Postgres database (or a new SQLite file).
    pub fn start_on(pg: Option<Arc<TestDb>>, extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let (child, base, token, ops, log) = spawn(&url_for(pg.as_deref(), &dir), extra);
        Server {
            child,
            base,
            ops,
            token: token.expect("no bootstrap token"),
            dir,
            agent: agent(),
            pg,
            logs: vec![log],
        }
    }

    /// Two replicas started at the same moment on one empty database: both
    /// migrate and bootstrap at once; returns them and how many printed a
    /// bootstrap token.
    pub fn start_pair_at_once(pg: Arc<TestDb>, extra: &[&str]) -> (Server, Server, usize) {
        let url = pg.url.clone();
        let (first, second) = std::thread::scope(|scope| {
            let a = scope.spawn(|| spawn(&url, extra));
            let b = scope.spawn(|| spawn(&url, extra));
            (a.join().unwrap(), b.join().unwrap())
        });
        let tokens = [&first.2, &second.2].iter().filter(|t| t.is_some()).count();
        let token = first
            .2
            .clone()
            .or(second.2.clone())
            .expect("no bootstrap token");
        let make = |(child, base, _, ops, log): Spawned| Server {
            child,
            base,
            ops,
            token: token.clone(),
            dir: tempfile::tempdir().unwrap(),
            agent: agent(),
            pg: Some(pg.clone()),
            logs: vec![log],
        };
        (make(first), make(second), tokens)
    }

    /// Another scimd process on the same database (a replica), with this
    /// server's token.
    pub fn replica(&self, extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let (child, base, _, ops, log) = spawn(&self.db_url(), extra);
        Server {
            child,
            base,
            ops,
            token: self.token.clone(),
            dir,
            agent: agent(),
            pg: self.pg.clone(),
            logs: vec![log],
        }
    }

    /// Kills the process with SIGKILL and starts a new one on the same database.
    pub fn restart(&mut self) {
        self.restart_with(&[]);
    }

    /// [`Server::restart`] with extra `serve` flags.
    pub fn restart_with(&mut self, extra: &[&str]) {
        self.kill();
        let (child, base, _, ops, log) = spawn(&self.db_url(), extra);
        self.logs.push(log);
        self.child = child;
        self.base = base;
        self.ops = ops;
    }
}

fn url_for(pg: Option<&TestDb>, dir: &tempfile::TempDir) -> String {
    match pg {
        Some(db) => db.url.clone(),
        None => dir.path().join("scimd.db").to_str().unwrap().to_string(),
    }
}

/// A started server: the process, its SCIM base URL, the first token (on
/// a new database), its operations listener and the file of its stderr.
type Spawned = (
    Child,
    String,
    Option<String>,
    String,
    tempfile::NamedTempFile,
);

fn spawn(db: &str, extra: &[&str]) -> Spawned {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--database"];
    let db_s = db.to_string();
    args.push(&db_s);
    args.extend_from_slice(&["--ops-listen", "127.0.0.1:0"]);
    // The first token's file, in a directory of this server's own (on
    // PostgreSQL the default is the working directory: the source tree).
    let token_dir = tempfile::tempdir().unwrap();
    let token_file = token_dir.path().join("first-token");
    let token_file_s = token_file.to_str().unwrap().to_string();
    args.extend_from_slice(&["--first-token-file", &token_file_s]);
    args.extend_from_slice(extra);
    let log = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(bin())
        .args(&args)
        .env_remove("SCIMD_DATABASE_URL")
        .env_remove("SCIMD_LISTEN")
        .envs(key_env(db))
        .stdout(Stdio::piped())
        .stderr(log.reopen().unwrap())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut token = None;
    let mut base = None;
    let mut ops = None;
    let mut token_file_next = false;
    let deadline = Instant::now() + Duration::from_secs(20);
    while base.is_none() && Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if line.starts_with("scimd_") {
            token = Some(line.trim().to_string());
        }
        // Stdout is a pipe, so the first token is in a file of mode 0600.
        if token_file_next {
            let text = std::fs::read_to_string(line.trim()).unwrap();
            token = Some(text.trim().to_string());
        }
        token_file_next = line.starts_with("Bearer token (shown once; keep it secret) in the file");
        if let Some(rest) = line.strip_prefix("scimd operations on ") {
            ops = rest.split_whitespace().next().map(str::to_string);
        }
        if let Some(url) = line.strip_prefix("scimd listening on ") {
            base = Some(url.trim().to_string());
        }
    }
    // Keep draining stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (
        child,
        base.expect("server did not start"),
        token,
        ops.expect("no operations listener"),
        log,
    )
}

impl Server {
    /// The database URL: the Postgres database, or the SQLite file.
    /// Runs `scimd admin create ARGS` on this server's database with the
    /// password on stdin: (success, stdout and stderr).
    pub fn admin_create(&self, args: &[&str], password: &str) -> (bool, String) {
        use std::io::Write;
        let db = self.db_url();
        let mut child = Command::new(bin())
            .args(["admin", "create"])
            .args(args)
            .args(["--database", &db])
            .env_remove("SCIMD_DATABASE_URL")
            .envs(key_env(&db))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    }

    pub fn db_url(&self) -> String {
        url_for(self.pg.as_deref(), &self.dir)
    }

    /// Runs a CLI command against this server's database.
    pub fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let db = self.db_url();
        let mut all: Vec<&str> = args.to_vec();
        all.push("--database");
        all.push(&db);
        let out = Command::new(bin())
            .args(&all)
            .env_remove("SCIMD_DATABASE_URL")
            .envs(key_env(&db))
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// A new token of a connection, from the CLI.
    pub fn token_for(&self, tenant: &str, connection: &str) -> String {
        let (ok, out, err) = self.cli(&[
            "token",
            "create",
            "--tenant",
            tenant,
            "--connection",
            connection,
        ]);
        assert!(ok, "{err}");
        out.lines().last().unwrap().trim().to_string()
    }

    /// A request with another token.
    pub fn req_as(&self, token: &str, method: &str, path: &str, body: Option<&Value>) -> Resp {
        self.raw(
            method,
            path,
            body.map(|b| b.to_string()),
            &[
                ("Authorization", &format!("Bearer {token}")),
                ("Content-Type", "application/scim+json"),
            ],
        )
    }

    /// Runs a CLI command that must succeed; returns its stdout.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.cli(args);
        assert!(ok, "scimd {args:?} failed: {err}");
        out
    }

    /// A request with this server's token.
    pub fn req(&self, method: &str, path: &str, body: Option<&Value>) -> Resp {
        self.raw(
            method,
            path,
            body.map(|b| b.to_string()),
            &[
                ("Authorization", &format!("Bearer {}", self.token)),
                ("Content-Type", "application/scim+json"),
            ],
        )
    }

    pub fn get(&self, path: &str) -> Resp {
        self.req("GET", path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Resp {
        self.req("POST", path, Some(body))
    }

    pub fn put(&self, path: &str, body: &Value) -> Resp {
        self.req("PUT", path, Some(body))
    }

    pub fn patch(&self, path: &str, ops: Value) -> Resp {
        self.req(
            "PATCH",
            path,
            Some(&serde_json::json!({"schemas": [PATCH_OP], "Operations": ops})),
        )
    }

    pub fn delete(&self, path: &str) -> Resp {
        self.req("DELETE", path, None)
    }

    /// A request with explicit headers and a raw body.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        };
        let mut b = ureq::http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        // `Content-Length: 0`, not an empty chunked body: a server that
        // answers from the head alone would close the pooled connection.
        let needs_length = matches!(method, "POST" | "PUT" | "PATCH");
        let mut resp = match body {
            Some(text) => self.agent.run(b.body(text).unwrap()),
            None if needs_length => self.agent.run(b.body(String::new()).unwrap()),
            None => self.agent.run(b.body(()).unwrap()),
        }
        .unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    /// Creates a user; returns its id.
    pub fn create_user(&self, user_name: &str) -> String {
        let r = self.post("/Users", &serde_json::json!({"schemas": [USER], "userName": user_name, "name": {"givenName": "Given", "familyName": user_name}, "emails": [{"value": format!("{user_name}@example.com"), "type": "work", "primary": true}]}));
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().unwrap().to_string()
    }

    /// Creates a group with members; returns its id.
    pub fn create_group(&self, name: &str, members: &[&str]) -> String {
        let m: Vec<Value> = members
            .iter()
            .map(|id| serde_json::json!({"value": id}))
            .collect();
        let r = self.post(
            "/Groups",
            &serde_json::json!({"schemas": [GROUP], "displayName": name, "members": m}),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        r.body["id"].as_str().unwrap().to_string()
    }

    /// The exposition text of `/metrics` on the operations listener.
    pub fn metrics(&self) -> String {
        let r = self.raw("GET", &format!("{}/metrics", self.ops), None, &[]);
        assert_eq!(r.status, 200, "{}", r.text);
        r.text
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGKILL (no graceful shutdown).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        // A failing test shows what the server said last (the test
        // harness prints a failed test's output).
        for log in self.logs.iter().filter(|_| std::thread::panicking()) {
            let text = std::fs::read_to_string(log.path()).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = lines[lines.len().saturating_sub(40)..].join("\n");
            eprintln!("--- the end of a scimd's stderr ({}):\n{tail}", self.base);
        }
    }
}

/// Asserts a SCIM error response.
pub fn assert_error(r: &Resp, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(
        r.header("content-type"),
        Some("application/scim+json"),
        "{}",
        r.text
    );
    assert_eq!(
        r.body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error",
        "{}",
        r.text
    );
    assert_eq!(r.body["status"], status.to_string(), "{}", r.text);
    match scim_type {
        Some(t) => assert_eq!(r.body["scimType"], t, "{}", r.text),
        None => assert!(r.body.get("scimType").is_none(), "{}", r.text),
    }
    assert!(
        r.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{}",
        r.text
    );
}
