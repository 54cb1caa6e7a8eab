//! What `serve` does for the operator around the SCIM API: the operations
//! listener (`--ops-listen`: `/metrics`, `/healthz`, `/readyz`) and the
//! admin console's own listener (`--admin-listen`) in [`listeners`];
//! process, build, pool and breaker metrics in [`metrics`]; systemd
//! readiness (`Type=notify`) in [`notify`]; and the first start's token,
//! on a terminal or in a file of mode 0600, in [`first_token`].

pub mod first_token;
pub mod listeners;
pub mod metrics;
pub mod notify;
#[cfg(target_os = "linux")]
mod process;
