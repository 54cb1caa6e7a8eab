//! scimd behind nginx, with the configuration file the docs ship
//! (`deploy/nginx.conf`), run by a real nginx: TLS at nginx, scimd on
//! loopback with `--public-url`, so `Location` and `meta.location` carry
//! the public URL and responses carry HSTS; nginx is a `--trusted-proxy`,
//! so the failed-authentication limit counts the client it names; the
//! console, the admin API and `/metrics` are not reachable through the
//! proxy; plain HTTP redirects to HTTPS.
//!
//! Skipped when nginx is not installed, unless `SCIMD_REQUIRE_NGINX` is
//! set (`scripts/test.sh` installs it from apt and sets it).

use crate::server::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use ureq::tls::{Certificate, RootCerts, TlsConfig};

const PUBLIC: &str = "https://scim.example.com";

fn nginx() -> Option<PathBuf> {
    let found = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("SCIMD_REQUIRE_NGINX").is_none(),
            "SCIMD_REQUIRE_NGINX is set but nginx is not installed"
        );
        eprintln!("skipping the nginx test: nginx is not installed (apt-get install nginx-light)");
    }
    found
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `text` with `from` replaced by `to`, which must occur exactly `n` times,
/// so the shipped file cannot drift from what this test runs.
fn replace(text: &str, from: &str, to: &str, n: usize) -> String {
    assert_eq!(
        text.matches(from).count(),
        n,
        "{from:?} in deploy/nginx.conf"
    );
    text.replace(from, to)
}

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts nginx with the shipped site file, adapted to this test's ports
/// and certificate; returns once it accepts connections.
fn start_nginx(bin: &Path, dir: &Path, scimd_port: u16, tls: u16, plain: u16) -> Nginx {
    let ck = rcgen::generate_simple_self_signed(vec![
        "scim.example.com".to_string(),
        "127.0.0.1".to_string(),
    ])
    .unwrap();
    let (cert, key) = (dir.join("fullchain.pem"), dir.join("privkey.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.key_pair.serialize_pem()).unwrap();
    std::fs::write(dir.join("ca.pem"), ck.cert.pem()).unwrap();
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/../../deploy/nginx.conf");
    let site = std::fs::read_to_string(shipped).unwrap();
    let site = replace(
        &site,
        "listen 443 ssl;",
        &format!("listen 127.0.0.1:{tls} ssl;"),
        1,
    );
    let site = replace(
        &site,
        "listen 80;",
        &format!("listen 127.0.0.1:{plain};"),
        1,
    );
    let site = replace(
        &site,
        "http://127.0.0.1:8080;",
        &format!("http://127.0.0.1:{scimd_port};"),
        2,
    );
    let site = replace(
        &site,
        "/etc/letsencrypt/live/scim.example.com/fullchain.pem",
        cert.to_str().unwrap(),
        1,
    );
    let site = replace(
        &site,
        "/etc/letsencrypt/live/scim.example.com/privkey.pem",
        key.to_str().unwrap(),
        1,
    );
    std::fs::write(dir.join("scimd.conf"), site).unwrap();
    let d = dir.display();
    let main = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  \
         proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
         uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  include {d}/scimd.conf;\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), main).unwrap();
    let conf = dir.join("nginx.conf");
    let test = Command::new(bin)
        .args(["-t", "-p"])
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg(dir.join("error.log"))
        .output()
        .unwrap();
    assert!(
        test.status.success(),
        "nginx -t: {}",
        String::from_utf8_lossy(&test.stderr)
    );
    let child = Command::new(bin)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let nginx = Nginx(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", tls)).is_err() {
        assert!(Instant::now() < deadline, "nginx did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    nginx
}

fn agent_trusting(pem: &str) -> ureq::Agent {
    let cert = Certificate::from_pem(pem.as_bytes()).unwrap().to_owned();
    let tls = TlsConfig::builder()
        .root_certs(RootCerts::Specific(Arc::new(vec![cert])))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

#[test]
fn behind_nginx_location_names_the_public_url() {
    let Some(bin) = nginx() else { return };
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start_with(&[
        "--public-url",
        PUBLIC,
        "--admin-listen",
        "127.0.0.1:0",
        "--trusted-proxy",
        "127.0.0.1",
        "--rate-limit-auth-failures",
        "0.01",
    ]);
    // The address scimd listens on: `http://127.0.0.1:PORT/scim/v2`.
    let port: u16 = s
        .base
        .trim_end_matches("/scim/v2")
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let (tls, plain) = (free_port(), free_port());
    let _nginx = start_nginx(&bin, dir.path(), port, tls, plain);
    let agent = agent_trusting(&std::fs::read_to_string(dir.path().join("ca.pem")).unwrap());
    let proxy = format!("https://127.0.0.1:{tls}");
    let auth = format!("Bearer {}", s.token);

    // A user created through the proxy: Location and meta.location carry
    // the public URL, not the loopback address scimd listens on.
    let body = json!({"schemas": [USER], "userName": "proxied@example.com"});
    let mut r = agent
        .post(&format!("{proxy}/scim/v2/Users"))
        .header("Authorization", &auth)
        .header("Content-Type", "application/scim+json")
        .send(body.to_string())
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    // Clients reach scimd over HTTPS (its public URL): HSTS.
    assert_eq!(
        r.headers()["strict-transport-security"].to_str().unwrap(),
        "max-age=31536000"
    );
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let created: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(location, format!("{PUBLIC}/scim/v2/Users/{id}"));
    assert_eq!(created["meta"]["location"], location.as_str());
    // The listing through the proxy finds it, with the same location.
    let mut r = agent
        .get(&format!(
            "{proxy}/scim/v2/Users?filter=userName%20eq%20%22proxied@example.com%22"
        ))
        .header("Authorization", &auth)
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let list: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(list["Resources"][0]["meta"]["location"], location.as_str());

    // Health through the proxy; the console, its API, the OpenAPI
    // document and metrics are not reachable through it.
    let status = |path: &str| {
        agent
            .get(&format!("{proxy}{path}"))
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(status("/healthz"), 200);
    for path in [
        "/admin/login",
        "/admin/api/tenants",
        "/openapi.json",
        "/metrics",
    ] {
        assert_eq!(status(path), 404, "{path} through the proxy");
    }
    // Failed authentication is limited per client, the one nginx names in
    // X-Forwarded-For (nginx is a trusted proxy): 20 bad tokens, then 429;
    // the IdP's token, which authenticated before, still passes.
    let with_token = |token: &str| {
        agent
            .get(&format!("{proxy}/scim/v2/Users?count=1"))
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    for i in 0..20 {
        assert_eq!(with_token(&format!("scimd_bad{i}")), 401, "bad token {i}");
    }
    assert_eq!(with_token("scimd_bad"), 429);
    assert_eq!(with_token(&s.token), 200);
    // Plain HTTP is redirected to HTTPS.
    let r = agent
        .get(&format!("http://127.0.0.1:{plain}/scim/v2/Users"))
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 308);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("https://127.0.0.1"));
}
