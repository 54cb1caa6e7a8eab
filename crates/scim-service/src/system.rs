//! Administration across tenants: creating, listing and deleting tenants,
//! and admin accounts (`console/accounts.rs`, `console/admins.rs`). The
//! operator principal reaches it ([`crate::Operator::system`]); a console
//! admin only as a super-admin ([`crate::Console::system`]).

use crate::admin::{check_name, DEFAULT_CONNECTION};
use crate::journal::{Entry, LocalActor};
use crate::state::Core;
use scim_core::profile::Profile;
use scim_core::{ScimError, ScimResult};
use scim_store::{ResourceCounts, Tenant, TenantDeletion};

/// Access to every tenant and to the admin accounts.
#[derive(Clone)]
pub struct SystemAdmin<'a> {
    pub(crate) core: &'a Core,
    pub(crate) actor: LocalActor,
}

impl<'a> SystemAdmin<'a> {
    pub(crate) fn new(core: &'a Core, actor: LocalActor) -> SystemAdmin<'a> {
        SystemAdmin { core, actor }
    }

    /// All tenants.
    pub async fn tenants(&self) -> ScimResult<Vec<Tenant>> {
        Ok(self.core.store.list_tenants().await?)
    }

    /// Creates a tenant and its default connection (profile `auto`).
    pub async fn create_tenant(&self, name: &str) -> ScimResult<Tenant> {
        check_name("tenant", name)?;
        let now = self.core.clock.now();
        let tenant = self.core.store.create_tenant(name, now).await?;
        self.core
            .store
            .create_connection(tenant.id, DEFAULT_CONNECTION, Profile::Auto, now)
            .await?;
        Ok(tenant)
    }

    /// Deletes a tenant with its connections, tokens, webhooks and admin
    /// accounts (`scimd tenant delete`). While it holds users or groups
    /// (active or in the trash) it is refused with 409 unless `purge`,
    /// which deletes them too. Both are audited in the tenant's audit log
    /// (`tenant-delete`), which a deletion keeps until its retention ends.
    pub async fn delete_tenant(&self, name: &str, purge: bool) -> ScimResult<ResourceCounts> {
        let t = self.core.tenant_named(name).await?;
        let now = self.core.clock.now();
        let what = |c: &ResourceCounts| {
            format!(
                "{} user(s), {} group(s), {} in the trash",
                c.users, c.groups, c.trashed
            )
        };
        let tenant = name.to_string();
        let origin = self.actor.origin("tenant delete");
        let deleted = origin.clone();
        let audit = Box::new(move |c: ResourceCounts| {
            deleted.entry(
                Entry::new(now, 204, "tenant-delete")
                    .detail(format!("tenant {tenant:?} deleted with {}", what(&c))),
            )
        });
        match self.core.store.delete_tenant(t.id, purge, audit).await? {
            TenantDeletion::Deleted(c) => {
                tracing::warn!(
                    tenant = name,
                    users = c.users,
                    groups = c.groups,
                    trashed = c.trashed,
                    "tenant deleted"
                );
                Ok(c)
            }
            TenantDeletion::Refused(c) => {
                let detail = format!(
                    "tenant {name:?} holds {}: delete them first, or give --purge",
                    what(&c)
                );
                let entry =
                    origin.entry(Entry::new(now, 409, "tenant-delete").detail(detail.clone()));
                self.core.store.append_audit(t.id, entry).await?;
                Err(ScimError::Conflict(detail))
            }
            TenantDeletion::Missing => {
                Err(ScimError::NotFound(format!("no tenant named {name:?}")))
            }
        }
    }
}
