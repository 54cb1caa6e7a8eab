//! Unencoded characters in the request target (`"`, `<`, `>`, `` ` ``,
//! `{`, `}`, `|`, `\`, `^`) are read as if percent-encoded, on every
//! listener, over plain TCP and TLS, HTTP/1.1 and HTTP/2. The clients are
//! written by hand here: HTTP libraries refuse to send such targets.

use crate::hostile_net::{addr_of, ops_addr_of};
use crate::server::*;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

const FILTER: &str = "/scim/v2/Users?filter=userName+eq+\"alice@example.com\"";

/// One HTTP/1.1 request with `Connection: close`: (status, head, body).
fn http1<S: Read + Write>(sock: &mut S, path: &str, token: &str) -> (u16, String, String) {
    write!(
        sock,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    let _ = sock.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

fn frame(kind: u8, flags: u8, id: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len();
    let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    f.extend_from_slice(&id.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An HPACK literal without indexing, Huffman off.
fn literal(out: &mut Vec<u8>, name: &str, value: &str) {
    assert!(name.len() < 127 && value.len() < 127);
    out.push(0);
    out.push(name.len() as u8);
    out.extend_from_slice(name.as_bytes());
    out.push(value.len() as u8);
    out.extend_from_slice(value.as_bytes());
}

/// One HTTP/2 GET on a new connection (prior knowledge, or ALPN `h2`):
/// (status, body).
fn http2<S: Read + Write>(sock: &mut S, scheme: &str, path: &str, token: &str) -> (u16, String) {
    let mut block = Vec::new();
    literal(&mut block, ":method", "GET");
    literal(&mut block, ":scheme", scheme);
    literal(&mut block, ":authority", "localhost");
    literal(&mut block, ":path", path);
    literal(&mut block, "authorization", &format!("Bearer {token}"));
    let mut out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    out.extend(frame(4, 0, 0, &[]));
    out.extend(frame(1, 0x1 | 0x4, 1, &block));
    sock.write_all(&out).unwrap();
    let mut decoder = hpack::Decoder::new();
    let (mut status, mut body) = (0, Vec::new());
    for _ in 0..100 {
        let mut head = [0u8; 9];
        sock.read_exact(&mut head).unwrap();
        let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
        let mut payload = vec![0u8; len];
        sock.read_exact(&mut payload).unwrap();
        let (kind, flags) = (head[3], head[4]);
        let id = u32::from_be_bytes([head[5], head[6], head[7], head[8]]);
        match kind {
            1 if id == 1 => {
                for (n, v) in decoder.decode(&payload).unwrap() {
                    if n == b":status" {
                        status = String::from_utf8(v).unwrap().parse().unwrap();
                    }
                }
            }
            0 if id == 1 => body.extend_from_slice(&payload),
            3 | 7 => panic!("the server reset the stream or connection: {payload:?}"),
            4 if flags & 1 == 0 => sock.write_all(&frame(4, 1, 0, &[])).unwrap(),
            _ => {}
        }
        if id == 1 && flags & 0x1 != 0 {
            return (status, String::from_utf8(body).unwrap());
        }
    }
    panic!("no end of the response");
}

fn tcp(addr: &str) -> TcpStream {
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    sock
}

fn found_alice(body: &str) -> bool {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    v["totalResults"] == 1 && v["Resources"][0]["userName"] == "alice@example.com"
}

#[test]
fn unencoded_characters_over_http1_and_http2() {
    let s = Server::start();
    s.create_user("alice@example.com");
    s.create_user("bob@example.com");
    let addr = addr_of(&s);
    let (status, head, body) = http1(&mut tcp(&addr), FILTER, &s.token);
    assert_eq!(status, 200, "{head}\n{body}");
    assert!(found_alice(&body), "{body}");
    let (status, body) = http2(&mut tcp(&addr), "http", FILTER, &s.token);
    assert_eq!(status, 200, "{body}");
    assert!(found_alice(&body), "{body}");
    // Every character of the set, in the path and the query: each reaches
    // the router (a SCIM 404 or a filter's 400), never a bare 400.
    let (status, _, body) = http1(&mut tcp(&addr), "/scim/v2/Users/a<b>`{|}\\^\"", &s.token);
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["status"],
        "404"
    );
    let (status, _, body) = http1(
        &mut tcp(&addr),
        "/scim/v2/Users?filter=userName+eq+\"<>`{|}\\\\^\"",
        &s.token,
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["totalResults"],
        0
    );
    let (status, body) = http2(&mut tcp(&addr), "http", "/scim/v2/Users/<x>", &s.token);
    assert_eq!(status, 404, "{body}");
    // A malformed filter is still a SCIM error with a body.
    let (status, _, body) = http1(
        &mut tcp(&addr),
        "/scim/v2/Users?filter=userName+eq+\"a",
        &s.token,
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["scimType"],
        "invalidFilter"
    );
    // The operations listener.
    let (status, _, body) = http1(&mut tcp(&ops_addr_of(&s)), "/healthz?x=\"y\"", "");
    assert_eq!(status, 200, "{body}");
    // Keep-alive: a second request after a body on the same connection.
    let mut sock = tcp(&addr);
    let post = json!({"schemas": [USER], "userName": "carol\"{}@example.com"}).to_string();
    write!(
        sock,
        "POST /scim/v2/Users?x=\"1\" HTTP/1.1\r\nHost: l\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n{post}",
        s.token,
        post.len()
    )
    .unwrap();
    let (status, _, body) = http1(&mut sock, FILTER, &s.token);
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("HTTP/1.1 200"), "{body}");
}

#[test]
fn unencoded_characters_over_tls_and_the_redirect_listener() {
    let dir = tempfile::tempdir().unwrap();
    let ck =
        rcgen::generate_simple_self_signed(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .unwrap();
    let cert = dir.path().join("c.crt");
    let key = dir.path().join("c.key");
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.key_pair.serialize_pem()).unwrap();
    let plain = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let plain_addr = plain.local_addr().unwrap().to_string();
    drop(plain);
    let s = Server::start_with(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--http-listen",
        &plain_addr,
        "--public-url",
        "https://localhost:8443/",
    ]);
    let https: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![
                    ureq::tls::Certificate::from_der(ck.cert.der().as_ref()).to_owned(),
                ])))
                .build(),
        )
        .http_status_as_error(false)
        .build()
        .into();
    let r = https
        .post(&format!("{}/Users", s.base))
        .header("Authorization", &format!("Bearer {}", s.token))
        .header("Content-Type", "application/scim+json")
        .send(json!({"schemas": [USER], "userName": "alice@example.com"}).to_string())
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ck.cert.der().clone()).unwrap();
    let addr = addr_of(&s).replace("127.0.0.1", "localhost");
    let tls = |alpn: &[u8]| {
        let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots.clone())
        .with_no_client_auth();
        config.alpn_protocols = vec![alpn.to_vec()];
        let conn = rustls::ClientConnection::new(Arc::new(config), "localhost".try_into().unwrap())
            .unwrap();
        rustls::StreamOwned::new(conn, tcp(&addr))
    };
    let (status, head, body) = http1(&mut tls(b"http/1.1"), FILTER, &s.token);
    assert_eq!(status, 200, "{head}\n{body}");
    assert!(found_alice(&body), "{body}");
    let (status, body) = http2(&mut tls(b"h2"), "https", FILTER, &s.token);
    assert_eq!(status, 200, "{body}");
    assert!(found_alice(&body), "{body}");
    // The plain-HTTP listener redirects, the target encoded.
    let (status, head, _) = http1(&mut tcp(&plain_addr), FILTER, "");
    assert_eq!(status, 308, "{head}");
    assert!(
        head.contains("location: https://localhost:8443/scim/v2/Users?filter=userName+eq+%22alice@example.com%22"),
        "{head}"
    );
}
