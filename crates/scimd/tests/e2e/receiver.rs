//! The webhook receiver of the e2e tests: a real HTTP server on
//! 127.0.0.1:0 (std `TcpListener`, one thread) that records requests and
//! answers 500 on demand, and the checks a receiver makes (HMAC signature
//! written independently of scimd's, timestamp freshness, event ids).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One request the receiver got, and what it answered.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub status: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The SETs it carried (a JSON batch, or one unsecured JWS).
    pub fn sets(&self) -> Vec<Value> {
        if self.header("content-type") == "application/secevent+jwt" {
            let claims = self.body.split('.').nth(1).unwrap();
            let bytes = URL_SAFE_NO_PAD.decode(claims).unwrap();
            vec![serde_json::from_slice(&bytes).unwrap()]
        } else {
            let v: Value = serde_json::from_str(&self.body).unwrap();
            v["events"].as_array().unwrap().clone()
        }
    }
}

/// An HTTP receiver on 127.0.0.1:0 that records every request and
/// answers 500 while `down` or for the next `fail_next` requests.
pub struct Receiver {
    pub url: String,
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Received>>>,
    pub fail_next: Arc<AtomicUsize>,
    pub down: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let r = Receiver {
            url: format!("http://{addr}/hook"),
            addr,
            log: Arc::default(),
            fail_next: Arc::default(),
            down: Arc::default(),
            stop: Arc::default(),
        };
        let (log, fail_next, down, stop) = (
            r.log.clone(),
            r.fail_next.clone(),
            r.down.clone(),
            r.stop.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming().take(5_000) {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let failing = down.load(Ordering::SeqCst)
                    || fail_next
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                if let Some(req) = answer(stream, failing) {
                    log.lock().unwrap().push(req);
                }
            }
        });
        r
    }

    pub fn requests(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// The SETs of successful deliveries, in arrival order.
    pub fn delivered(&self) -> Vec<Value> {
        self.requests()
            .iter()
            .filter(|r| r.ok())
            .flat_map(Received::sets)
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

/// Reads one HTTP/1.1 request and answers it (the connection then closes).
fn answer(stream: TcpStream, failing: bool) -> Option<Received> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    if !line.starts_with("POST ") {
        return None;
    }
    let mut headers = Vec::new();
    for _ in 0..100 {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    let set = headers.iter().any(|(_, v)| v == "application/secevent+jwt");
    let status = match (failing, set) {
        (true, _) => 500,
        (false, true) => 202,
        (false, false) => 200,
    };
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    let _ = stream.flush();
    Some(Received {
        headers,
        body: String::from_utf8(body).ok()?,
        status,
    })
}

/// HMAC-SHA256 (RFC 2104), written independently of scimd's.
fn hmac(key: &[u8], msg: &[u8]) -> String {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| k.iter().map(|x| x ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a receiver must check: a fresh timestamp (5 minutes) and the
/// signature of `"<timestamp>.<body>"`.
pub fn verify(r: &Received, secret: &str) {
    let ts: i64 = r.header("x-scimd-timestamp").parse().unwrap();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((now - ts).abs() <= 300, "stale timestamp {ts}");
    let expected = format!(
        "v1={}",
        hmac(secret.as_bytes(), format!("{ts}.{}", r.body).as_bytes())
    );
    assert_eq!(r.header("x-scimd-signature"), expected);
    assert_ne!(
        r.header("x-scimd-signature"),
        format!(
            "v1={}",
            hmac(b"wrong", format!("{ts}.{}", r.body).as_bytes())
        )
    );
    let jtis: Vec<String> = r
        .sets()
        .iter()
        .map(|s| s["jti"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(r.header("x-scimd-event-ids"), jtis.join(","));
}

/// Polls `cond` until it holds or `secs` pass.
pub fn wait_for(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    for _ in 0..100_000 {
        if cond() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}
