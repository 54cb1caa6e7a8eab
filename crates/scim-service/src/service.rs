//! The two handles on the shared state.
//!
//! - [`Service`]: what the HTTP layer holds. Everything it offers starts
//!   from a principal or a purpose: [`Service::authenticate`] makes a
//!   [`Principal`] and [`Service::scim`] opens the SCIM API for it;
//!   [`Service::sessions`] signs console admins in and
//!   [`Service::console`] opens the console for an [`AdminPrincipal`];
//!   [`Service::status`] answers readiness and metrics.
//! - [`Operator`]: the command line's principal. It is made from the store
//!   itself ([`Operator::new`]), so only the code that opened the store
//!   (the binary: only it depends on the backends) has one; a `Service`
//!   never yields one. It reaches every tenant's administration
//!   ([`Operator::tenant`], [`Operator::system`]) without a role check,
//!   and the [`Maintenance`].
//!
//! Invariant: a `Service` exposes no store; administration is reachable
//! from it only through an [`AdminPrincipal`].

use crate::admin::{IssuedToken, DEFAULT_CONNECTION, DEFAULT_TENANT};
use crate::clock::{Clock, SystemClock};
use crate::config::ServiceConfig;
use crate::console::{AdminPrincipal, Console, Sessions};
use crate::context::RequestCtx;
use crate::ids::{IdGenerator, UuidV7};
use crate::journal::LocalActor;
use crate::maintenance::{Maintenance, Status};
use crate::scim::Scim;
use crate::state::Core;
use crate::system::SystemAdmin;
use crate::tenant::TenantAdmin;
use crate::Principal;
use scim_core::schema::SchemaRegistry;
use scim_core::{ScimError, ScimResult};
use scim_store::Store;
use std::sync::Arc;

/// The service as requests reach it (cheap to clone).
#[derive(Clone)]
pub struct Service {
    pub(crate) core: Arc<Core>,
}

impl Service {
    /// The SCIM API for an authenticated caller and its request.
    pub fn scim<'a>(&'a self, who: &'a Principal, ctx: &'a RequestCtx) -> Scim<'a> {
        Scim::new(&self.core, who, ctx)
    }

    /// Console sign-in, sessions and sign-out.
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions { core: &self.core }
    }

    /// The console operations available to a signed-in admin.
    pub fn console<'a>(&'a self, who: &'a AdminPrincipal) -> Console<'a> {
        Console {
            core: &self.core,
            who,
        }
    }

    /// Readiness and the figures `/metrics` reports.
    pub fn status(&self) -> Status<'_> {
        Status { core: &self.core }
    }

    /// The service configuration.
    pub fn config(&self) -> &ServiceConfig {
        &self.core.config
    }

    /// The schema registry.
    pub fn schemas(&self) -> &SchemaRegistry {
        &self.core.registry
    }

    /// Runs CPU work of a request that belongs to no tenant yet (parsing a
    /// large body): inline unless `heavy`, else on a compute thread
    /// ([`crate::compute`]).
    pub async fn offload<T, F>(&self, heavy: bool, f: F) -> ScimResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        self.core.compute.run_any(heavy, f).await
    }
}

/// The command line's principal: every tenant, every change, maintenance.
#[derive(Clone)]
pub struct Operator {
    core: Arc<Core>,
}

impl Operator {
    /// The operator of the service over `store`, with the system clock and
    /// time-ordered ids.
    pub fn new(store: Arc<dyn Store>, config: ServiceConfig) -> ScimResult<Operator> {
        Operator::with(store, config, Arc::new(SystemClock), Arc::new(UuidV7))
    }

    /// [`Operator::new`] with an explicit clock and id generator (tests,
    /// `trash purge --at`).
    pub fn with(
        store: Arc<dyn Store>,
        config: ServiceConfig,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> ScimResult<Operator> {
        Ok(Operator {
            core: Core::new(store, config, clock, ids)?,
        })
    }

    /// The service requests reach, sharing this operator's state (rate
    /// limits, compute slots, breaker counters).
    pub fn service(&self) -> Service {
        Service {
            core: self.core.clone(),
        }
    }

    /// Tenants and admin accounts.
    pub fn system(&self) -> SystemAdmin<'_> {
        SystemAdmin::new(&self.core, LocalActor::default())
    }

    /// The administration of the tenant with this name, or 404.
    pub async fn tenant(&self, name: &str) -> ScimResult<TenantAdmin<'_>> {
        let tenant = self.core.tenant_named(name).await?;
        Ok(TenantAdmin::new(&self.core, tenant, LocalActor::default()))
    }

    /// Purges and expiry.
    pub fn maintenance(&self) -> Maintenance<'_> {
        Maintenance { core: &self.core }
    }

    /// The service configuration.
    pub fn config(&self) -> &ServiceConfig {
        &self.core.config
    }

    /// On an empty database: creates the `default` tenant and a first token.
    /// Returns `None` when any tenant exists, also when another replica
    /// created it at the same moment (the tenant name is unique).
    pub async fn bootstrap(&self) -> ScimResult<Option<IssuedToken>> {
        if !self.core.store.list_tenants().await?.is_empty() {
            return Ok(None);
        }
        match self.system().create_tenant(DEFAULT_TENANT).await {
            Ok(_) => {}
            Err(ScimError::Uniqueness(_)) => return Ok(None),
            Err(e) => return Err(e),
        }
        self.tenant(DEFAULT_TENANT)
            .await?
            .issue_token(Some(DEFAULT_CONNECTION), "bootstrap", None)
            .await
            .map(Some)
    }
}
