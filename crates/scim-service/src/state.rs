//! The state every part of the service shares: one [`Core`] per process,
//! behind an `Arc`, reached only through the handles that carry a
//! principal or a purpose ([`crate::Service`], [`crate::Operator`]).
//!
//! Invariant: nothing outside this crate sees a `Core`: the store is
//! reached through the capability types (SCIM for a `Principal`, the
//! administration types for an operator), never directly.

use crate::clock::Clock;
use crate::compute::Compute;
use crate::config::ServiceConfig;
use crate::console::limit::LoginLimiter;
use crate::ids::IdGenerator;
use crate::tenant_schemas::{SchemaCache, TenantSchemas};
use crate::{auth_limit, internal, provenance, provlog, ratelimit, token_use};
use scim_core::project::Projection;
use scim_core::schema::{ResourceSchema, SchemaRegistry, GROUP_SCHEMA};
use scim_core::tolerance::Tolerances;
use scim_core::{ScimError, ScimResult};
use scim_store::{Load, ResourceKind, Store, Tenant, TenantId, TenantSettings, UndefinedPolicy};
use serde_json::Value;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

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
    // The roles extension is not here: a tenant's schemas add it while
    // the tenant maps roles (`crate::tenant_schemas`, `docs/roles.md`).
    Ok(reg)
}

/// The shared state: the store, the schemas, the injected clock and ids,
/// the settings, the rate limiters and the compute slots.
pub(crate) struct Core {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) registry: Arc<SchemaRegistry>,
    /// Each tenant's schemas, built from `registry` and its extensions.
    pub(crate) schemas: SchemaCache,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ids: Arc<dyn IdGenerator>,
    pub(crate) config: ServiceConfig,
    /// Requests per token and per tenant.
    pub(crate) limiter: ratelimit::Limiter,
    /// Where heavy computations run ([`crate::compute`]).
    pub(crate) compute: Compute,
    /// Console sign-in attempts per username and per address.
    pub(crate) login_limiter: LoginLimiter,
    /// Failed bearer authentication per client address.
    pub(crate) auth_failures: auth_limit::AuthFailureLimiter,
    /// Circuit-breaker trips by this process (for `/metrics`).
    pub(crate) breaker_trips: AtomicU64,
    /// When this process last recorded each token's use ([`token_use`]).
    pub(crate) token_uses: token_use::TokenUses,
    /// Credentials kept between requests ([`crate::credentials`]).
    pub(crate) credentials: crate::credentials::Credentials,
    /// The provisioning log's queue ([`provlog`]).
    pub(crate) log: provlog::Recorder,
}

impl Core {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        config: ServiceConfig,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> ScimResult<Arc<Core>> {
        let registry = registry()?;
        Ok(Arc::new(Core {
            store,
            schemas: SchemaCache::new(&registry),
            registry: Arc::new(registry),
            clock,
            ids,
            limiter: ratelimit::Limiter::new(config.rate_limits),
            compute: Compute::default(),
            login_limiter: LoginLimiter::new(config.login_limits),
            auth_failures: auth_limit::AuthFailureLimiter::new(config.auth_failures),
            breaker_trips: AtomicU64::new(0),
            token_uses: token_use::TokenUses::default(),
            credentials: Default::default(),
            log: provlog::Recorder::new(config.provisioning_log),
            config,
        }))
    }

    /// The schemas of a tenant at the schema version its row carries.
    pub(crate) async fn schemas_of(
        &self,
        tenant: TenantId,
        version: i64,
    ) -> ScimResult<Arc<TenantSchemas>> {
        self.schemas
            .of(self.store.as_ref(), &self.registry, tenant, version)
            .await
    }

    /// The built-in schema view of a resource type (what no tenant's
    /// extension changes: which core attributes a projection wants).
    fn view(&self, kind: ResourceKind) -> ScimResult<ResourceSchema<'_>> {
        self.registry
            .view(kind.name())
            .ok_or_else(|| internal("resource type missing from the registry"))
    }

    /// What to load for a projection: members only when they will be shown.
    pub(crate) fn load_for(&self, kind: ResourceKind, projection: &Projection) -> ScimResult<Load> {
        let view = self.view(kind)?;
        Ok(match kind {
            ResourceKind::Group => Load {
                members: projection.wants(&view, "members"),
                groups: false,
            },
            ResourceKind::User => Load {
                members: false,
                groups: projection.wants(&view, "groups"),
            },
        })
    }

    /// A validated document and, for groups, the member ids it lists.
    pub(crate) fn prepare(
        &self,
        schemas: &TenantSchemas,
        kind: ResourceKind,
        body: &Value,
        tol: &Tolerances,
        probe: &crate::resource::MemberProbe,
        policy: UndefinedPolicy,
    ) -> ScimResult<crate::resource::Prepared> {
        crate::resource::prepared(schemas, kind, body, tol, probe, policy)
    }

    /// Whether group names are unique in a tenant with these settings.
    pub(crate) fn unique_groups(&self, settings: &TenantSettings) -> bool {
        settings
            .unique_group_names
            .unwrap_or(self.config.unique_group_names)
    }

    /// The tenant with this name, or 404.
    pub(crate) async fn tenant_named(&self, name: &str) -> ScimResult<Tenant> {
        self.store
            .find_tenant(name)
            .await?
            .ok_or_else(|| ScimError::NotFound(format!("no tenant named {name:?}")))
    }
}
