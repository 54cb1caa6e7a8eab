//! End-to-end tests: the real `scimd` binary on port 0 with a fresh
//! database, spoken to over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "e2e/server.rs"]
mod server;

#[path = "e2e/admin.rs"]
mod admin;
#[path = "e2e/admin_accounts.rs"]
mod admin_accounts;
#[path = "e2e/audit.rs"]
mod audit;
#[path = "e2e/backup.rs"]
mod backup;
#[path = "e2e/breaker.rs"]
mod breaker;
#[path = "e2e/bulk.rs"]
mod bulk;
#[path = "e2e/cli.rs"]
mod cli;
#[path = "e2e/cli_checks.rs"]
mod cli_checks;
#[path = "e2e/cli_shape.rs"]
mod cli_shape;
#[path = "e2e/concurrency.rs"]
mod concurrency;
#[path = "e2e/crud.rs"]
mod crud;
#[path = "e2e/custom_attributes.rs"]
mod custom_attributes;
#[path = "e2e/discovery.rs"]
mod discovery;
#[path = "e2e/durability.rs"]
mod durability;
#[path = "e2e/etag.rs"]
mod etag;
#[path = "e2e/hostile.rs"]
mod hostile;
#[path = "e2e/hostile_net.rs"]
mod hostile_net;
#[path = "e2e/hostile_queries.rs"]
mod hostile_queries;
#[path = "e2e/hostile_secrets.rs"]
mod hostile_secrets;
#[path = "e2e/hostile_sizes.rs"]
mod hostile_sizes;
#[path = "e2e/hostile_webhooks.rs"]
mod hostile_webhooks;
#[path = "e2e/http.rs"]
mod http;
#[path = "e2e/interop.rs"]
mod interop;
#[path = "e2e/isolation.rs"]
mod isolation;
#[path = "e2e/list.rs"]
mod list;
#[path = "e2e/membership.rs"]
mod membership;
#[path = "e2e/noisy.rs"]
mod noisy;
#[path = "e2e/ops.rs"]
mod ops;
#[path = "e2e/patch.rs"]
mod patch;
#[path = "e2e/policies.rs"]
mod policies;
#[path = "e2e/provlog.rs"]
mod provlog;
#[path = "e2e/proxy.rs"]
mod proxy;
#[path = "e2e/receiver.rs"]
mod receiver;
#[path = "e2e/replay.rs"]
mod replay;
#[path = "e2e/roles.rs"]
mod roles;
#[path = "e2e/targets.rs"]
mod targets;
#[path = "e2e/tls.rs"]
mod tls;
#[path = "e2e/webhooks.rs"]
mod webhooks;
