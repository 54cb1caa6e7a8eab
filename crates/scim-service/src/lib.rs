//! scimd's use cases, over the storage port, split by capability.
//!
//! One `Core` (`state.rs`) holds the shared state. It is reached only through
//! handles that say who asks:
//!
//! - [`Service`]: what requests reach. [`Service::authenticate`] makes a
//!   [`Principal`] from a bearer token, and only a principal opens the SCIM
//!   API ([`Scim`]: resources, Bulk, discovery, the change feed).
//!   [`Service::sessions`] signs console admins in, and only an
//!   [`AdminPrincipal`] opens the console ([`Console`]). Readiness and
//!   metrics are [`Status`].
//! - [`Operator`]: the command line's principal, made only from the store
//!   itself (so only the binary, which opens the backends, holds one). It
//!   administers everything and runs the [`Maintenance`].
//!
//! Administration is typed by what it may do: [`TenantReader`] reads one
//! tenant, [`TenantAdmin`] changes it, [`SystemAdmin`] manages tenants and
//! admin accounts. A console admin gets each only through the role check in
//! [`Console`]; the operator gets them without one.
//!
//! The SCIM API answers with domain [`Outcome`]s (created, replaced,
//! deleted, …, with the resource's identity and version); the HTTP crate
//! turns them into status codes and headers. Every SCIM call takes one
//! [`RequestCtx`] (base URL, client, correlation id, projection and
//! preconditions) instead of long argument lists.
//!
//! Invariant: every resource access goes through `store.resources(tenant)`
//! with the tenant of an authenticated [`Principal`], or of a tenant an
//! operator principal reaches.
//! Invariant: time and ids come from the injected [`Clock`] and
//! [`IdGenerator`], so tests control both.

pub mod admin;
pub mod admin_audit;
pub mod admin_connections;
pub mod admin_roles;
pub mod admin_schemas;
pub mod admin_users;
pub mod admin_webhooks;
pub mod auth;
pub mod auth_limit;
pub mod bulk;
pub mod clock;
pub mod compute;
pub mod config;
pub mod console;
pub mod context;
pub mod credentials;
pub mod discovery;
pub mod feed;
pub mod ids;
pub mod journal;
pub mod maintenance;
pub mod outcome;
pub mod provenance;
pub mod provlog;
pub mod provlog_read;
pub mod ratelimit;
pub mod render;
pub mod resource;
pub mod roles;
pub mod scim;
pub mod service;
pub mod set;
mod state;
pub mod system;
pub mod tenant;
pub mod tenant_schemas;
pub mod token_use;
pub mod undefined;
pub mod webhook_keys;
pub mod webhook_target;

pub use admin::{kind_named, IssuedToken};
pub use auth::{AuthRefusal, Principal};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::ServiceConfig;
pub use console::{AdminPrincipal, Console, Sessions};
pub use context::{Preconditions, RequestCtx};
pub use ids::{IdGenerator, Sequential, UuidV7};
pub use maintenance::{Maintenance, Status};
pub use outcome::{Outcome, ResourceRef};
pub use scim::Scim;
pub use scim_core::profile::{Profile, ENTRA_AGENTS};
pub use service::{Operator, Service};
pub use state::registry;
pub use system::SystemAdmin;
pub use tenant::{TenantAdmin, TenantReader};

use scim_core::ScimError;

/// An internal error for an invariant the code upholds.
pub(crate) fn internal(what: &str) -> ScimError {
    ScimError::Internal(what.to_string())
}
