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

/// A tenant's role mappings.
#[async_trait]
pub trait RoleStore: Send + Sync {
    /// The tenant's mappings, by selector, value and role.
    async fn role_mappings(&self, tenant: TenantId) -> StoreResult<Vec<RoleMapping>>;
    /// Adds a mapping and commits `audit` with it, moving the tenant's
    /// `schema_version` (a change of either moves it); `false` (and no entry)
    /// when the tenant has it already (the same selector, value as keyed,
    /// and role). More than [`MAX_ROLE_MAPPINGS`] is
    /// [`crate::StoreError::Rejected`].
    async fn add_role_mapping(
        &self,
        tenant: TenantId,
        mapping: &RoleMapping,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    /// Removes a mapping and commits `audit` with it, moving the tenant's
    /// `schema_version`; `false` (and no entry) when the tenant has no such
    /// mapping.
    async fn remove_role_mapping(
        &self,
        tenant: TenantId,
        mapping: &RoleMapping,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
}
