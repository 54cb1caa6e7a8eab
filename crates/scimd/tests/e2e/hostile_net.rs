//! Hostile clients at the connection level: requests that never finish
//! their head, connections left idle, more connections than the cap, and
//! the HTTP/2 limits a client is told. Timeouts are configured short so
//! that the server's own timers do the waiting; every wait is bounded.

use crate::server::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// `host:port` of a server.
pub fn addr_of(s: &Server) -> String {
    s.base
        .split("://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string()
}

/// `host:port` of a server's operations listener (`/metrics`).
pub fn ops_addr_of(s: &Server) -> String {
    s.ops.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection; panics if it is still
/// open after `limit` (a generous bound: the server's timeout is far shorter).
pub fn closed_by_server(sock: &mut TcpStream, limit: Duration) -> Vec<u8> {
    sock.set_read_timeout(Some(limit)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match sock.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return got,
            Err(e) => panic!("the server kept the connection open: {e}"),
        }
    }
}

/// A raw request with `Connection: close`: (status, response text).
pub fn raw_get(addr: &str, path: &str, headers: &str) -> (u16, String) {
    let mut sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        sock,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    let _ = sock.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

fn healthz(addr: &str) -> u16 {
    raw_get(addr, "/healthz", "").0
}

/// A metric's value from `/metrics`.
pub fn metric(addr: &str, sample: &str) -> Option<f64> {
    let (_, text) = raw_get(addr, "/metrics", "");
    text.lines()
        .find_map(|l| l.strip_prefix(sample)?.trim().parse().ok())
}

#[test]
fn half_sent_requests_are_closed_after_the_header_timeout() {
    let s = Server::start_with(&["--header-timeout", "0.5"]);
    let addr = addr_of(&s);
    let partial = [
        "",
        "GET /scim/v2/Users HTTP/1.1\r\n",
        "GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ",
        "POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nX-Slow: 1",
    ];
    let mut socks: Vec<TcpStream> = (0..40)
        .map(|i| {
            let mut sock = TcpStream::connect(&addr).unwrap();
            sock.write_all(partial[i % partial.len()].as_bytes())
                .unwrap();
            sock
        })
        .collect();
    // The server answers others meanwhile.
    assert_eq!(healthz(&addr), 200);
    // Bytes that keep coming do not extend the deadline: a head sent one
    // byte every 50 ms (the attack itself paces; at most 200 bytes, 10 s).
    let mut trickle = TcpStream::connect(&addr).unwrap();
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nX-Pad: {}",
        "a".repeat(200)
    );
    let sent = head
        .bytes()
        .take(200)
        .take_while(|b| {
            std::thread::sleep(Duration::from_millis(50));
            trickle.write_all(&[*b]).is_ok()
        })
        .count();
    assert!(sent < 200, "a trickled head was never cut off");
    for sock in &mut socks {
        closed_by_server(sock, Duration::from_secs(20));
    }
    assert_eq!(healthz(&addr), 200);
}

#[test]
fn idle_connections_are_closed() {
    let s = Server::start_with(&["--idle-timeout", "0.5", "--header-timeout", "60"]);
    let addr = addr_of(&s);
    // A kept-alive connection that never sends its next request.
    let mut kept = TcpStream::connect(&addr).unwrap();
    write!(kept, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    // HTTP/2 with prior knowledge: the preface and settings, then silence.
    let mut h2 = TcpStream::connect(&addr).unwrap();
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .unwrap();
    // HTTP/1.1: a body that stops arriving.
    let mut slow = TcpStream::connect(&addr).unwrap();
    write!(
        slow,
        "POST /scim/v2/Users HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\n\r\n{{\"sch",
        s.token
    )
    .unwrap();
    let started = Instant::now();
    let answer =
        String::from_utf8_lossy(&closed_by_server(&mut kept, Duration::from_secs(20))).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    closed_by_server(&mut h2, Duration::from_secs(20));
    closed_by_server(&mut slow, Duration::from_secs(20));
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(healthz(&addr), 200);
}

#[test]
fn the_connection_cap_holds_new_connections_until_one_closes() {
    let s = Server::start_with(&["--max-connections", "2", "--header-timeout", "60"]);
    let addr = addr_of(&s);
    let ops = ops_addr_of(&s);
    // a is served once, then stays open (kept alive) and idle.
    let mut a = TcpStream::connect(&addr).unwrap();
    write!(a, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    a.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut buf = [0u8; 64];
    assert!(a.read(&mut buf).unwrap() > 0);
    // The operations listener counts the SCIM listener's connections
    // (its own are capped apart).
    assert_eq!(
        metric(&ops, "scimd_http_connections{listener=\"scim\"}"),
        Some(1.0),
        "the idle connection"
    );
    assert_eq!(
        metric(&ops, "scimd_http_connections_max{listener=\"scim\"}"),
        Some(2.0)
    );
    // c takes the second slot; d waits in the backlog, unanswered.
    let _c = TcpStream::connect(&addr).unwrap();
    let mut d = TcpStream::connect(&addr).unwrap();
    write!(
        d,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    d.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    assert!(
        d.read(&mut buf).is_err(),
        "a connection past the cap was served"
    );
    // One closes: d is served.
    drop(a);
    let answer =
        String::from_utf8_lossy(&closed_by_server(&mut d, Duration::from_secs(20))).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(_c);
    let waits = (0..50).find_map(|_| {
        metric(
            &ops,
            "scimd_http_connection_limit_waits_total{listener=\"scim\"}",
        )
        .filter(|w| *w >= 1.0)
    });
    assert!(waits.is_some(), "the wait was not counted");
}

/// The server's SETTINGS frame on an HTTP/2 connection: (identifier, value) pairs.
fn h2_settings(addr: &str) -> Vec<(u16, u32)> {
    let mut sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    sock.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .unwrap();
    for _ in 0..10 {
        let mut head = [0u8; 9];
        sock.read_exact(&mut head).unwrap();
        let len = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
        let mut payload = vec![0u8; len];
        sock.read_exact(&mut payload).unwrap();
        let (kind, flags) = (head[3], head[4]);
        if kind == 4 && flags & 1 == 0 {
            return payload
                .chunks(6)
                .map(|c| {
                    (
                        u16::from_be_bytes([c[0], c[1]]),
                        u32::from_be_bytes([c[2], c[3], c[4], c[5]]),
                    )
                })
                .collect();
        }
    }
    panic!("no SETTINGS frame from the server");
}

#[test]
fn http2_clients_are_told_the_limits() {
    let s = Server::start_with(&["--http2-max-streams", "7"]);
    let settings = h2_settings(&addr_of(&s));
    // SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_MAX_HEADER_LIST_SIZE (32 KiB, as HTTP/1).
    assert!(settings.contains(&(3, 7)), "{settings:?}");
    assert!(settings.contains(&(6, 32 * 1024)), "{settings:?}");
}

/// A SCIM request with a token and extra headers.
fn with_token(s: &Server, token: &str, extra: &[(&str, &str)]) -> Resp {
    let auth = format!("Bearer {token}");
    let mut h = vec![("Authorization", auth.as_str())];
    h.extend_from_slice(extra);
    s.raw("GET", "/Users?count=1", None, &h)
}

const BAD: &str = "scimd_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

#[test]
fn failed_authentication_is_limited_per_address() {
    let s = Server::start_with(&["--rate-limit-auth-failures", "0.01"]);
    // The IdP's token is known good once it authenticated.
    assert_eq!(s.get("/Users?count=1").status, 200);
    let unused = s.token_for("default", "default");
    for i in 0..20 {
        let r = with_token(&s, &format!("{BAD}{i}"), &[]);
        assert_error(&r, 401, None);
    }
    // The 21st failure from this address is refused before any lookup.
    let r = with_token(&s, BAD, &[]);
    assert_error(&r, 429, None);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry >= 1, "{retry}");
    // A token that authenticated before still passes; one that never did
    // waits like any other from this address.
    assert_eq!(s.get("/Users?count=1").status, 200);
    assert_error(&with_token(&s, &unused, &[]), 429, None);
    // A client cannot pick another address with X-Forwarded-For.
    let r = with_token(&s, BAD, &[("X-Forwarded-For", "203.0.113.9")]);
    assert_error(&r, 429, None);
    let m = metric(&ops_addr_of(&s), "scimd_rate_limited_total").unwrap();
    assert!(m >= 3.0, "{m}");
}

#[test]
fn forwarding_headers_count_only_from_a_trusted_proxy() {
    let s = Server::start_with(&[
        "--rate-limit-auth-failures",
        "0.01",
        "--trusted-proxy",
        "10.9.9.9,127.0.0.0/8",
    ]);
    fn from(client: &str) -> [(&'static str, &str); 1] {
        [("X-Forwarded-For", client)]
    }
    for _ in 0..20 {
        assert_error(&with_token(&s, BAD, &from("203.0.113.1")), 401, None);
    }
    assert_error(&with_token(&s, BAD, &from("203.0.113.1")), 429, None);
    // The proxy forwards other clients, which are not refused.
    assert_error(&with_token(&s, BAD, &from("203.0.113.2")), 401, None);
    // A client's own X-Forwarded-For entry is left of what the proxy adds.
    assert_error(
        &with_token(&s, BAD, &from("203.0.113.2, 203.0.113.1")),
        429,
        None,
    );
    assert_eq!(s.get("/Users?count=1").status, 200);
}
