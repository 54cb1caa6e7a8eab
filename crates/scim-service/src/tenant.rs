//! The administration of one tenant, typed by what it may do:
//!
//! - [`TenantReader`] reads: settings, seats, connections and tokens,
//!   webhooks, the audit log, users and groups, the trash;
//! - [`TenantAdmin`] also changes: settings, connections, tokens, the
//!   circuit breaker, webhooks, local users, the trash (and reads, through
//!   `Deref` to its reader).
//!
//! Neither has a public constructor: the operator principal makes a
//! `TenantAdmin` of any tenant ([`crate::Operator::tenant`]); a console
//! admin gets a reader or an admin only through the role and scope check
//! of [`crate::Console`]. Once made, no method checks a role again.
//!
//! Each carries the tenant as loaded and the actor its changes are audited
//! under (the command line, or the console admin with the request's
//! correlation id). The methods live with their subject: `admin.rs`
//! (tokens), `admin_connections.rs` (connections, settings, seats,
//! rotation, the breaker), `admin_users.rs` (local users, import, trash),
//! `admin_webhooks.rs`, `admin_audit.rs`, and the console's views in
//! `console/tenants.rs` and `console/directory.rs`.

use crate::journal::LocalActor;
use crate::state::Core;
use crate::tenant_schemas::TenantSchemas;
use scim_core::ScimResult;
use scim_store::{Tenant, TenantSettings};
use std::ops::Deref;
use std::sync::Arc;

/// Read access to one tenant's administration.
#[derive(Clone)]
pub struct TenantReader<'a> {
    pub(crate) core: &'a Core,
    pub(crate) tenant: Tenant,
    pub(crate) actor: LocalActor,
}

/// Change access to one tenant's administration (and read access).
#[derive(Clone)]
pub struct TenantAdmin<'a> {
    read: TenantReader<'a>,
}

impl<'a> TenantReader<'a> {
    pub(crate) fn new(core: &'a Core, tenant: Tenant, actor: LocalActor) -> TenantReader<'a> {
        TenantReader {
            core,
            tenant,
            actor,
        }
    }

    /// The tenant, as loaded when access was granted.
    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// The tenant's settings.
    pub fn settings(&self) -> &TenantSettings {
        &self.tenant.settings
    }

    /// The tenant's schemas (built-in and its extensions), as of the
    /// tenant as loaded.
    pub async fn schemas(&self) -> ScimResult<Arc<TenantSchemas>> {
        self.core
            .schemas_of(self.tenant.id, self.tenant.schema_version)
            .await
    }
}

impl<'a> TenantAdmin<'a> {
    pub(crate) fn new(core: &'a Core, tenant: Tenant, actor: LocalActor) -> TenantAdmin<'a> {
        TenantAdmin {
            read: TenantReader::new(core, tenant, actor),
        }
    }
}

impl<'a> Deref for TenantAdmin<'a> {
    type Target = TenantReader<'a>;

    fn deref(&self) -> &TenantReader<'a> {
        &self.read
    }
}
