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
use crate::json;
use crate::params::ConnectionBody;
use crate::session::{Admin, AdminChange, JsonBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scim_core::ScimError;
use scim_http::extract::Ctx;
use scim_http::AppState;
use serde::Deserialize;
use serde_json::{json, Value};

/// `GET /admin/api/tenants/{tenant}/connections`.
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
    Ok(ok(Value::Array(
        v.iter().map(json::connection_view).collect(),
    )))
}

/// `POST /admin/api/tenants/{tenant}/connections`.
pub async fn create(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(tenant): Path<String>,
    JsonBody(body): JsonBody<ConnectionBody>,
) -> Result<Response, ApiError> {
    let f = body.form();
    let t = state.service.console(&who).change(&tenant).await?;
    let c = t.create_connection(&f.name, &f.profile, f.policy()).await?;
    Ok(created(json::connection(&c)))
}

/// `GET /admin/api/tenants/{tenant}/connections/{name}`.
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
    Ok(ok(json::connection_view(&v)))
}

/// `PUT /admin/api/tenants/{tenant}/connections/{name}`.
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
    Ok(ok(json::connection(&c)))
}

/// `DELETE /admin/api/tenants/{tenant}/connections/{name}`.
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

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenBody {
    name: String,
    expires_in_days: Option<u32>,
}

/// `POST /admin/api/tenants/{tenant}/connections/{name}/tokens`
/// `{"name", "expiresInDays"}`.
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
    Ok(created(json::issued(&issued, &ctx.base_url)))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub struct RotateBody {
    overlap_days: u32,
}

/// `POST /admin/api/tenants/{tenant}/connections/{name}/rotate` `{"overlapDays"}`.
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
    Ok(created(json::issued(&issued, &ctx.base_url)))
}

#[derive(Deserialize)]
pub struct BreakerBody {
    decision: String,
}

/// `POST /admin/api/tenants/{tenant}/connections/{name}/breaker`
/// `{"decision": "confirm" | "reject"}`.
pub async fn breaker(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, name)): Path<(String, String)>,
    JsonBody(body): JsonBody<BreakerBody>,
) -> Result<Response, ApiError> {
    let confirm = match body.decision.as_str() {
        "confirm" => true,
        "reject" => false,
        d => {
            return Err(ApiError(ScimError::InvalidValue(format!(
                "unknown decision {d:?}: use confirm or reject"
            ))))
        }
    };
    let released = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .release_breaker(&name, confirm)
        .await?;
    Ok(ok(json!({
        "decision": body.decision,
        "reenabled": released.reenabled,
        "failed": released.failed.iter().map(|(id, why)| json!({"id": id, "reason": why})).collect::<Vec<_>>(),
    })))
}

/// `DELETE /admin/api/tenants/{tenant}/tokens/{id}`.
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
