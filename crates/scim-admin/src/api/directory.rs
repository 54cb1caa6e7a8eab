//! Admin API users, groups and the audit log:
//! `GET /admin/api/tenants/{tenant}/users` and `/groups` (search),
//! `GET`/`DELETE /admin/api/tenants/{tenant}/users/{id}` and `/groups/{id}`,
//! `PUT /admin/api/tenants/{tenant}/users/{id}/active`,
//! `GET /admin/api/tenants/{tenant}/users/{id}/timeline`,
//! `GET /admin/api/tenants/{tenant}/audit`. Managed resources are
//! read-only: changes answer 403 with the explanation.

use super::ok;
use crate::error::ApiError;
use crate::json;
use crate::params;
use crate::session::{Admin, AdminChange, JsonBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scim_http::extract::QueryPairs;
use scim_http::AppState;
use scim_service::admin_audit::AuditFilter;
use scim_service::render::resource_json;
use scim_store::ResourceKind;
use serde::Deserialize;

async fn search(
    state: AppState,
    who: Admin,
    tenant: String,
    kind: ResourceKind,
    q: QueryPairs,
) -> Result<Response, ApiError> {
    let p = params::search(&q)?;
    let page = state
        .service
        .console(&who.0)
        .read(&tenant)
        .await?
        .search(kind, &p)
        .await?;
    Ok(ok(json::search(&page)))
}

/// `GET /admin/api/tenants/{tenant}/users?filter=&q=&startIndex=&count=`.
pub async fn users(
    State(state): State<AppState>,
    who: Admin,
    Path(tenant): Path<String>,
    q: QueryPairs,
) -> Result<Response, ApiError> {
    search(state, who, tenant, ResourceKind::User, q).await
}

/// `GET /admin/api/tenants/{tenant}/groups?filter=&q=&startIndex=&count=`.
pub async fn groups(
    State(state): State<AppState>,
    who: Admin,
    Path(tenant): Path<String>,
    q: QueryPairs,
) -> Result<Response, ApiError> {
    search(state, who, tenant, ResourceKind::Group, q).await
}

async fn detail(
    state: AppState,
    who: Admin,
    (tenant, id): (String, String),
    kind: ResourceKind,
) -> Result<Response, ApiError> {
    let d = state
        .service
        .console(&who.0)
        .read(&tenant)
        .await?
        .resource(kind, &id)
        .await?;
    Ok(ok(json::detail(&d)))
}

/// `GET /admin/api/tenants/{tenant}/users/{id}`.
pub async fn user(
    State(state): State<AppState>,
    who: Admin,
    Path(p): Path<(String, String)>,
) -> Result<Response, ApiError> {
    detail(state, who, p, ResourceKind::User).await
}

/// `GET /admin/api/tenants/{tenant}/groups/{id}`.
pub async fn group(
    State(state): State<AppState>,
    who: Admin,
    Path(p): Path<(String, String)>,
) -> Result<Response, ApiError> {
    detail(state, who, p, ResourceKind::Group).await
}

async fn delete(
    state: AppState,
    who: AdminChange,
    (tenant, id): (String, String),
    kind: ResourceKind,
) -> Result<Response, ApiError> {
    state
        .service
        .console(&who.0)
        .change(&tenant)
        .await?
        .delete_resource(kind, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /admin/api/tenants/{tenant}/users/{id}`.
pub async fn delete_user(
    State(state): State<AppState>,
    who: AdminChange,
    Path(p): Path<(String, String)>,
) -> Result<Response, ApiError> {
    delete(state, who, p, ResourceKind::User).await
}

/// `DELETE /admin/api/tenants/{tenant}/groups/{id}`.
pub async fn delete_group(
    State(state): State<AppState>,
    who: AdminChange,
    Path(p): Path<(String, String)>,
) -> Result<Response, ApiError> {
    delete(state, who, p, ResourceKind::Group).await
}

#[derive(Deserialize)]
pub struct ActiveBody {
    active: bool,
}

/// `PUT /admin/api/tenants/{tenant}/users/{id}/active` `{"active": bool}`.
pub async fn set_active(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, id)): Path<(String, String)>,
    JsonBody(body): JsonBody<ActiveBody>,
) -> Result<Response, ApiError> {
    let r = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .set_active(&id, body.active)
        .await?;
    Ok(ok(resource_json(&r, "")))
}

/// `GET /admin/api/tenants/{tenant}/users/{id}/timeline?before=&limit=`.
pub async fn user_timeline(
    State(state): State<AppState>,
    Admin(who): Admin,
    Path((tenant, id)): Path<(String, String)>,
    q: QueryPairs,
) -> Result<Response, ApiError> {
    let f = AuditFilter {
        resource: Some(("user".into(), id)),
        ..params::audit(&q)?
    };
    let t = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .timeline(&f)
        .await?;
    Ok(ok(json::timeline(&t)))
}

/// `GET /admin/api/tenants/{tenant}/audit?connection=&since=&until=&outcome=&resourceType=&resourceId=&before=&limit=`.
pub async fn audit(
    State(state): State<AppState>,
    Admin(who): Admin,
    Path(tenant): Path<String>,
    q: QueryPairs,
) -> Result<Response, ApiError> {
    let f = params::audit(&q)?;
    let t = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .timeline(&f)
        .await?;
    Ok(ok(json::timeline(&t)))
}
