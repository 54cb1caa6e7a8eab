//! Command-line arguments of `scimd webhook` and the delivery flags of
//! `scimd serve` (`docs/events.md`).

use crate::cli::Output;
use crate::cli_values::WebhookFormat;
use clap::{Args, Subcommand};

/// Webhook delivery settings of `serve`.
#[derive(Debug, Args, Default, Clone)]
pub struct WebhookServeArgs {
    /// Milliseconds between delivery passes (default 1000).
    #[arg(long, env = "SCIMD_WEBHOOK_POLL_MS")]
    pub webhook_poll_ms: Option<u64>,
    /// First retry back-off in milliseconds, doubled per failure, with full jitter (default 1000).
    #[arg(long, env = "SCIMD_WEBHOOK_RETRY_BASE_MS")]
    pub webhook_retry_base_ms: Option<u64>,
    /// Longest retry back-off in milliseconds (default 600000).
    #[arg(long, env = "SCIMD_WEBHOOK_RETRY_MAX_MS")]
    pub webhook_retry_max_ms: Option<u64>,
    /// Attempts of one event before it is dead-lettered (default 8).
    #[arg(long, env = "SCIMD_WEBHOOK_MAX_ATTEMPTS")]
    pub webhook_max_attempts: Option<u32>,
    /// Milliseconds a replica keeps a webhook without renewing its lease (default 30000).
    #[arg(long, env = "SCIMD_WEBHOOK_LEASE_MS")]
    pub webhook_lease_ms: Option<u64>,
    /// Milliseconds a receiver may take to answer (default 10000).
    #[arg(long, env = "SCIMD_WEBHOOK_TIMEOUT_MS")]
    pub webhook_timeout_ms: Option<u64>,
    /// Let every webhook deliver to loopback, link-local and private
    /// addresses (refused by default, unless the webhook was created with
    /// --allow-private).
    #[arg(long, env = "SCIMD_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,
}

#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Add a webhook to a tenant; its secret is printed once, alone on the last line.
    Create {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Where to POST events (http:// or https://).
        #[arg(long)]
        url: String,
        /// How events are sent.
        #[arg(long, default_value = "signed")]
        format: WebhookFormat,
        /// Send the notice form (changed attribute names) instead of the full resource.
        #[arg(long)]
        notice: bool,
        /// Allow this webhook to deliver to loopback, link-local and
        /// private addresses (an internal receiver); refused otherwise.
        #[arg(long)]
        allow_private: bool,
    },
    /// List a tenant's webhooks with their delivery status.
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        output: Output,
    },
    /// Delete a webhook (and its dead letters).
    Delete {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The webhook's id.
        id: i64,
    },
    /// Send a test event now; prints the receiver's status.
    Test {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The webhook's id.
        id: i64,
        /// The `iss` of the test SET (default `scimd`).
        #[arg(long, default_value = "scimd")]
        issuer: String,
    },
    /// List the events whose delivery exhausted its retries.
    DeadLetters {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The webhook's id.
        id: i64,
        #[command(flatten)]
        output: Output,
    },
    /// Deliver dead letters again (all, or one event), before the queue.
    Redeliver {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The webhook's id.
        id: i64,
        /// The event's number among its tenant's (default: every dead letter).
        #[arg(long)]
        event: Option<i64>,
    },
}

impl WebhookCommand {
    /// The tenant the command acts on.
    pub fn tenant(&self) -> &str {
        match self {
            WebhookCommand::Create { tenant, .. }
            | WebhookCommand::List { tenant, .. }
            | WebhookCommand::Delete { tenant, .. }
            | WebhookCommand::Test { tenant, .. }
            | WebhookCommand::DeadLetters { tenant, .. }
            | WebhookCommand::Redeliver { tenant, .. } => tenant,
        }
    }
}
