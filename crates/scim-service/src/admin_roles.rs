//! A tenant's role mappings (`docs/roles.md`): map a group, by
//! `displayName` or `externalId`, to a role; list; unmap; recompute every
//! user's effective roles. A mapping change recomputes the users in the
//! groups it names (directly or through nested groups), in batches of
//! [`crate::roles::refresh::BATCH`], each user its own short write with
//! its `roles` event, so other writes interleave. A tenant's first
//! mapping, and the removal of its last, recompute every user: the roles
//! extension comes and goes with the mappings (each change moves the
//! tenant's schema version).
//!
//! The store queues the recomputation with the mapping change, in the
//! same transaction (`scim_store::RoleRefresh`). The console and the
//! admin API run it at once, leasing it for [`LEASE_MS`], and finish it;
//! the command line only queues it ([`Roles::deferred`]), for the
//! running server ([`crate::Maintenance::role_refreshes`]), whose writer
//! interleaves it with every tenant's writes, where another process
//! would contend for SQLite's file lock. A recomputation cut short is
//! taken again once its lease ends.

use crate::journal::Entry;
use crate::roles::refresh;
use crate::roles::{groups_named, Resolved};
use crate::tenant::{TenantAdmin, TenantReader};
use crate::tenant_schemas::TenantSchemas;
use scim_core::resource::ResourceId;
use scim_core::{ScimError, ScimResult};
use scim_store::{
    GroupSelector, Load, PageRequest, Query, RefreshScope, ResourceKind, RoleMapping, RoleRefresh,
};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The longest role name or group selector value, in bytes.
const MAX_LEN: usize = 256;

/// How long a recomputation being run is leased before another run (of
/// this replica or another) takes it again.
pub const LEASE_MS: i64 = 10 * 60 * 1000;

/// What a mapping change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChange {
    /// Whether the mapping set changed (false: it was there already, or
    /// was not there to remove).
    pub changed: bool,
    /// The users recomputed, and those whose effective roles changed.
    pub recomputed: u64,
    pub users_changed: u64,
    /// Whether the recomputation was queued for the running server
    /// rather than done ([`Roles::deferred`]).
    pub queued: bool,
}

impl RoleChange {
    fn unchanged() -> RoleChange {
        RoleChange {
            changed: false,
            recomputed: 0,
            users_changed: 0,
            queued: false,
        }
    }
}

fn check(m: &RoleMapping) -> ScimResult<()> {
    for (what, v) in [("role", &m.role), ("group", &m.value)] {
        if v.trim().is_empty() || v.len() > MAX_LEN || v.chars().any(char::is_control) {
            return Err(ScimError::InvalidValue(format!(
                "a {what} is 1 to {MAX_LEN} bytes without control characters"
            )));
        }
    }
    Ok(())
}

/// A tenant's role mappings, read as its [`TenantReader`] (any admin who
/// may read the tenant).
pub struct RoleMappings<'a> {
    reader: &'a TenantReader<'a>,
}

impl<'a> RoleMappings<'a> {
    /// The role mappings of `reader`'s tenant.
    pub fn new(reader: &'a TenantReader<'a>) -> RoleMappings<'a> {
        RoleMappings { reader }
    }

    /// The tenant's role mappings, by selector, value and role.
    pub async fn list(&self) -> ScimResult<Vec<RoleMapping>> {
        let r = self.reader;
        Ok(r.core.store.role_mappings(r.tenant.id).await?)
    }
}

/// A tenant's role mappings, changed as its [`TenantAdmin`].
pub struct Roles<'a> {
    admin: &'a TenantAdmin<'a>,
    defer: bool,
}

impl<'a> std::ops::Deref for Roles<'a> {
    type Target = TenantAdmin<'a>;

    fn deref(&self) -> &TenantAdmin<'a> {
        self.admin
    }
}

