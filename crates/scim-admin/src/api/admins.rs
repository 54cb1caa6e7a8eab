//! Admin API accounts, for super-admins: `GET /admin/api/admins`,
//! `DELETE /admin/api/admins/{username}`,
//! `PUT /admin/api/admins/{username}/active` `{"active": bool}`,
//! `PUT /admin/api/admins/{username}/password` `{"password"}`,
//! `DELETE /admin/api/admins/{username}/sessions`. Each change is audited
//! (`scim_service::console::admins`).

use super::ok;
use crate::error::ApiError;
use crate::session::{Admin, AdminChange, JsonBody};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::AppState;
use scim_service::console::{AccountChange, AdminView};
use serde::Deserialize;
use serde_json::{json, Value};

/// An account as the API shows it (never its password hash).
pub fn view(a: &AdminView) -> Value {
    json!({
        "username": a.username,
        "role": a.kind,
        "tenant": a.tenant,
        "created": a.created.to_string(),
        "disabled": a.disabled.map(|t| t.to_string()),
    })
}

/// `GET /admin/api/admins`.
pub async fn list(State(state): State<AppState>, Admin(who): Admin) -> Result<Response, ApiError> {
    let admins = state.service.console(&who).system()?.admins().await?;
    Ok(ok(Value::Array(admins.iter().map(view).collect())))
}

async fn apply(
    state: &AppState,
    who: &scim_service::console::AdminPrincipal,
    username: &str,
    change: AccountChange,
) -> Result<Response, ApiError> {
    let done = state
        .service
        .console(who)
        .system()?
        .change_admin(username, change)
        .await?;
    Ok(ok(json!({ "done": done })))
}

/// `DELETE /admin/api/admins/{username}`.
pub async fn remove(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(username): Path<String>,
) -> Result<Response, ApiError> {
    apply(&state, &who, &username, AccountChange::Delete).await
}

#[derive(Deserialize)]
pub struct ActiveBody {
    active: bool,
}

/// `PUT /admin/api/admins/{username}/active` `{"active": bool}`.
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

#[derive(Deserialize)]
pub struct PasswordBody {
    password: String,
}

/// `PUT /admin/api/admins/{username}/password` `{"password"}`.
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

/// `DELETE /admin/api/admins/{username}/sessions`.
pub async fn revoke(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(username): Path<String>,
) -> Result<Response, ApiError> {
    apply(&state, &who, &username, AccountChange::RevokeSessions).await
}
