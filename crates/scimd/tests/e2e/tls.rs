//! TLS termination: HTTPS with the configured certificate, reload on
//! SIGHUP, and the plain-HTTP listener's redirect.

use crate::server::*;
use std::sync::Arc;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

fn write_cert(dir: &std::path::Path, name: &str) -> (String, String, String) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let cert = dir.join(format!("{name}.crt"));
    let key = dir.join(format!("{name}.key"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.key_pair.serialize_pem()).unwrap();
    (
        cert.to_str().unwrap().to_string(),
        key.to_str().unwrap().to_string(),
        ck.cert.pem(),
    )
}

fn agent_trusting(pem: &str) -> ureq::Agent {
    let cert = Certificate::from_pem(pem.as_bytes()).unwrap().to_owned();
    let tls = TlsConfig::builder()
        .root_certs(RootCerts::Specific(Arc::new(vec![cert])))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .http_status_as_error(false)
        .build()
        .into()
}

fn status(agent: &ureq::Agent, url: &str, token: &str) -> Result<u16, String> {
    agent
        .get(url)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .map(|r| r.status().as_u16())
        .map_err(|e| e.to_string())
}

#[test]
fn https_with_reload_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, pem_a) = write_cert(dir.path(), "a");
    let s = Server::start_with(&["--tls-cert", &cert, "--tls-key", &key]);
    assert!(s.base.starts_with("https://"), "{}", s.base);
    let url = format!("{}/ServiceProviderConfig", s.base);
    assert_eq!(status(&agent_trusting(&pem_a), &url, &s.token), Ok(200));
    // A client that does not trust the certificate cannot connect.
    let (_, _, pem_b_unused) = write_cert(dir.path(), "unused");
    assert!(status(&agent_trusting(&pem_b_unused), &url, &s.token).is_err());
    // Replace the files, send SIGHUP: new connections see the new certificate.
    let (cert_b, key_b, pem_b) = write_cert(dir.path(), "b");
    std::fs::copy(&cert_b, &cert).unwrap();
    std::fs::copy(&key_b, &key).unwrap();
    let pid = s.pid().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    let b = agent_trusting(&pem_b);
    // The reload is asynchronous: retry (each attempt is a TLS handshake) for at most 10 s.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut ok = false;
    while std::time::Instant::now() < deadline {
        if status(&b, &url, &s.token) == Ok(200) {
            ok = true;
            break;
        }
    }
    assert!(ok, "the reloaded certificate was never served");
}

#[test]
fn plain_http_redirects_or_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = write_cert(dir.path(), "a");
    for (mode, expected) in [("redirect", 308), ("refuse", 403)] {
        let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let plain_addr = plain.local_addr().unwrap().to_string();
        drop(plain);
        let _s = Server::start_with(&[
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--http-listen",
            &plain_addr,
            "--http-mode",
            mode,
            "--public-url",
            "https://scim.example.com:8443/",
            "--header-timeout",
            "0.5",
        ]);
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        // The plain listener is bound before scimd reports that it listens.
        // A forged Host does not choose where clients are sent.
        let r = agent
            .get(&format!("http://{plain_addr}/scim/v2/Users?count=1"))
            .header("Host", "evil.example.com")
            .call()
            .unwrap();
        let (code, location) = (
            r.status().as_u16(),
            r.headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_string()),
        );
        assert_eq!(code, expected, "{mode}");
        if mode == "redirect" {
            assert_eq!(
                location.unwrap(),
                "https://scim.example.com:8443/scim/v2/Users?count=1"
            );
        }
        // The plain listener has the same connection limits: a request
        // that never finishes its head is closed.
        let mut half = std::net::TcpStream::connect(&plain_addr).unwrap();
        std::io::Write::write_all(&mut half, b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
        crate::hostile_net::closed_by_server(&mut half, std::time::Duration::from_secs(20));
    }
}

#[test]
fn redirecting_needs_an_https_public_url() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = write_cert(dir.path(), "a");
    let db = dir.path().join("scimd.db");
    for extra in [&[][..], &["--public-url", "http://scim.example.com"][..]] {
        let out = std::process::Command::new(bin())
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--http-listen",
                "127.0.0.1:0",
            ])
            .args(["--tls-cert", &cert, "--tls-key", &key, "--database"])
            .arg(&db)
            .args(extra)
            .env_remove("SCIMD_PUBLIC_URL")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains("--public-url"),
            "{extra:?}: {err}"
        );
    }
}

#[test]
fn https_responses_carry_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, pem) = write_cert(dir.path(), "a");
    let s = Server::start_with(&["--tls-cert", &cert, "--tls-key", &key]);
    let agent = agent_trusting(&pem);
    for path in [
        "/scim/v2/ServiceProviderConfig",
        "/healthz",
        "/admin/login",
        "/nowhere",
    ] {
        let root = s.base.trim_end_matches("/scim/v2");
        let r = agent.get(&format!("{root}{path}")).call().unwrap();
        assert_eq!(
            r.headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap()),
            Some("max-age=31536000"),
            "{path}"
        );
    }
    // Plain HTTP without an https public URL: none (a browser would ignore it).
    let plain = Server::start();
    assert_eq!(
        plain
            .get("/ServiceProviderConfig")
            .header("strict-transport-security"),
        None
    );
}
