//! Roles from groups (`docs/roles.md`): a tenant maps groups, named by
//! `displayName` or `externalId`, to application roles. [`RoleStore`], a
//! supertrait of [`crate::Store`], keeps the mappings; each change
//! commits its audit entry in the same transaction. The users' effective
//! roles are computed by the service and kept in their documents (the
//! scimd roles extension), with lookup-index rows under
//! [`crate::index::ROLES_CODE`].

use crate::error::StoreResult;
use crate::events::AuditEntry;
use crate::model::TenantId;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// The most mappings a tenant may have (so that resolving them is
/// bounded).
pub const MAX_ROLE_MAPPINGS: usize = 1000;

/// How a mapping names its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GroupSelector {
    /// The group's `displayName` (compared without case).
    DisplayName,
    /// The group's `externalId` (compared exactly).
    ExternalId,
}

impl GroupSelector {
    /// The stored code.
    pub fn code(self) -> i64 {
        match self {
            GroupSelector::DisplayName => 0,
            GroupSelector::ExternalId => 1,
        }
    }

    /// The selector of a stored code.
    pub fn from_code(code: i64) -> Option<GroupSelector> {
        match code {
            0 => Some(GroupSelector::DisplayName),
            1 => Some(GroupSelector::ExternalId),
            _ => None,
        }
    }

    /// The SCIM attribute it compares.
    pub fn attribute(self) -> &'static str {
        match self {
            GroupSelector::DisplayName => "displayName",
            GroupSelector::ExternalId => "externalId",
        }
    }
}

/// One mapping: the groups `selector` `value` names give `role`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleMapping {
    pub selector: GroupSelector,
    /// The group's name or external id, as given.
    pub value: String,
    pub role: String,
}

impl RoleMapping {
    /// The value as the store keys it: folded for display names (which
    /// compare without case), as given for external ids.
    pub fn key(&self) -> String {
        match self.selector {
            GroupSelector::DisplayName => scim_core::filter::fold(&self.value).into_owned(),
            GroupSelector::ExternalId => self.value.clone(),
        }
    }
}

/// The users a queued recomputation of effective roles covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshScope {
    /// Every user of the tenant (its first mapping, or its last removed:
    /// the roles extension comes or goes).
    Everyone,
    /// The users in the groups `selector` `value` names, directly or
    /// through nested groups.
    Groups(GroupSelector, String),
}

/// A queued recomputation (`role_refresh`): written with the mapping
/// change that needs it, in the same transaction, and deleted once done,
/// so that a recomputation cut short (a crash, a command line that only
/// queues) is done later by a running server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRefresh {
    pub seq: i64,
    pub tenant: TenantId,
    pub scope: RefreshScope,
}

/// A tenant's role mappings.
#[async_trait]
pub trait RoleStore: Send + Sync {
    /// The tenant's mappings, by selector, value and role.
    async fn role_mappings(&self, tenant: TenantId) -> StoreResult<Vec<RoleMapping>>;
    /// Adds a mapping and commits `audit` with it, moving the tenant's
    /// `schema_version` (a change of either moves it), and queues the
    /// recomputation it needs, due at `due` (Unix milliseconds): its
    /// groups' users, or everyone when it is the tenant's first mapping.
    /// `None` (and no entry) when the tenant has it already (the same
    /// selector, value as keyed, and role). More than
    /// [`MAX_ROLE_MAPPINGS`] is [`crate::StoreError::Rejected`].
    async fn add_role_mapping(
        &self,
        tenant: TenantId,
        mapping: &RoleMapping,
        audit: AuditEntry,
        due: i64,
    ) -> StoreResult<Option<RoleRefresh>>;
    /// Removes a mapping and commits `audit` with it, moving the tenant's
    /// `schema_version`, and queues the recomputation it needs (everyone
    /// when it was the last); `None` (and no entry) when the tenant has
    /// no such mapping.
    async fn remove_role_mapping(
        &self,
        tenant: TenantId,
        mapping: &RoleMapping,
        audit: AuditEntry,
        due: i64,
    ) -> StoreResult<Option<RoleRefresh>>;
    /// Queues a recomputation due at `due`.
    async fn queue_role_refresh(
        &self,
        tenant: TenantId,
        scope: &RefreshScope,
        due: i64,
    ) -> StoreResult<RoleRefresh>;
    /// Takes the oldest recomputation due at `now`, of any tenant, moving
    /// its due time to `until` (a lease: one that is not finished by then
    /// is taken again, by this replica or another); `None` when none is due.
    async fn claim_role_refresh(&self, now: i64, until: i64) -> StoreResult<Option<RoleRefresh>>;
    /// Deletes a recomputation once done.
    async fn finish_role_refresh(&self, seq: i64) -> StoreResult<()>;
    /// How many recomputations of the tenant are queued.
    async fn role_refreshes_queued(&self, tenant: TenantId) -> StoreResult<u64>;
}
