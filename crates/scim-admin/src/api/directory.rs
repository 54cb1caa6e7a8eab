//! Admin API users, groups and the audit log:
//! `GET /admin/api/tenants/{tenant}/users` and `/groups` (search),
//! `GET`/`DELETE /admin/api/tenants/{tenant}/users/{id}` and `/groups/{id}`,
//! `PUT /admin/api/tenants/{tenant}/users/{id}/active`,
//! `GET /admin/api/tenants/{tenant}/users/{id}/timeline`,
//! `GET /admin/api/tenants/{tenant}/audit`. Managed resources are
//! read-only: changes answer 403 with the explanation.

use super::admins::ActiveBody;
use super::ok;
use crate::error::ApiError;
use crate::json::{DetailJson, SearchJson, TimelineJson};
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
use utoipa::ToSchema;

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
    Ok(ok(&SearchJson::from(&page)))
}

/// Search users: SCIM filter, quick search, paging.
///
/// `GET /admin/api/tenants/{tenant}/users?filter=&q=&startIndex=&count=`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/users", params(
    ("filter" = Option<String>, Query, description = "A SCIM filter (RFC 7644 §3.4.2.2)"),
    ("q" = Option<String>, Query, description = "Words matched in names and emails, or an id"),
    ("startIndex" = Option<u64>, Query, description = "1-based index of the first result"),
    ("count" = Option<u64>, Query, description = "Page size (at most 200)"),
), responses((status = 200, body = SearchJson)))]
pub async fn users(
    State(state): State<AppState>,
    who: Admin,
    Path(tenant): Path<String>,
    q: QueryPairs,
) -> Result<Response, ApiError> {
    search(state, who, tenant, ResourceKind::User, q).await
}

/// Search groups: SCIM filter, quick search, paging.
///
/// `GET /admin/api/tenants/{tenant}/groups?filter=&q=&startIndex=&count=`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/groups", params(
    ("filter" = Option<String>, Query, description = "A SCIM filter (RFC 7644 §3.4.2.2)"),
    ("q" = Option<String>, Query, description = "Words matched in the name, or an id"),
    ("startIndex" = Option<u64>, Query, description = "1-based index of the first result"),
    ("count" = Option<u64>, Query, description = "Page size (at most 200)"),
), responses((status = 200, body = SearchJson)))]
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
    Ok(ok(&DetailJson::from(&d)))
}

/// A user: attributes, memberships, provenance, timeline.
///
/// `GET /admin/api/tenants/{tenant}/users/{id}`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/users/{id}",
    responses((status = 200, body = DetailJson)))]
pub async fn user(
    State(state): State<AppState>,
    who: Admin,
    Path(p): Path<(String, String)>,
) -> Result<Response, ApiError> {
    detail(state, who, p, ResourceKind::User).await
}

/// A group: attributes, members, timeline.
///
/// `GET /admin/api/tenants/{tenant}/groups/{id}`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/groups/{id}",
    responses((status = 200, body = DetailJson)))]
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

/// Delete a local user (403 for a managed one).
///
/// `DELETE /admin/api/tenants/{tenant}/users/{id}`.
#[utoipa::path(delete, path = "/admin/api/tenants/{tenant}/users/{id}", responses((status = 204)))]
pub async fn delete_user(
    State(state): State<AppState>,
    who: AdminChange,
    Path(p): Path<(String, String)>,
) -> Result<Response, ApiError> {
    delete(state, who, p, ResourceKind::User).await
}

/// Delete a local group (403 for a managed one).
///
/// `DELETE /admin/api/tenants/{tenant}/groups/{id}`.
#[utoipa::path(delete, path = "/admin/api/tenants/{tenant}/groups/{id}", responses((status = 204)))]
pub async fn delete_group(
    State(state): State<AppState>,
    who: AdminChange,
    Path(p): Path<(String, String)>,
) -> Result<Response, ApiError> {
    delete(state, who, p, ResourceKind::Group).await
}

/// Enable or disable a local user (403 for a managed one).
///
/// `PUT /admin/api/tenants/{tenant}/users/{id}/active` `{"active": bool}`.
#[utoipa::path(put, path = "/admin/api/tenants/{tenant}/users/{id}/active", request_body = ActiveBody,
    responses((status = 200, body = ScimResource)))]
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
    Ok(ok(&resource_json(&r, "")))
}

/// A SCIM representation (RFC 7643) of a user or group.
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct ScimResource(pub serde_json::Value);

async fn unmanage(
    state: AppState,
    who: AdminChange,
    (tenant, id): (String, String),
    kind: ResourceKind,
) -> Result<Response, ApiError> {
    let r = state
        .service
        .console(&who.0)
        .change(&tenant)
        .await?
        .unmanage(kind, &id)
        .await?;
    Ok(ok(&resource_json(&r, "")))
}

/// Release a user from SCIM management, so that local administration may
/// change it (audited).
///
/// `POST /admin/api/tenants/{tenant}/users/{id}/unmanage`.
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/users/{id}/unmanage",
    responses((status = 200, body = ScimResource)))]
pub async fn unmanage_user(
    State(state): State<AppState>,
    who: AdminChange,
    Path(p): Path<(String, String)>,
) -> Result<Response, ApiError> {
    unmanage(state, who, p, ResourceKind::User).await
}

/// Release a group from SCIM management (audited).
///
/// `POST /admin/api/tenants/{tenant}/groups/{id}/unmanage`.
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/groups/{id}/unmanage",
    responses((status = 200, body = ScimResource)))]
pub async fn unmanage_group(
    State(state): State<AppState>,
    who: AdminChange,
    Path(p): Path<(String, String)>,
) -> Result<Response, ApiError> {
    unmanage(state, who, p, ResourceKind::Group).await
}

/// The user's audit timeline.
///
/// `GET /admin/api/tenants/{tenant}/users/{id}/timeline?before=&limit=`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/users/{id}/timeline", params(
    ("before" = Option<i64>, Query, description = "Entries older than this sequence number"),
    ("limit" = Option<u64>, Query, description = "At most this many entries (default 50)"),
), responses((status = 200, body = TimelineJson)))]
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
    Ok(ok(&TimelineJson::from(&t)))
}

/// The audit log, newest first, with filters.
///
/// `GET /admin/api/tenants/{tenant}/audit?connection=&since=&until=&outcome=&resourceType=&resourceId=&before=&limit=`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/audit", params(
    ("connection" = Option<String>, Query, description = "A connection's name"),
    ("since" = Option<String>, Query, description = "From this time (RFC 3339)"),
    ("until" = Option<String>, Query, description = "Up to this time (RFC 3339)"),
    ("outcome" = Option<String>, Query, description = "`succeeded` or `refused`"),
    ("resourceType" = Option<String>, Query, description = "`user` or `group`, with resourceId"),
    ("resourceId" = Option<String>, Query, description = "A resource's id, with resourceType"),
    ("before" = Option<i64>, Query, description = "Entries older than this sequence number"),
    ("limit" = Option<u64>, Query, description = "At most this many entries (default 50)"),
), responses((status = 200, body = TimelineJson)))]
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
    Ok(ok(&TimelineJson::from(&t)))
}
