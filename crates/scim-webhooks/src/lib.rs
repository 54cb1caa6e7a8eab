//! scimd's webhook delivery (`docs/events.md`): the [`Worker`] that
//! delivers each tenant's change events to its webhooks, signed JSON
//! batches or RFC 8935 SET push ([`request`], [`sign`]), with retries and
//! back-off ([`backoff`]), dead letters, leases so one replica delivers each
//! webhook, and Prometheus metrics ([`metrics`]).
//!
//! Invariant: all delivery state (cursor, failures, back-off, dead letters,
//! leases) lives in the store; the worker keeps none between ticks.

pub mod backoff;
pub mod metrics;
pub mod request;
pub mod sign;
pub mod transport;
pub mod worker;

pub use backoff::Backoff;
pub use metrics::WebhookMetrics;
pub use transport::{HttpTransport, Outgoing, Transport};
pub use worker::{Worker, WorkerConfig};

use scim_service::TenantAdmin;

/// Sends a test event to a tenant's webhook now (`scimd webhook test`),
/// signed as deliveries are; returns the receiver's HTTP status.
pub async fn send_test(
    admin: &TenantAdmin<'_>,
    transport: &dyn Transport,
    id: i64,
    issuer: &str,
) -> Result<u16, String> {
    let mut hook = admin
        .hooks()
        .get(id)
        .await
        .map_err(|e| e.detail().to_string())?;
    hook.secret = admin
        .webhook_secret(&hook)
        .map_err(|e| e.internal_message().unwrap_or(e.detail()).to_string())?;
    let set = admin
        .test_event(&hook, issuer)
        .map_err(|e| e.detail().to_string())?;
    let now_secs = scim_core::timestamp::Timestamp::now_utc().unix_millis() / 1000;
    transport
        .post(request::build(&hook, &[set], now_secs))
        .await
}
