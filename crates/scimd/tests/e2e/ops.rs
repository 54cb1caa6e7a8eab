//! Operations: health, readiness, metrics, request ids and rate limiting.

use crate::server::*;

#[test]
fn health_ready_metrics_and_request_ids() {
    let s = Server::start();
    let root = s.base.trim_end_matches("/scim/v2").to_string();
    assert_eq!(
        s.raw("GET", &format!("{root}/healthz"), None, &[]).status,
        200
    );
    assert_eq!(
        s.raw("GET", &format!("{root}/readyz"), None, &[]).status,
        200
    );
    let r = s.get("/Users");
    let id = r.header("x-request-id").unwrap().to_string();
    assert!(!id.is_empty());
    assert_ne!(
        s.get("/Users").header("x-request-id").unwrap(),
        id,
        "each request gets its own id"
    );
    let auth = format!("Bearer {}", s.token);
    let mine = s.raw(
        "GET",
        "/Users",
        None,
        &[("Authorization", &auth), ("X-Request-Id", "corr-42")],
    );
    assert_eq!(mine.header("x-request-id"), Some("corr-42"));
    let bad = s.raw(
        "GET",
        "/Users",
        None,
        &[
            ("Authorization", &auth),
            ("X-Request-Id", "no spaces allowed"),
        ],
    );
    assert_ne!(bad.header("x-request-id"), Some("no spaces allowed"));
    // Metrics name tenants and connections: only the operations listener
    // serves them; it also serves the health endpoints.
    assert_error(
        &s.raw("GET", &format!("{root}/metrics"), None, &[]),
        404,
        None,
    );
    for path in ["/healthz", "/readyz"] {
        let r = s.raw("GET", &format!("{}{path}", s.ops), None, &[]);
        assert_eq!(r.status, 200, "{path}");
    }
    let m = s.raw("GET", &format!("{}/metrics", s.ops), None, &[]);
    assert_eq!(m.status, 200);
    assert_eq!(
        m.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert!(m.text.contains("scimd_http_requests_total{route=\"/scim/v2/{resource}\",method=\"GET\",status=\"200\"}"), "{}", m.text);
    assert!(m
        .text
        .contains("scimd_http_request_duration_seconds_bucket"));
    assert!(!m.text.contains(&s.token));
    // The build and the process.
    let version = std::process::Command::new(bin())
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8(version.stdout).unwrap();
    let commit = version
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_end_matches(')');
    assert!(
        m.text.contains(&format!(
            "scimd_build_info{{version=\"{}\",commit=\"{commit}\",",
            env!("CARGO_PKG_VERSION")
        )),
        "{version}\n{}",
        m.text
    );
    for family in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_open_fds",
        "process_max_fds",
        "process_threads",
        "process_start_time_seconds",
    ] {
        let value = m
            .text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{family} ")))
            .unwrap_or_else(|| panic!("no {family} in\n{}", m.text));
        assert!(value.parse::<f64>().unwrap() >= 0.0, "{family} {value}");
    }
    // The PostgreSQL connection pool (SQLite has none to report).
    let gauge = |name: &str| {
        m.text
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .map(|v| v.parse::<u64>().unwrap())
    };
    if on_postgres() {
        assert_eq!(gauge("scimd_db_pool_max_connections"), Some(16));
        let open = gauge("scimd_db_pool_connections").unwrap();
        assert!((1..=16).contains(&open), "{open}");
        assert!(gauge("scimd_db_pool_available").unwrap() <= open);
        assert!(gauge("scimd_db_pool_waiting").is_some());
    } else {
        assert_eq!(gauge("scimd_db_pool_connections"), None);
    }
}

fn other_tenant_token(s: &Server) -> String {
    assert!(s.cli(&["tenant", "create", "quiet"]).0);
    let (_, out, _) = s.cli(&["token", "create", "--tenant", "quiet"]);
    out.lines().last().unwrap().to_string()
}

#[test]
fn a_flooding_tenant_gets_429_and_does_not_starve_others() {
    let s = Server::start_with(&["--rate-limit-tenant", "5", "--rate-limit-token", "0"]);
    let quiet = other_tenant_token(&s);
    let mut limited = None;
    for _ in 0..40 {
        let r = s.get("/Users");
        if r.status == 429 {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status, 200);
    }
    let r = limited.expect("the flood was never limited");
    assert_error(&r, 429, None);
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    // The other tenant is served normally while the first is throttled.
    for _ in 0..5 {
        let ok = s.raw(
            "GET",
            "/Users",
            None,
            &[("Authorization", &format!("Bearer {quiet}"))],
        );
        assert_eq!(ok.status, 200, "{}", ok.text);
    }
    let m = s.metrics();
    assert!(!m.contains("scimd_rate_limited_total 0"), "{m}");
}

