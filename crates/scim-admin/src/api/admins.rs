//! Admin API accounts, for super-admins: `GET`/`POST /admin/api/admins`,
//! `DELETE /admin/api/admins/{username}`,
//! `PUT /admin/api/admins/{username}/active` `{"active": bool}`,
//! `PUT /admin/api/admins/{username}/password` `{"password"}`,
//! `DELETE /admin/api/admins/{username}/sessions`. Each change is audited
//! (`scim_service::console::admins`).

use super::{created, ok};
use crate::error::ApiError;
use crate::json::{AdminJson, DoneJson};
use crate::session::{Admin, AdminChange, JsonBody};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::AppState;
use scim_service::console::{AccountChange, AdminForm, AdminKind, AdminPrincipal};
use serde::Deserialize;
use utoipa::ToSchema;

/// Admin accounts (super-admin).
///
/// `GET /admin/api/admins`.
#[utoipa::path(get, path = "/admin/api/admins", responses((status = 200, body = Vec<AdminJson>)))]
pub async fn list(State(state): State<AppState>, Admin(who): Admin) -> Result<Response, ApiError> {
    let admins = state.service.console(&who).system()?.admins().await?;
    Ok(ok(&admins.iter().map(AdminJson::from).collect::<Vec<_>>()))
}

/// What an account may do.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum RoleBody {
    /// An owner of every tenant, who also manages tenants and accounts.
    Super,
    /// Everything in one tenant.
    Owner,
    /// Reads one tenant (every tenant without `tenant`).
    Viewer,
}

impl RoleBody {
    /// The service's kind of account.
    pub fn kind(self) -> AdminKind {
        match self {
            RoleBody::Super => AdminKind::Super,
            RoleBody::Owner => AdminKind::Owner,
            RoleBody::Viewer => AdminKind::Viewer,
        }
    }
}

/// A new admin account.
#[derive(Deserialize, ToSchema)]
pub struct NewAdminBody {
    username: String,
    /// At least 10 characters.
    password: String,
    role: RoleBody,
    /// The tenant an owner or a viewer is confined to.
    #[serde(default)]
    tenant: Option<String>,
}

/// Create an admin account (super-admin); audited.
///
/// `POST /admin/api/admins` `{"username", "password", "role", "tenant"}`.
#[utoipa::path(post, path = "/admin/api/admins", request_body = NewAdminBody,
    responses((status = 201, body = AdminJson)))]
pub async fn create(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    JsonBody(body): JsonBody<NewAdminBody>,
) -> Result<Response, ApiError> {
    let view = state
        .service
        .console(&who)
        .system()?
        .create_admin_from(AdminForm {
            username: body.username,
            password: body.password,
            kind: body.role.kind(),
            tenant: body.tenant.filter(|t| !t.is_empty()),
        })
        .await?;
    Ok(created(&AdminJson::from(&view)))
}

async fn apply(
    state: &AppState,
    who: &AdminPrincipal,
    username: &str,
    change: AccountChange,
) -> Result<Response, ApiError> {
    let done = state
        .service
        .console(who)
        .system()?
        .change_admin(username, change)
        .await?;
    Ok(ok(&DoneJson { done }))
}

/// Delete an admin account and its sessions (super-admin).
///
/// `DELETE /admin/api/admins/{username}`.
#[utoipa::path(delete, path = "/admin/api/admins/{username}", responses((status = 200, body = DoneJson)))]
pub async fn remove(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(username): Path<String>,
) -> Result<Response, ApiError> {
    apply(&state, &who, &username, AccountChange::Delete).await
}

/// Whether something is enabled.
#[derive(Deserialize, ToSchema)]
pub struct ActiveBody {
    pub active: bool,
}

/// Enable or disable an admin account; disabling ends its sessions
/// (super-admin).
///
/// `PUT /admin/api/admins/{username}/active` `{"active": bool}`.
#[utoipa::path(put, path = "/admin/api/admins/{username}/active", request_body = ActiveBody,
    responses((status = 200, body = DoneJson)))]
pub async fn set_active(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(username): Path<String>,
    JsonBody(body): JsonBody<ActiveBody>,
) -> Result<Response, ApiError> {
    let change = if body.active {
        AccountChange::Enable
    } else {
        AccountChange::Disable
    };
    apply(&state, &who, &username, change).await
}

/// A new password.
#[derive(Deserialize, ToSchema)]
pub struct PasswordBody {
    /// At least 10 characters.
    password: String,
}

/// Set an admin's password; ends its sessions (super-admin).
///
/// `PUT /admin/api/admins/{username}/password` `{"password"}`.
#[utoipa::path(put, path = "/admin/api/admins/{username}/password", request_body = PasswordBody,
    responses((status = 200, body = DoneJson)))]
pub async fn password(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(username): Path<String>,
    JsonBody(body): JsonBody<PasswordBody>,
) -> Result<Response, ApiError> {
    apply(
        &state,
        &who,
        &username,
        AccountChange::Password(body.password),
    )
    .await
}

/// End every session of an admin account (super-admin).
///
/// `DELETE /admin/api/admins/{username}/sessions`.
#[utoipa::path(delete, path = "/admin/api/admins/{username}/sessions", responses((status = 200, body = DoneJson)))]
pub async fn revoke(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(username): Path<String>,
) -> Result<Response, ApiError> {
    apply(&state, &who, &username, AccountChange::RevokeSessions).await
}
