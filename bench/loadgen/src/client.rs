//! The HTTP client side: one keep-alive connection per worker, request
//! bodies of realistic users and PATCHes, and URL encoding.

use crate::*;

pub(crate) fn b64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for ch in input.chunks(3) {
        let b = [ch[0], *ch.get(1).unwrap_or(&0), *ch.get(2).unwrap_or(&0)];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for k in 0..4 {
            if k <= ch.len() {
                out.push(T[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) fn pct(s: &str) -> String {
    let mut o = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

// ----------------------------------------------------------------------------------------------
// workload data

pub(crate) fn user_name(idx: u64, tag: &str) -> String {
    let g = GIVEN[(idx % 24) as usize];
    let f = FAMILY[((idx / 24) % 24) as usize];
    format!("{}.{}.{}@{}.example.com", g.to_lowercase(), f.to_lowercase(), idx, tag)
}

pub(crate) fn user_body(idx: u64, tag: &str, enterprise: bool) -> Bytes {
    let g = GIVEN[(idx % 24) as usize];
    let f = FAMILY[((idx / 24) % 24) as usize];
    let un = user_name(idx, tag);
    let mut r = fastrand::Rng::with_seed(idx.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ tag.len() as u64);
    let ext = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        r.u32(..),
        r.u16(..),
        r.u16(..0x1000),
        r.u16(..0x1000),
        r.u64(..1 << 48)
    );
    let mut v = json!({
        "schemas": [USER_SCHEMA, ENT_SCHEMA],
        "externalId": ext,
        "userName": un,
        "name": {"givenName": g, "familyName": f, "formatted": format!("{g} {f}")},
        "displayName": format!("{g} {f}"),
        "emails": [{"value": un, "type": "work", "primary": true}],
        "active": true,
        ENT_SCHEMA: {"employeeNumber": format!("E{idx:07}"), "department": DEPTS[(idx % 8) as usize]}
    });
    if !enterprise {
        let o = v.as_object_mut().unwrap();
        o.remove(ENT_SCHEMA);
        o.insert("schemas".into(), json!([USER_SCHEMA]));
    }
    Bytes::from(serde_json::to_vec(&v).unwrap())
}

pub(crate) fn patch_active(active: bool) -> Bytes {
    Bytes::from(
        serde_json::to_vec(&json!({
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "path": "active", "value": active}]
        }))
        .unwrap(),
    )
}

// ----------------------------------------------------------------------------------------------
// HTTP client: one keep-alive connection per worker

pub(crate) struct Client {
    pub(crate) cfg: Arc<Cfg>,
    pub(crate) sender: Option<SendRequest<Full<Bytes>>>,
    pub(crate) fresh: bool,
    pub(crate) connects: u64,
}

impl Client {
    pub(crate) fn new(cfg: Arc<Cfg>) -> Self {
        Client { cfg, sender: None, fresh: false, connects: 0 }
    }

    pub(crate) async fn connect(&mut self) -> Result<(), String> {
        let stream = TcpStream::connect(self.cfg.addr).await.map_err(|e| format!("connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        self.sender = Some(sender);
        self.fresh = true;
        self.connects += 1;
        Ok(())
    }

    pub(crate) async fn request(&mut self, method: Method, path: &str, body: Option<Bytes>) -> Result<(u16, Bytes), String> {
        let mut tries = 0;
        loop {
            tries += 1;
            if self.sender.is_none() {
                self.connect().await?;
            }
            let reused = !self.fresh;
            self.fresh = false;
            let sender = self.sender.as_mut().unwrap();
            if let Err(e) = sender.ready().await {
                self.sender = None;
                if reused && tries < 3 {
                    continue;
                }
                return Err(format!("conn not ready: {e}"));
            }
            let mut b = Request::builder()
                .method(method.clone())
                .uri(path)
                .header(HOST, self.cfg.host.as_str())
                .header(ACCEPT, "application/scim+json");
            if let Some(a) = &self.cfg.auth {
                b = b.header(AUTHORIZATION, a.as_str());
            }
            let req = match &body {
                Some(bd) => b.header(CONTENT_TYPE, "application/scim+json").body(Full::new(bd.clone())),
                None => b.body(Full::new(Bytes::new())),
            }
            .map_err(|e| e.to_string())?;
            match sender.send_request(req).await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let conn_hdr = resp.headers().get(CONNECTION).map(|v| v.as_bytes().to_ascii_lowercase());
                    let close = match &conn_hdr {
                        Some(v) if v.as_slice() == b"close" => true,
                        Some(v) if v.as_slice() == b"keep-alive" => false,
                        _ => resp.version() == Version::HTTP_10,
                    };
                    let body = match resp.into_body().collect().await {
                        Ok(c) => c.to_bytes(),
                        Err(e) => {
                            self.sender = None;
                            return Err(format!("body: {e}"));
                        }
                    };
                    if close {
                        self.sender = None;
                    }
                    return Ok((status, body));
                }
                Err(e) => {
                    self.sender = None;
                    if reused && tries < 3 && (e.is_canceled() || e.is_incomplete_message()) {
                        continue;
                    }
                    return Err(format!("send: {e}"));
                }
            }
        }
    }
}

// ----------------------------------------------------------------------------------------------
// operations
