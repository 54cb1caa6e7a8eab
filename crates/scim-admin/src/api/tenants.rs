//! Admin API tenants: `GET`/`POST /admin/api/tenants`,
//! `GET /admin/api/tenants/{tenant}`, `PUT /admin/api/tenants/{tenant}/settings`,
//! `GET /admin/api/tenants/{tenant}/seats`.

use super::{created, ok};
use crate::error::ApiError;
use crate::json::{SeatsJson, TenantJson, TenantOverviewJson};
use crate::session::{Admin, AdminChange, JsonBody};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::AppState;
use scim_store::TenantSettings;
use serde::Deserialize;
use utoipa::ToSchema;

/// A new tenant.
#[derive(Deserialize, ToSchema)]
pub struct TenantBody {
    /// 1 to 64 letters, digits, `-`, `_` or `.`.
    name: String,
}

/// The tenants this admin reaches.
///
/// `GET /admin/api/tenants`.
#[utoipa::path(get, path = "/admin/api/tenants", responses((status = 200, body = Vec<TenantJson>)))]
pub async fn list(State(state): State<AppState>, Admin(who): Admin) -> Result<Response, ApiError> {
    let tenants = state.service.console(&who).tenants().await?;
    Ok(ok(&tenants
        .iter()
        .map(TenantJson::from)
        .collect::<Vec<_>>()))
}

/// Create a tenant (super-admin).
///
/// `POST /admin/api/tenants` `{"name"}`.
#[utoipa::path(post, path = "/admin/api/tenants", request_body = TenantBody,
    responses((status = 201, body = TenantJson)))]
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
    Ok(created(&TenantJson::from(&t)))
}

/// A tenant: settings, seats, connections.
///
/// `GET /admin/api/tenants/{tenant}`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}",
    responses((status = 200, body = TenantOverviewJson)))]
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
    Ok(ok(&TenantOverviewJson::from(&v)))
}

/// Replace the tenant's settings (seat limit, matching, retention, breaker).
///
/// `PUT /admin/api/tenants/{tenant}/settings` with the settings object.
#[utoipa::path(put, path = "/admin/api/tenants/{tenant}/settings", request_body = TenantSettings,
    responses((status = 200, body = TenantSettings)))]
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
    Ok(ok(&s))
}

/// Seat usage against the limit.
///
/// `GET /admin/api/tenants/{tenant}/seats`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/seats",
    responses((status = 200, body = SeatsJson)))]
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
    Ok(ok(&SeatsJson::from(&s)))
}
