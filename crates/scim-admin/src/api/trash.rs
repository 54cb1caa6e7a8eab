//! Admin API trash: `GET /admin/api/tenants/{tenant}/trash` (soft-deleted
//! users and groups), `POST /admin/api/tenants/{tenant}/trash/{kind}/{id}/restore`
//! and `DELETE /admin/api/tenants/{tenant}/trash/{kind}/{id}` (purge now),
//! `{kind}` being `users` or `groups`. Both changes are audited.

use super::directory::ScimResource;
use super::ok;
use crate::error::ApiError;
use crate::json::TrashJson;
use crate::params::trash_kind;
use crate::session::{Admin, AdminChange};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scim_http::AppState;
use scim_service::render::resource_json;

/// Soft-deleted users and groups, newest first.
///
/// `GET /admin/api/tenants/{tenant}/trash`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/trash",
    responses((status = 200, body = TrashJson)))]
pub async fn list(
    State(state): State<AppState>,
    Admin(who): Admin,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    let t = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .trash_all()
        .await?;
    Ok(ok(&TrashJson::from(&t)))
}

/// Restore a soft-deleted user or group (409 if its name was taken since).
///
/// `POST /admin/api/tenants/{tenant}/trash/{kind}/{id}/restore`.
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/trash/{kind}/{id}/restore",
    responses((status = 200, body = ScimResource)))]
pub async fn restore(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, kind, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let r = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .restore(trash_kind(&kind)?, &id)
        .await?;
    Ok(ok(&resource_json(&r, "")))
}

/// Purge a soft-deleted user or group now, before its retention ends.
///
/// `DELETE /admin/api/tenants/{tenant}/trash/{kind}/{id}`.
#[utoipa::path(delete, path = "/admin/api/tenants/{tenant}/trash/{kind}/{id}",
    responses((status = 204)))]
pub async fn purge(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, kind, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .purge_trashed(trash_kind(&kind)?, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
