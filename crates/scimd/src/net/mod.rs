//! The listeners' connection limits (`docs/reliability.md#connections`),
//! the same on every listener of `serve`: SCIM, the plain-HTTP redirect,
//! operations (`--ops-listen`) and the admin console (`--admin-listen`):
//!
//! - the header timeout: a new connection's TLS handshake, and then the
//!   head of its first request (axum-server's first-request timeout, which
//!   also covers HTTP/2 and hyper's protocol detection), must each arrive
//!   within it;
//! - the idle timeout: on a kept-alive HTTP/1 connection the next request's
//!   head must arrive within it of the previous response (hyper's
//!   header-read timeout, which needs the timer axum-server installs), and
//!   no connection stays longer without a byte moving ([`idle`]). Kept
//!   longer than the header timeout so that a load balancer's pooled
//!   connections are not closed under it;
//! - a cap on concurrent connections per listener ([`cap`]), reported in
//!   `/metrics` ([`Listeners`] keeps each listener's counts and handle);
//! - HTTP/2 limits: concurrent streams, header list size, reset streams
//!   (the "rapid reset" bound), windows and send buffers, set explicitly
//!   rather than left to hyper's defaults;
//! - unencoded `"`, `<`, `>` … in request targets read as percent-encoded
//!   ([`target`]), above TLS, for HTTP/1.1 and HTTP/2.

pub mod cap;
pub mod idle;
pub mod target;

use crate::cli_net::NetServeArgs;
use crate::config::FileConfig;
use axum::http::{Request, Response};
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use axum_server::{Handle, Server};
use cap::{Capped, ConnStats};
use hyper::body::Incoming;
use idle::IdleAcceptor;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use target::TargetAcceptor;
use tower_service::Service;

/// The most request headers accepted (hyper answers 431 beyond).
const MAX_HEADERS: usize = 100;
/// Reset streams a client may leave for the server to accept, per HTTP/2
/// connection, before the connection is closed (CVE-2023-44487).
const H2_MAX_PENDING_RESETS: usize = 20;
/// Streams the server may reset for a client's protocol errors, per
/// HTTP/2 connection, before the connection is closed.
const H2_MAX_LOCAL_RESETS: usize = 1024;
/// The HTTP/2 flow-control windows (per stream and per connection) and
/// the most a stream buffers to send.
const H2_WINDOW: u32 = 1024 * 1024;
const H2_SEND_BUFFER: usize = 400 * 1024;

/// The connection limits of `serve`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NetLimits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    pub http2_max_streams: u32,
    /// The largest request head in bytes (HTTP/1 buffer, HTTP/2 header list).
    pub max_header_bytes: usize,
}

fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.clamp(0.001, 86_400.0)).unwrap_or(Duration::from_secs(10))
}

impl NetLimits {
    /// Flags over the config file over the defaults.
    pub fn resolve(a: &NetServeArgs, f: &FileConfig, max_header_bytes: usize) -> NetLimits {
        NetLimits {
            header_timeout: seconds(a.header_timeout.or(f.header_timeout).unwrap_or(10.0)),
            idle_timeout: seconds(a.idle_timeout.or(f.idle_timeout).unwrap_or(75.0)),
            max_connections: a
                .max_connections
                .or(f.max_connections)
                .unwrap_or(1024)
                .max(1),
            http2_max_streams: a
                .http2_max_streams
                .or(f.http2_max_streams)
                .unwrap_or(100)
                .max(1),
            max_header_bytes: max_header_bytes.max(8192),
        }
    }
}

fn tune<Acc>(server: &mut Server<SocketAddr, Acc>, l: &NetLimits) {
    let b = server.http_builder();
    b.http1()
        .max_buf_size(l.max_header_bytes)
        .max_headers(MAX_HEADERS)
        .header_read_timeout(l.idle_timeout);
    b.http2()
        .max_concurrent_streams(l.http2_max_streams)
        .max_header_list_size(u32::try_from(l.max_header_bytes).unwrap_or(u32::MAX))
        .max_pending_accept_reset_streams(H2_MAX_PENDING_RESETS)
        .max_local_error_reset_streams(H2_MAX_LOCAL_RESETS)
        .initial_stream_window_size(H2_WINDOW)
        .initial_connection_window_size(H2_WINDOW)
        .max_send_buf_size(H2_SEND_BUFFER)
        // No pings: a peer answering them would never look idle.
        .keep_alive_interval(None);
}

