//! Admin API connections and tokens:
//! `GET`/`POST /admin/api/tenants/{tenant}/connections`,
//! `GET`/`PUT`/`DELETE /admin/api/tenants/{tenant}/connections/{name}`,
//! `POST /admin/api/tenants/{tenant}/connections/{name}/tokens` (the secret
//! is shown once, with the SCIM base URL),
//! `POST /admin/api/tenants/{tenant}/connections/{name}/rotate`,
//! `POST /admin/api/tenants/{tenant}/connections/{name}/breaker`,
//! `DELETE /admin/api/tenants/{tenant}/tokens/{id}`.

use super::{created, ok};
use crate::error::ApiError;
use crate::json::{ConnectionJson, ConnectionViewJson, FailedJson, IssuedJson, ReleasedJson};
use crate::params::ConnectionBody;
use crate::session::{Admin, AdminChange, JsonBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scim_http::extract::Ctx;
use scim_http::AppState;
use serde::Deserialize;
use utoipa::ToSchema;

/// Connections with their policies, tokens and health.
///
/// `GET /admin/api/tenants/{tenant}/connections`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/connections",
    responses((status = 200, body = Vec<ConnectionViewJson>)))]
pub async fn list(
    State(state): State<AppState>,
    Admin(who): Admin,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    let v = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .connection_views()
        .await?;
    Ok(ok(&v
        .iter()
        .map(ConnectionViewJson::from)
        .collect::<Vec<_>>()))
}

/// Create a connection.
///
/// `POST /admin/api/tenants/{tenant}/connections`.
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/connections", request_body = ConnectionBody,
    responses((status = 201, body = ConnectionJson)))]
pub async fn create(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(tenant): Path<String>,
    JsonBody(body): JsonBody<ConnectionBody>,
) -> Result<Response, ApiError> {
    let f = body.form();
    let c = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .create_connection(&f.name, &f.profile, f.policy())
        .await?;
    Ok(created(&ConnectionJson::from(&c)))
}

/// A connection with its tokens and health.
///
/// `GET /admin/api/tenants/{tenant}/connections/{name}`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/connections/{name}",
    responses((status = 200, body = ConnectionViewJson)))]
pub async fn show(
    State(state): State<AppState>,
    Admin(who): Admin,
    Path((tenant, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let v = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .connection_view(&name)
        .await?;
    Ok(ok(&ConnectionViewJson::from(&v)))
}

/// Change a connection's name, profile and policies.
///
/// `PUT /admin/api/tenants/{tenant}/connections/{name}`.
#[utoipa::path(put, path = "/admin/api/tenants/{tenant}/connections/{name}", request_body = ConnectionBody,
    responses((status = 200, body = ConnectionJson)))]
pub async fn update(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<ConnectionBody>,
) -> Result<Response, ApiError> {
    let c = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .update_connection(&name, move |c| body.form().apply(c))
        .await?;
    Ok(ok(&ConnectionJson::from(&c)))
}

/// Delete a connection and its tokens.
///
/// `DELETE /admin/api/tenants/{tenant}/connections/{name}`.
#[utoipa::path(delete, path = "/admin/api/tenants/{tenant}/connections/{name}",
    responses((status = 204)))]
pub async fn remove(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .delete_connection(&name)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A new token.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenBody {
    /// Its label (default `console`).
    name: String,
    /// `null`: it never expires.
    expires_in_days: Option<u32>,
}

/// Issue a token: the secret is in this response only, with the SCIM
/// base URL.
///
/// `POST /admin/api/tenants/{tenant}/connections/{name}/tokens`
/// `{"name", "expiresInDays"}`.
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/connections/{name}/tokens",
    request_body = TokenBody, responses((status = 201, body = IssuedJson)))]
pub async fn issue(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Ctx(ctx): Ctx,
    Path((tenant, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<TokenBody>,
) -> Result<Response, ApiError> {
    let issued = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .issue_token(Some(&name), &body.name, body.expires_in_days)
        .await?;
    Ok(created(&IssuedJson::of(&issued, &ctx.base_url)))
}

/// A rotation.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default, rename_all = "camelCase")]
pub struct RotateBody {
    /// Days the live tokens keep working beside the new one (0: they
    /// stop now).
    overlap_days: u32,
}

/// Issue a token and retire the live ones after an overlap.
///
/// `POST /admin/api/tenants/{tenant}/connections/{name}/rotate` `{"overlapDays"}`.
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/connections/{name}/rotate",
    request_body = RotateBody, responses((status = 201, body = IssuedJson)))]
pub async fn rotate(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Ctx(ctx): Ctx,
    Path((tenant, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<RotateBody>,
) -> Result<Response, ApiError> {
    let issued = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .rotate_token(
            &name,
            scim_service::admin_connections::Rotation::console(body.overlap_days),
        )
        .await?;
    Ok(created(&IssuedJson::of(&issued, &ctx.base_url)))
}

/// A breaker decision.
#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Resume deprovisioning.
    Confirm,
    /// Re-enable the users it deactivated, then resume.
    Reject,
}

/// What to do with a paused mass deprovisioning.
#[derive(Deserialize, ToSchema)]
pub struct BreakerBody {
    decision: Decision,
}

/// Confirm or reject a paused mass deprovisioning.
///
/// `POST /admin/api/tenants/{tenant}/connections/{name}/breaker`
/// `{"decision": "confirm" | "reject"}`.
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/connections/{name}/breaker",
    request_body = BreakerBody, responses((status = 200, body = ReleasedJson)))]
pub async fn breaker(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<BreakerBody>,
) -> Result<Response, ApiError> {
    let confirm = matches!(body.decision, Decision::Confirm);
    let released = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .release_breaker(&name, confirm)
        .await?;
    Ok(ok(&ReleasedJson {
        decision: if confirm { "confirm" } else { "reject" }.into(),
        reenabled: released.reenabled,
        failed: released
            .failed
            .into_iter()
            .map(|(id, reason)| FailedJson { id, reason })
            .collect(),
    }))
}

/// Revoke a token.
///
/// `DELETE /admin/api/tenants/{tenant}/tokens/{id}`.
#[utoipa::path(delete, path = "/admin/api/tenants/{tenant}/tokens/{id}", responses((status = 204)))]
pub async fn revoke(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, id)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .revoke_token(id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
