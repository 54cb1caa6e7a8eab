//! Command-line arguments of the provisioning log: `scimd serve`'s
//! switch and bounds, and `scimd log`.

use crate::cli::Output;
use clap::{Args, ValueEnum};

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    On,
    Off,
}

/// The provisioning log's settings of `serve`.
#[derive(Debug, Args, Default, Clone)]
pub struct ProvlogServeArgs {
    /// Record every SCIM request in the provisioning log (default on).
    #[arg(long, env = "SCIMD_PROVISIONING_LOG")]
    pub provisioning_log: Option<Switch>,
    /// Provisioning log rows kept per tenant, the newest (default 10000).
    #[arg(long, env = "SCIMD_PROVISIONING_LOG_ROWS")]
    pub provisioning_log_rows: Option<u64>,
    /// Days a provisioning log row is kept (default 7).
    #[arg(long, env = "SCIMD_PROVISIONING_LOG_DAYS")]
    pub provisioning_log_days: Option<u32>,
}

/// `scimd log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// The tenant.
    #[arg(long)]
    pub tenant: String,
    /// Only requests through this connection.
    #[arg(long)]
    pub connection: Option<String>,
    /// Only this status class: 2xx, 3xx, 4xx or 5xx.
    #[arg(long)]
    pub status: Option<String>,
    /// Only this request id (X-Request-Id).
    #[arg(long)]
    pub request_id: Option<String>,
    /// From this time (RFC 3339).
    #[arg(long)]
    pub since: Option<String>,
    /// The most rows to show (before following).
    #[arg(long, default_value_t = 50)]
    pub limit: u64,
    /// Keep printing new rows as they are written (until interrupted).
    #[arg(long)]
    pub follow: bool,
    #[command(flatten)]
    pub output: Output,
}
