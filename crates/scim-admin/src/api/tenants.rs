//! Admin API tenants: `GET`/`POST /admin/api/tenants`,
//! `GET /admin/api/tenants/{tenant}`, `PUT /admin/api/tenants/{tenant}/settings`,
//! `GET /admin/api/tenants/{tenant}/seats`.

use super::{created, ok};
use crate::error::ApiError;
use crate::json;
use crate::session::{Admin, AdminChange, JsonBody};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::AppState;
use scim_store::TenantSettings;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
pub struct TenantBody {
    name: String,
}

/// `GET /admin/api/tenants`.
pub async fn list(State(state): State<AppState>, Admin(who): Admin) -> Result<Response, ApiError> {
    let tenants = state.service.console(&who).tenants().await?;
    Ok(ok(Value::Array(tenants.iter().map(json::tenant).collect())))
}

/// `POST /admin/api/tenants` `{"name"}`.
pub async fn create(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    JsonBody(body): JsonBody<TenantBody>,
) -> Result<Response, ApiError> {
    let t = state
        .service
        .console(&who)
        .system()?
        .create_tenant(&body.name)
        .await?;
    Ok(created(json::tenant(&t)))
}

/// `GET /admin/api/tenants/{tenant}`.
pub async fn show(
    State(state): State<AppState>,
    Admin(who): Admin,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    let v = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .overview()
        .await?;
    Ok(ok(json::tenant_view(&v)))
}

/// `PUT /admin/api/tenants/{tenant}/settings` with the settings object.
pub async fn settings(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(tenant): Path<String>,
    JsonBody(body): JsonBody<TenantSettings>,
) -> Result<Response, ApiError> {
    let s = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .update_settings(move |s| {
            *s = body;
            Ok(())
        })
        .await?;
    Ok(ok(serde_json::to_value(&s).unwrap_or(Value::Null)))
}

/// `GET /admin/api/tenants/{tenant}/seats`.
pub async fn seats(
    State(state): State<AppState>,
    Admin(who): Admin,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    let s = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .seats()
        .await?;
    Ok(ok(json::seats(&s)))
}
