//! Command-line arguments of `scimd serve` about connections: timeouts,
//! the connection cap, HTTP/2 limits (`docs/reliability.md#connections`)
//! and the proxies whose forwarding headers are trusted.

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
}
