//! Admin API role mappings (`docs/roles.md`):
//! `GET`/`POST /admin/api/tenants/{tenant}/roles` (list; map a group to a
//! role), `POST /admin/api/tenants/{tenant}/roles/unmap` (remove a
//! mapping) and `POST /admin/api/tenants/{tenant}/roles/refresh`
//! (recompute every user's effective roles). A change needs an owner and
//! recomputes the users concerned before it answers.

use super::ok;
use crate::error::ApiError;
use crate::session::{Admin, AdminChange, JsonBody};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::ScimError;
use scim_http::AppState;
use scim_service::admin_roles::{RoleChange, RoleMappings, Roles};
use scim_store::{GroupSelector, RoleMapping};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How a mapping names its group.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum GroupBy {
    /// The group's `displayName`, compared without case.
    #[default]
    DisplayName,
    /// The group's `externalId`, compared exactly.
    ExternalId,
}

/// A mapping: the groups `by` `group` names give `role` to their members,
/// directly or through nested groups.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleMappingJson {
    /// `displayName` (the default) or `externalId`.
    #[serde(default)]
    pub by: GroupBy,
    /// The group's displayName or externalId.
    pub group: String,
    /// The role (1 to 256 bytes, no control characters).
    pub role: String,
}

impl RoleMappingJson {
    fn of(m: RoleMapping) -> RoleMappingJson {
        RoleMappingJson {
            by: match m.selector {
                GroupSelector::DisplayName => GroupBy::DisplayName,
                GroupSelector::ExternalId => GroupBy::ExternalId,
            },
            group: m.value,
            role: m.role,
        }
    }

    fn mapping(self) -> RoleMapping {
        RoleMapping {
            selector: match self.by {
                GroupBy::DisplayName => GroupSelector::DisplayName,
                GroupBy::ExternalId => GroupSelector::ExternalId,
            },
            value: self.group,
            role: self.role,
        }
    }
}

/// What a mapping change or a refresh did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoleChangeJson {
    /// Whether the mappings changed (false: the mapping was there already).
    pub changed: bool,
    /// The users whose effective roles were recomputed.
    pub recomputed: u64,
    /// Those whose effective roles changed (each got a `roles` event).
    pub users_changed: u64,
}

impl From<RoleChange> for RoleChangeJson {
    fn from(c: RoleChange) -> RoleChangeJson {
        RoleChangeJson {
            changed: c.changed,
            recomputed: c.recomputed,
            users_changed: c.users_changed,
        }
    }
}

/// `GET /admin/api/tenants/{tenant}/roles`: the tenant's mappings.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/roles",
    responses((status = 200, body = Vec<RoleMappingJson>)))]
pub async fn list(
    State(state): State<AppState>,
    Admin(who): Admin,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    let reader = state.service.console(&who).read(&tenant).await?;
    let v = RoleMappings::new(&reader).list().await?;
    let v: Vec<RoleMappingJson> = v.into_iter().map(RoleMappingJson::of).collect();
    Ok(ok(&v))
}

/// `POST /admin/api/tenants/{tenant}/roles` (owners): `changed` is false
/// when the tenant had the mapping already.
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/roles", request_body = RoleMappingJson,
    responses((status = 200, body = RoleChangeJson)))]
pub async fn map(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(tenant): Path<String>,
    JsonBody(body): JsonBody<RoleMappingJson>,
) -> Result<Response, ApiError> {
    let admin = state.service.console(&who).change(&tenant).await?;
    let c = Roles::new(&admin).map(body.mapping()).await?;
    Ok(ok(&RoleChangeJson::from(c)))
}

/// `POST /admin/api/tenants/{tenant}/roles/unmap` (owners): 404 when the
/// tenant has no such mapping.
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/roles/unmap", request_body = RoleMappingJson,
    responses((status = 200, body = RoleChangeJson)))]
pub async fn unmap(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(tenant): Path<String>,
    JsonBody(body): JsonBody<RoleMappingJson>,
) -> Result<Response, ApiError> {
    let admin = state.service.console(&who).change(&tenant).await?;
    let c = Roles::new(&admin).unmap(body.mapping()).await?;
    if !c.changed {
        return Err(ScimError::NotFound("no such role mapping".into()).into());
    }
    Ok(ok(&RoleChangeJson::from(c)))
}

/// `POST /admin/api/tenants/{tenant}/roles/refresh` (owners): recomputes
/// every user's effective roles.
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/roles/refresh",
    responses((status = 200, body = RoleChangeJson)))]
pub async fn refresh(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    let admin = state.service.console(&who).change(&tenant).await?;
    let c = Roles::new(&admin).refresh().await?;
    Ok(ok(&RoleChangeJson::from(c)))
}
