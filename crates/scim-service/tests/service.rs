//! Tests at the service boundary: the service on the memory store with a
//! manual clock and sequential ids ([`harness`]), one file per area, each
//! with its `check` helper and a table of cases. End-to-end tests
//! (`crates/scimd/tests/e2e`) keep only what needs a process: HTTP, TLS,
//! the command line, durability, replicas.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "service/harness.rs"]
mod harness;

#[path = "service/accounts.rs"]
mod accounts;
#[path = "service/audit.rs"]
mod audit;
#[path = "service/authorisation.rs"]
mod authorisation;
#[path = "service/breaker.rs"]
mod breaker;
#[path = "service/console.rs"]
mod console;
#[path = "service/interop.rs"]
mod interop;
#[path = "service/list.rs"]
mod list;
#[path = "service/local.rs"]
mod local;
#[path = "service/manage.rs"]
mod manage;
#[path = "service/patch.rs"]
mod patch;
#[path = "service/policies.rs"]
mod policies;
#[path = "service/profiles.rs"]
mod profiles;
#[path = "service/provlog.rs"]
mod provlog;
#[path = "service/roles.rs"]
mod roles;
