//! The admin console's use cases (`docs/admin.md`): admin accounts,
//! sign-in and sessions ([`accounts`], [`Sessions`]), account changes
//! ([`admins`]), login rate limiting ([`limit`]), the console's views of a
//! tenant ([`tenants`], [`directory`]), and [`Console`], the service seen
//! by one signed-in admin.
//!
//! - An [`AdminPrincipal`] is only made by [`Sessions::login`] and
//!   [`Sessions::session`]; it carries the admin's role and tenant scope.
//! - [`Console`] turns the principal into typed access, checking role and
//!   scope once: [`Console::read`] a [`TenantReader`] of a tenant in scope,
//!   [`Console::change`] a [`TenantAdmin`] for an owner,
//!   [`Console::system`] a [`SystemAdmin`] for a super-admin (an owner of
//!   every tenant). A `viewer` never gets a `TenantAdmin`, so no change
//!   method is within its reach.
//!
//! Invariant: authorisation lives here, never in handlers: a handler gets
//! a principal from [`Sessions::session`], the access it needs from
//! [`Console`], and calls one method on it.

pub mod accounts;
pub mod admins;
pub mod directory;
pub mod limit;
pub mod tenants;

pub use accounts::{AdminKind, LoginOutcome, Sessions, SESSION_COOKIE};
pub use admins::{AccountChange, AdminView};
pub use directory::{ResourceDetail, SearchPage, SearchParams, Timeline};
pub use tenants::{ConnectionForm, ConnectionView, TenantView, TokenState, TokenView};

use crate::journal::LocalActor;
use crate::state::Core;
use crate::system::SystemAdmin;
use crate::tenant::{TenantAdmin, TenantReader};
use scim_core::{ScimError, ScimResult};
use scim_store::{AdminRole, Tenant, TenantId};

/// A signed-in admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminPrincipal {
    id: i64,
    username: String,
    role: AdminRole,
    /// The tenant (id, name) the admin is confined to; `None`: every tenant.
    scope: Option<(TenantId, String)>,
    csrf: String,
    /// The correlation id of the request being served (`X-Request-Id`),
    /// recorded with the changes the admin makes.
    request_id: String,
}

impl AdminPrincipal {
    /// The account's id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The account's username.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// What the admin may do within its scope.
    pub fn role(&self) -> AdminRole {
        self.role
    }

    /// Whether the admin reaches every tenant.
    pub fn is_super(&self) -> bool {
        self.scope.is_none()
    }

    /// The one tenant a scoped admin reaches.
    pub fn tenant_name(&self) -> Option<&str> {
        self.scope.as_ref().map(|(_, n)| n.as_str())
    }

    /// This principal serving the request with correlation id `id` (the
    /// HTTP layer's `X-Request-Id`), so that the audit entries of the
    /// admin's changes carry it.
    pub fn with_request_id(mut self, id: &str) -> AdminPrincipal {
        self.request_id = id.to_string();
        self
    }

    /// The correlation id of the request being served (empty if unknown).
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The session's CSRF token, which every change must carry.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Whether the admin may change things (an owner).
    pub fn can_change(&self) -> bool {
        self.role == AdminRole::Owner
    }

    /// Whether the admin may change this tenant (what a page offers).
    pub fn may_change(&self, tenant: &str) -> bool {
        self.check_change(tenant).is_ok()
    }

    /// 403 unless the admin may read this tenant.
    pub(crate) fn check_read(&self, tenant: &str) -> ScimResult<()> {
        match &self.scope {
            Some((_, name)) if name != tenant => Err(ScimError::Forbidden(format!(
                "admin {:?} has no access to tenant {tenant:?}",
                self.username
            ))),
            _ => Ok(()),
        }
    }

    /// 403 unless the admin may change this tenant.
    pub(crate) fn check_change(&self, tenant: &str) -> ScimResult<()> {
        self.check_read(tenant)?;
        if self.can_change() {
            Ok(())
        } else {
            Err(viewer_error(&self.username))
        }
    }

    /// 403 unless the admin manages tenants (a super-admin owner).
    pub(crate) fn check_super(&self) -> ScimResult<()> {
        if !self.is_super() {
            return Err(ScimError::Forbidden(format!(
                "admin {:?} is confined to one tenant; only a super-admin manages tenants",
                self.username
            )));
        }
        if !self.can_change() {
            return Err(viewer_error(&self.username));
        }
        Ok(())
    }
}

fn viewer_error(username: &str) -> ScimError {
    ScimError::Forbidden(format!(
        "admin {username:?} is a viewer and may not change anything"
    ))
}

/// The service as one signed-in admin sees it: the role and scope check
/// that turns the admin into the typed access it has.
#[derive(Clone, Copy)]
pub struct Console<'a> {
    pub(crate) core: &'a Core,
    pub(crate) who: &'a AdminPrincipal,
}

impl<'a> Console<'a> {
    /// The signed-in admin.
    pub fn me(&self) -> &AdminPrincipal {
        self.who
    }

    /// The tenants this admin reaches, by name.
    pub async fn tenants(&self) -> ScimResult<Vec<Tenant>> {
        let all = self.core.store.list_tenants().await?;
        Ok(all
            .into_iter()
            .filter(|t| self.who.check_read(&t.name).is_ok())
            .collect())
    }

    /// Read access to a tenant: 403 outside the admin's scope, then 404
    /// when there is no such tenant.
    pub async fn read(&self, tenant: &str) -> ScimResult<TenantReader<'a>> {
        self.who.check_read(tenant)?;
        let t = self.core.tenant_named(tenant).await?;
        Ok(TenantReader::new(self.core, t, self.actor()))
    }

    /// Change access to a tenant: 403 outside the admin's scope or for a
    /// viewer, then 404 when there is no such tenant.
    pub async fn change(&self, tenant: &str) -> ScimResult<TenantAdmin<'a>> {
        self.who.check_change(tenant)?;
        let t = self.core.tenant_named(tenant).await?;
        Ok(TenantAdmin::new(self.core, t, self.actor()))
    }

    /// Tenants and admin accounts: 403 unless a super-admin owner.
    pub fn system(&self) -> ScimResult<SystemAdmin<'a>> {
        self.who.check_super()?;
        Ok(SystemAdmin::new(self.core, self.actor()))
    }

    /// Who the audit log names for this admin's changes: the username and
    /// the request's correlation id (a new one if the request had none).
    fn actor(&self) -> LocalActor {
        let request_id = if self.who.request_id.is_empty() {
            self.core.ids.new_id().to_string()
        } else {
            self.who.request_id.clone()
        };
        LocalActor {
            admin: Some(self.who.username.clone()),
            request_id,
        }
    }
}
