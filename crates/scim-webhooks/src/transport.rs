//! Sending a webhook request: the [`Transport`] port and its HTTP
//! implementation on `ureq` (blocking, run on tokio's blocking pool).
//! Redirects are not followed: a webhook URL must answer itself.
//!
//! Destinations are checked at each delivery (`scim_service::webhook_target`):
//! the resolver drops loopback, link-local and private addresses from what
//! a name resolves to, so the connection is made only to an address that
//! passed (a name that resolves differently later, DNS rebinding, gains
//! nothing), and a request whose destination has no other address fails.
//! Through an HTTP proxy (`HTTPS_PROXY`, `ALL_PROXY`) the proxy resolves
//! the name: scimd checks the addresses it resolves to just before sending.

use async_trait::async_trait;
use scim_service::webhook_target::{host_port, restricted};
use std::io;
use std::net::ToSocketAddrs;
use std::time::Duration;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// One webhook request, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub url: String,
    /// Whether the webhook may reach loopback, link-local and private addresses.
    pub allow_private: bool,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// Sends webhook requests; answers the HTTP status or why there is none.
#[async_trait]
pub trait Transport: Send + Sync {
    async fn post(&self, req: Outgoing) -> Result<u16, String>;
}

/// A resolver that keeps only the addresses a webhook may reach.
#[derive(Debug, Default)]
struct Guarded {
    inner: DefaultResolver,
}

fn refused(host: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{host} resolves only to loopback, link-local or private addresses: refused \
             (allow with `scimd webhook create --allow-private` or `--webhook-allow-private`)"
        ),
    )
}

impl Resolver for Guarded {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.inner.resolve(uri, config, timeout)?;
        // The proxy itself is the operator's configuration.
        let proxy = config
            .proxy()
            .is_some_and(|p| uri.host().is_some_and(|h| h.eq_ignore_ascii_case(p.host())));
        if proxy {
            return Ok(addrs);
        }
        let mut kept = self.empty();
        for a in addrs.iter().filter(|a| !restricted(a.ip())) {
            kept.push(*a);
        }
        if kept.is_empty() {
            return Err(ureq::Error::Io(refused(uri.host().unwrap_or(""))));
        }
        Ok(kept)
    }
}

/// Before a request through a proxy: refuses a destination that resolves
/// (here and now) to a restricted address.
fn check_proxied(url: &str) -> Result<(), String> {
    let Some((host, port)) = host_port(url) else {
        return Err(format!("invalid webhook URL {url:?}"));
    };
    let addrs = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?;
    for a in addrs {
        if restricted(a.ip()) {
            return Err(refused(&host).to_string());
        }
    }
    Ok(())
}

/// HTTP(S) with a timeout per request.
pub struct HttpTransport {
    /// For webhooks that may reach only public addresses.
    guarded: ureq::Agent,
    /// For webhooks allowed private addresses.
    open: ureq::Agent,
    /// Whether every webhook is allowed private addresses (`--webhook-allow-private`).
    allow_private: bool,
}

impl HttpTransport {
    /// A transport whose requests time out after `timeout`; with
    /// `allow_private`, every webhook may reach private addresses.
    pub fn new(timeout: Duration, allow_private: bool) -> HttpTransport {
        let config = || {
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .timeout_global(Some(timeout))
                .user_agent(concat!("scimd-webhooks/", env!("CARGO_PKG_VERSION")))
                .build()
        };
        HttpTransport {
            guarded: ureq::Agent::with_parts(
                config(),
                DefaultConnector::default(),
                Guarded::default(),
            ),
            open: config().into(),
            allow_private,
        }
    }
}

#[async_trait]
impl Transport for HttpTransport {
    async fn post(&self, req: Outgoing) -> Result<u16, String> {
        let open = self.allow_private || req.allow_private;
        let agent = if open { &self.open } else { &self.guarded }.clone();
        tokio::task::spawn_blocking(move || {
            let proxied = agent.config().proxy().is_some_and(|p| {
                req.url
                    .parse::<ureq::http::Uri>()
                    .is_ok_and(|u| !p.is_no_proxy(&u))
            });
            if proxied && !open {
                check_proxied(&req.url)?;
            }
            let mut r = agent
                .post(&req.url)
                .header("Content-Type", req.content_type)
                .header("Accept", "application/json");
            for (k, v) in &req.headers {
                r = r.header(*k, v);
            }
            match r.send(req.body.as_bytes()) {
                Ok(resp) => Ok(resp.status().as_u16()),
                Err(e) => Err(e.to_string()),
            }
        })
        .await
        .map_err(|e| format!("delivery task failed: {e}"))?
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::{Read, Write};

    /// A receiver on loopback that answers 204 to each of `n` requests.
    fn receiver(n: usize) -> (String, std::thread::JoinHandle<usize>) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let h = std::thread::spawn(move || {
            let mut served = 0;
            for mut s in l.incoming().take(n).flatten() {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
                served += 1;
            }
            served
        });
        (format!("http://localhost:{port}/hook"), h)
    }

    fn outgoing(url: &str, allow_private: bool) -> Outgoing {
        Outgoing {
            url: url.into(),
            allow_private,
            content_type: "application/json",
            headers: Vec::new(),
            body: "{}".into(),
        }
    }

    #[tokio::test]
    async fn private_destinations_are_refused_at_delivery_unless_allowed() {
        let (url, served) = receiver(2);
        let strict = HttpTransport::new(Duration::from_secs(5), false);
        // A name (not a literal) that resolves to loopback when sent.
        let e = strict.post(outgoing(&url, false)).await.unwrap_err();
        assert!(e.contains("refused"), "{e}");
        let literal = url.replace("localhost", "127.0.0.1");
        assert!(strict.post(outgoing(&literal, false)).await.is_err());
        // Allowed for this webhook, or for every webhook.
        assert_eq!(strict.post(outgoing(&url, true)).await, Ok(204));
        let open = HttpTransport::new(Duration::from_secs(5), true);
        assert_eq!(open.post(outgoing(&literal, false)).await, Ok(204));
        assert_eq!(served.join().unwrap(), 2);
    }
}
