//! scimd's use cases, over the storage port.
//!
//! [`ScimService`] authenticates callers ([`auth`]), administers tenants and
//! tokens ([`admin`]), serves SCIM resources ([`resource`]), Bulk ([`bulk`])
//! and discovery ([`discovery`]), and the admin console ([`console`]). Handlers call one method and map its
//! result; business rules live here, SQL lives in the stores.
//!
//! Invariant: every resource access goes through `store.resources(tenant)`
//! with the tenant of an authenticated [`Principal`].
//! Invariant: time and ids come from the injected [`Clock`] and
//! [`IdGenerator`], so tests control both.

pub mod admin;
pub mod admin_audit;
pub mod admin_connections;
pub mod admin_users;
pub mod admin_webhooks;
pub mod auth;
pub mod auth_limit;
pub mod bulk;
pub mod clock;
pub mod compute;
pub mod config;
pub mod console;
pub mod discovery;
pub mod feed;
pub mod ids;
pub mod journal;
pub mod profile;
pub mod provenance;
pub mod ratelimit;
pub mod render;
pub mod resource;
pub mod set;
pub mod webhook_keys;
pub mod webhook_target;

#[cfg(test)]
mod interop_tests;

pub use auth::{AuthRefusal, Principal};
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::ServiceConfig;
pub use ids::{IdGenerator, Sequential, UuidV7};
pub use profile::Profile;
pub use resource::{Reply, RequestCtx};

use scim_core::schema::{SchemaRegistry, GROUP_SCHEMA};
use scim_core::{ScimError, ScimResult};
use scim_store::Store;
use std::sync::Arc;

/// The SCIM service: a store, the schemas, and the injected clock and ids.
#[derive(Clone)]
pub struct ScimService {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) registry: Arc<SchemaRegistry>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ids: Arc<dyn IdGenerator>,
    pub(crate) config: Arc<ServiceConfig>,
    pub(crate) limiter: Arc<ratelimit::Limiter>,
    /// Where heavy computations run ([`compute`]).
    pub(crate) compute: Arc<compute::Compute>,
    pub(crate) login_limiter: Arc<console::limit::LoginLimiter>,
    /// Failed bearer authentication per client address.
    pub(crate) auth_failures: Arc<auth_limit::AuthFailureLimiter>,
    /// Circuit-breaker trips by this process (for `/metrics`).
    pub(crate) breaker_trips: Arc<std::sync::atomic::AtomicU64>,
}

/// The registry scimd serves: RFC 7643 schemas, group members stored apart.
pub fn registry() -> ScimResult<SchemaRegistry> {
    let mut reg = SchemaRegistry::builtin()?;
    reg.mark_external(GROUP_SCHEMA, "members")?;
    let provenance =
        provenance::schema_json().map_err(|e| internal(&format!("provenance schema: {e}")))?;
    // Published in /Schemas but not a resource-type extension: its values
    // are server-set and returned only when asked for by name, so clients
    // that validate or exercise every declared extension never meet it.
    reg.publish(&provenance)?;
    Ok(reg)
}

impl ScimService {
    /// A service over `store` with the system clock and random ids.
    pub fn new(store: Arc<dyn Store>, config: ServiceConfig) -> ScimResult<ScimService> {
        ScimService::with(store, config, Arc::new(SystemClock), Arc::new(UuidV7))
    }

    /// A service with an explicit clock and id generator.
    pub fn with(
        store: Arc<dyn Store>,
        config: ServiceConfig,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> ScimResult<ScimService> {
        let limiter = Arc::new(ratelimit::Limiter::new(config.rate_limits));
        let login_limiter = Arc::new(console::limit::LoginLimiter::new(config.login_limits));
        let auth_failures = Arc::new(auth_limit::AuthFailureLimiter::new(config.auth_failures));
        Ok(ScimService {
            store,
            registry: Arc::new(registry()?),
            clock,
            ids,
            config: Arc::new(config),
            limiter,
            compute: Arc::default(),
            login_limiter,
            auth_failures,
            breaker_trips: Arc::default(),
        })
    }

    /// The schema registry.
    pub fn schemas(&self) -> &SchemaRegistry {
        &self.registry
    }

    /// The service configuration.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// Whether group names are unique in a tenant with these settings.
    pub(crate) fn unique_groups(&self, settings: &scim_store::TenantSettings) -> bool {
        settings
            .unique_group_names
            .unwrap_or(self.config.unique_group_names)
    }

    /// How many times this process tripped a circuit breaker.
    pub fn breaker_trips(&self) -> u64 {
        self.breaker_trips
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs CPU work of a request that belongs to no tenant yet (parsing a
    /// large body): inline unless `heavy`, else on a compute thread
    /// ([`compute`]).
    pub async fn offload<T, F>(&self, heavy: bool, f: F) -> ScimResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.compute.run_any(heavy, f).await
    }

    /// The store (for the binary's administrative commands).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}

/// An internal error for an invariant the code upholds.
pub(crate) fn internal(what: &str) -> ScimError {
    ScimError::Internal(what.to_string())
}