#[test]
fn per_token_limits() {
    let s = Server::start_with(&["--rate-limit-token", "3"]);
    let statuses: Vec<u16> = (0..20)
        .map(|_| s.get("/ServiceProviderConfig").status)
        .collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    // A second token of the same tenant has its own bucket.
    let (_, out, _) = s.cli(&["token", "create", "--tenant", "default"]);
    let t2 = out.lines().last().unwrap().to_string();
    assert_eq!(
        s.raw(
            "GET",
            "/ServiceProviderConfig",
            None,
            &[("Authorization", &format!("Bearer {t2}"))]
        )
        .status,
        200
    );
}

/// `scimd serve ARGS` on a new SQLite database in `dir` with `env` set;
/// returns the process and its stdout up to the listening line.
fn serve_lines(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
) -> (std::process::Child, Vec<String>) {
    use std::io::BufRead;
    let db = dir.join("scimd.db");
    let mut cmd = std::process::Command::new(bin());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(&db)
        .args(args)
        .env_remove("SCIMD_DATABASE_URL")
        .env_remove("SCIMD_LISTEN")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut out = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("scimd listening on ");
        out.push(line);
        if done {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    (child, out)
}

/// The URL after `prefix` on a line of `out`.
fn url_after(out: &[String], prefix: &str) -> String {
    out.iter()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in {out:?}"))
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn the_console_moves_to_its_own_listener() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, out) = serve_lines(dir.path(), &["--admin-listen", "127.0.0.1:0"], &[]);
    let scim = url_after(&out, "scimd listening on ");
    let root = scim.trim_end_matches("/scim/v2");
    let console = url_after(&out, "scimd admin console on ");
    let admin_root = console.trim_end_matches("/admin");
    assert_ne!(root, admin_root, "{out:?}");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let status = |url: String| agent.get(&url).call().unwrap().status().as_u16();
    assert_eq!(status(format!("{admin_root}/admin/login")), 200);
    assert_eq!(status(format!("{admin_root}/openapi.json")), 200);
    assert_eq!(
        status(format!("{admin_root}/scim/v2/ServiceProviderConfig")),
        404
    );
    assert_eq!(status(format!("{root}/admin/login")), 404);
    assert_eq!(status(format!("{root}/openapi.json")), 404);
    // The SCIM API stays (it asks for a token).
    assert_eq!(status(format!("{scim}/ServiceProviderConfig")), 401);
    let _ = child.kill();
    let _ = child.wait();
}

/// Every listener has the connection limits of the SCIM listener: a
/// request head that never ends is cut off on the operations and admin
/// listeners too, and each listener's connections are in `/metrics`.
#[test]
fn the_operations_and_admin_listeners_have_the_connection_limits() {
    use crate::hostile_net::{closed_by_server, metric};
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let (mut child, out) = serve_lines(
        dir.path(),
        &[
            "--ops-listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
            "--header-timeout",
            "0.5",
            "--max-connections",
            "5",
        ],
        &[],
    );
    let host = |url: String| {
        let rest = url.split("://").nth(1).unwrap().to_string();
        rest.split('/').next().unwrap().to_string()
    };
    let ops = host(url_after(&out, "scimd operations on "));
    let admin = host(url_after(&out, "scimd admin console on "));
    for addr in [&ops, &admin] {
        let mut sock = std::net::TcpStream::connect(addr).unwrap();
        sock.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        closed_by_server(&mut sock, std::time::Duration::from_secs(20));
    }
    for listener in ["scim", "ops", "admin"] {
        let max = format!("scimd_http_connections_max{{listener=\"{listener}\"}}");
        assert_eq!(metric(&ops, &max), Some(5.0), "{listener}");
    }
    let accepted = metric(
        &ops,
        "scimd_http_connections_accepted_total{listener=\"admin\"}",
    );
    assert_eq!(accepted, Some(1.0));
    let _ = child.kill();
    let _ = child.wait();
}

/// systemd's `Type=notify`: READY=1 once scimd serves, STOPPING=1 on SIGTERM.
#[cfg(unix)]
#[test]
fn systemd_hears_ready_and_stopping() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let (mut child, out) = serve_lines(
        dir.path(),
        &[],
        &[("NOTIFY_SOCKET", socket_path.as_os_str())],
    );
    let scim = url_after(&out, "scimd listening on ");
    let mut buf = [0u8; 512];
    let n = socket.recv(&mut buf).unwrap();
    let ready = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready}");
    assert!(ready.contains(&format!("STATUS=serving {scim}")), "{ready}");
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let n = socket.recv(&mut buf).unwrap();
    let stopping = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(stopping.lines().any(|l| l == "STOPPING=1"), "{stopping}");
    assert!(
        child.wait().unwrap().success(),
        "a drained shutdown exits 0"
    );
}
