//! Command-line arguments of `scimd serve` about connections and clients:
//! timeouts, the connection cap, HTTP/2 limits
//! (`docs/reliability.md#connections`), the proxies whose forwarding
//! headers are trusted, and the limit on failed authentication.

use clap::Args;

/// Connection settings of `serve`.
#[derive(Debug, Args, Default, Clone)]
pub struct NetServeArgs {
    /// Seconds a new connection has for its TLS handshake, and then for
    /// the head (request line and headers) of its first request; then it
    /// is closed (default 10).
    #[arg(long, env = "SCIMD_HEADER_TIMEOUT")]
    pub header_timeout: Option<f64>,
    /// Seconds a kept-alive connection waits for the head of its next
    /// request, and the longest any connection stays without a byte moving
    /// either way (an idle HTTP/2 connection, a client that stops reading a
    /// response or sending a body); then it is closed (default 75: above
    /// the 60 s that load balancers keep idle connections to their targets).
    #[arg(long, env = "SCIMD_IDLE_TIMEOUT")]
    pub idle_timeout: Option<f64>,
    /// The most connections open at once on each listener; beyond, new
    /// connections wait in the kernel's backlog (default 1024).
    #[arg(long, env = "SCIMD_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// The most concurrent requests (streams) on one HTTP/2 connection (default 100).
    #[arg(long, env = "SCIMD_HTTP2_MAX_STREAMS")]
    pub http2_max_streams: Option<u32>,
    /// A proxy (address or network, e.g. 10.0.0.0/8) whose X-Forwarded-For
    /// names the client; repeat it, or separate with commas. Without one,
    /// the client is the TCP peer and forwarding headers are ignored.
    #[arg(
        long = "trusted-proxy",
        env = "SCIMD_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
    /// Failed bearer authentications allowed per client address and second
    /// (burst: 20, or twice the rate if more); beyond, 429 before any token
    /// lookup (default 1; 0 disables).
    #[arg(long, env = "SCIMD_RATE_LIMIT_AUTH_FAILURES")]
    pub rate_limit_auth_failures: Option<f64>,
}