impl<'a> Roles<'a> {
    /// The role mappings of `admin`'s tenant.
    pub fn new(admin: &'a TenantAdmin<'a>) -> Roles<'a> {
        Roles {
            admin,
            defer: false,
        }
    }

    /// The same, but mapping changes and refreshes only queue their
    /// recomputation, for the running server (the command line's way).
    pub fn deferred(admin: &'a TenantAdmin<'a>) -> Roles<'a> {
        Roles { admin, defer: true }
    }

    /// When a queued recomputation is due: now, for the server, when
    /// deferred; else after the lease this call takes on it.
    fn due(&self) -> i64 {
        let now = self.core.clock.now().unix_millis();
        if self.defer {
            now
        } else {
            now.saturating_add(LEASE_MS)
        }
    }

    /// The tenant's role mappings.
    pub async fn list(&self) -> ScimResult<Vec<RoleMapping>> {
        RoleMappings::new(self.admin).list().await
    }

    /// Maps the groups `selector` `value` names to `role`, and recomputes
    /// their users.
    pub async fn map(&self, mapping: RoleMapping) -> ScimResult<RoleChange> {
        check(&mapping)?;
        let action = "role-map";
        let entry = self
            .actor
            .origin(action)
            .entry(Entry::new(self.core.clock.now(), 200, action).detail(describe(&mapping)));
        let queued = self
            .core
            .store
            .add_role_mapping(self.tenant.id, &mapping, entry, self.due())
            .await?;
        self.after_mapping(queued, action).await
    }

    /// Removes a mapping, and recomputes the users of its groups.
    pub async fn unmap(&self, mapping: RoleMapping) -> ScimResult<RoleChange> {
        let action = "role-unmap";
        let entry = self
            .actor
            .origin(action)
            .entry(Entry::new(self.core.clock.now(), 200, action).detail(describe(&mapping)));
        let queued = self
            .core
            .store
            .remove_role_mapping(self.tenant.id, &mapping, entry, self.due())
            .await?;
        self.after_mapping(queued, action).await
    }

    async fn after_mapping(
        &self,
        queued: Option<RoleRefresh>,
        action: &str,
    ) -> ScimResult<RoleChange> {
        let Some(refresh) = queued else {
            return Ok(RoleChange::unchanged());
        };
        if self.defer {
            return Ok(RoleChange {
                changed: true,
                recomputed: 0,
                users_changed: 0,
                queued: true,
            });
        }
        let done = self.run(&refresh, action).await?;
        self.core.store.finish_role_refresh(refresh.seq).await?;
        Ok(done)
    }

    /// Runs a queued recomputation (not finishing it).
    pub(crate) async fn run(&self, refresh: &RoleRefresh, action: &str) -> ScimResult<RoleChange> {
        let (core, tenant) = (self.core, self.tenant.id);
        let schemas = self.current().await?;
        let (selector, value) = match &refresh.scope {
            RefreshScope::Everyone => return self.everyone(action, &schemas).await,
            RefreshScope::Groups(selector, value) => (*selector, value.clone()),
        };
        let named = RoleMapping {
            selector,
            value,
            role: String::new(),
        };
        let resources = core.store.resources(tenant);
        let mut users = BTreeSet::new();
        for g in groups_named(resources.as_ref(), &schemas, &named).await? {
            if let Some(g) = ResourceId::parse(&g) {
                users.extend(refresh::users_in(core, tenant, &g).await?);
            }
        }
        self.recompute(action, &schemas, &users).await
    }

    /// The tenant's schemas as they are now (a mapping change moved its
    /// schema version since the tenant was loaded).
    async fn current(&self) -> ScimResult<Arc<TenantSchemas>> {
        let tenant = self.tenant.id;
        let Some(row) = self.core.store.tenant(tenant).await? else {
            return Err(ScimError::NotFound("tenant".into()));
        };
        self.core.schemas_of(tenant, row.schema_version).await
    }

    /// Recomputes every user's effective roles (after an interrupted
    /// recomputation, or to check), page by page.
    pub async fn refresh(&self) -> ScimResult<RoleChange> {
        if self.defer {
            let now = self.core.clock.now().unix_millis();
            let store = &self.core.store;
            store
                .queue_role_refresh(self.tenant.id, &RefreshScope::Everyone, now)
                .await?;
            return Ok(RoleChange {
                changed: true,
                recomputed: 0,
                users_changed: 0,
                queued: true,
            });
        }
        let schemas = self.current().await?;
        self.everyone("role-refresh", &schemas).await
    }

    /// How many recomputations of the tenant are queued or running.
    pub async fn queued(&self) -> ScimResult<u64> {
        Ok(self
            .core
            .store
            .role_refreshes_queued(self.tenant.id)
            .await?)
    }

    /// Recomputes every user of the tenant, page by page.
    async fn everyone(&self, action: &str, schemas: &TenantSchemas) -> ScimResult<RoleChange> {
        let store = self.core.store.resources(self.tenant.id);
        let mut users = BTreeSet::new();
        let mut cursor = None;
        loop {
            let q = Query {
                filter: None,
                sort: None,
                page: PageRequest::Cursor(cursor),
                limit: refresh::BATCH as u64,
                load: Load::NONE,
                max_bytes: None,
            };
            let page = store.query(ResourceKind::User, &q).await?;
            users.extend(page.records.into_iter().map(|r| r.id));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        self.recompute(action, schemas, &users).await
    }

    async fn recompute(
        &self,
        action: &str,
        schemas: &TenantSchemas,
        users: &BTreeSet<ResourceId>,
    ) -> ScimResult<RoleChange> {
        let (core, tenant) = (self.core, self.tenant.id);
        let resolved = Resolved::load(core.store.as_ref(), schemas, tenant).await?;
        let origin = self.actor.origin(action).with_schemas(schemas);
        let users_changed =
            refresh::users(core, tenant, schemas, &resolved, &origin, users).await?;
        Ok(RoleChange {
            changed: true,
            recomputed: users.len() as u64,
            users_changed,
            queued: false,
        })
    }
}

fn describe(m: &RoleMapping) -> String {
    let by = match m.selector {
        GroupSelector::DisplayName => "displayName",
        GroupSelector::ExternalId => "externalId",
    };
    format!("groups with {by} {:?} give role {:?}", m.value, m.role)
}