/// Serves `make` on `listener`, over TLS with `tls`, under `limits`, until
/// `handle` shuts it down; `stats` counts its connections.
pub async fn serve<M, S>(
    listener: std::net::TcpListener,
    tls: Option<RustlsConfig>,
    make: M,
    limits: &NetLimits,
    handle: Handle<SocketAddr>,
    stats: Arc<ConnStats>,
) -> std::io::Result<()>
where
    M: Service<SocketAddr, Response = S, Error = Infallible> + Send + 'static,
    M::Future: Send + 'static,
    S: Service<Request<Incoming>, Response = Response<axum::body::Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let make = Capped::new(make, stats);
    let idle = IdleAcceptor {
        timeout: limits.idle_timeout,
    };
    let server = axum_server::from_tcp(listener)?;
    match tls {
        Some(config) => {
            let acceptor = TargetAcceptor {
                inner: RustlsAcceptor::new(config)
                    .handshake_timeout(limits.header_timeout)
                    .acceptor(idle),
            };
            let mut server = server
                .acceptor(acceptor)
                .handle(handle)
                .first_request_timeout(limits.header_timeout);
            tune(&mut server, limits);
            server.serve(make).await
        }
        None => {
            let mut server = server
                .acceptor(TargetAcceptor { inner: idle })
                .handle(handle)
                .first_request_timeout(limits.header_timeout);
            tune(&mut server, limits);
            server.serve(make).await
        }
    }
}

/// The listeners of one `serve`: each is served by [`serve`] under the
/// same limits, with a handle for the graceful shutdown and its
/// connection counts for `/metrics`.
#[derive(Debug)]
pub struct Listeners {
    limits: NetLimits,
    handles: Vec<Handle<SocketAddr>>,
    stats: Vec<Arc<ConnStats>>,
}

impl Listeners {
    pub fn new(limits: NetLimits) -> Listeners {
        Listeners {
            limits,
            handles: Vec::new(),
            stats: Vec::new(),
        }
    }

    /// A new listener named `name` (the metrics' `listener` label): its
    /// shutdown handle and connection counts.
    pub fn add(&mut self, name: &'static str) -> (Handle<SocketAddr>, Arc<ConnStats>) {
        let handle = Handle::new();
        let stats = ConnStats::new(name, self.limits.max_connections);
        self.handles.push(handle.clone());
        self.stats.push(stats.clone());
        (handle, stats)
    }

    /// Serves `make` on `listener` (plain HTTP) in a task of its own,
    /// named `name`; logs if the listener fails.
    pub fn spawn<M, S>(&mut self, name: &'static str, listener: std::net::TcpListener, make: M)
    where
        M: Service<SocketAddr, Response = S, Error = Infallible> + Send + 'static,
        M::Future: Send + 'static,
        S: Service<Request<Incoming>, Response = Response<axum::body::Body>, Error = Infallible>
            + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
    {
        let (handle, stats) = self.add(name);
        let limits = self.limits;
        tokio::spawn(async move {
            if let Err(e) = serve(listener, None, make, &limits, handle, stats).await {
                tracing::error!(error = %e, listener = name, "a listener failed");
            }
        });
    }

    /// Every listener's handle, for the graceful shutdown.
    pub fn handles(&self) -> Vec<Handle<SocketAddr>> {
        self.handles.clone()
    }

    /// Every listener's connection metrics.
    pub fn metrics(&self) -> cap::Connections {
        cap::Connections(self.stats.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        net: NetServeArgs,
    }

    #[test]
    fn flags_over_file_over_defaults() {
        let resolve = |args: &[&str], file: &str| {
            let a = Args::try_parse_from(std::iter::once("x").chain(args.iter().copied())).unwrap();
            let f: FileConfig = toml::from_str(file).unwrap();
            NetLimits::resolve(&a.net, &f, 32 * 1024)
        };
        let d = resolve(&[], "");
        assert_eq!(
            d,
            NetLimits {
                header_timeout: Duration::from_secs(10),
                idle_timeout: Duration::from_secs(75),
                max_connections: 1024,
                http2_max_streams: 100,
                max_header_bytes: 32 * 1024,
            }
        );
        let f = resolve(
            &[],
            "header_timeout = 2\nidle_timeout = 0.5\nmax_connections = 7\nhttp2_max_streams = 3",
        );
        assert_eq!(
            (
                f.header_timeout,
                f.idle_timeout,
                f.max_connections,
                f.http2_max_streams
            ),
            (Duration::from_secs(2), Duration::from_millis(500), 7, 3)
        );
        let a = resolve(
            &["--header-timeout", "0.25", "--max-connections", "0"],
            "header_timeout = 2",
        );
        assert_eq!(
            (a.header_timeout, a.max_connections),
            (Duration::from_millis(250), 1)
        );
    }
}
