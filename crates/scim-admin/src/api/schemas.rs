//! Admin API schema extensions (`docs/custom-attributes.md`):
//! `GET`/`POST /admin/api/tenants/{tenant}/schemas` and
//! `GET`/`DELETE /admin/api/tenants/{tenant}/schemas/{urn}`
//! (`?dropValues=true` removes the values resources carry first). RFC 7643
//! §7 documents; a change needs an owner.

use super::{created, ok};
use crate::error::ApiError;
use crate::session::{Admin, AdminChange, JsonBody};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::extract::QueryPairs;
use scim_http::AppState;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// The body of `POST …/schemas`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SchemaBody {
    /// The RFC 7643 §7 schema document.
    #[schema(value_type = Object)]
    pub schema: Value,
    /// `User` (the default) or `Group`.
    #[serde(default)]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub required: bool,
}

/// What removing an extension did.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemovedJson {
    pub urn: String,
    /// How many resources carried values of it (removed with it).
    pub dropped_from: u64,
}

/// `GET /admin/api/tenants/{tenant}/schemas`: RFC 7643 §7 schema
/// documents, each with `resourceType` and `required`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/schemas",
    responses((status = 200, body = Vec<Object>)))]
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
        .extensions()
        .list()
        .await?;
    Ok(ok(&Value::Array(v.iter().map(|e| e.to_json()).collect())))
}

/// `POST /admin/api/tenants/{tenant}/schemas` (owners).
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/schemas", request_body = SchemaBody,
    responses((status = 201, body = Object)))]
pub async fn add(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(tenant): Path<String>,
    JsonBody(body): JsonBody<SchemaBody>,
) -> Result<Response, ApiError> {
    let rt = body.resource_type.as_deref().unwrap_or("User");
    let e = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .extension_admin()
        .add(&body.schema, rt, body.required)
        .await?;
    Ok(created(&e.to_json()))
}

/// `GET /admin/api/tenants/{tenant}/schemas/{urn}`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/schemas/{urn}",
    responses((status = 200, body = Object)))]
pub async fn show(
    State(state): State<AppState>,
    Admin(who): Admin,
    Path((tenant, urn)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let e = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .extensions()
        .show(&urn)
        .await?;
    Ok(ok(&e.to_json()))
}

/// `DELETE /admin/api/tenants/{tenant}/schemas/{urn}` (owners).
#[utoipa::path(delete, path = "/admin/api/tenants/{tenant}/schemas/{urn}", params(
    ("dropValues" = Option<bool>, Query, description = "Remove the values resources carry first (audited)"),
), responses((status = 200, body = RemovedJson)))]
pub async fn remove(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, urn)): Path<(String, String)>,
    q: QueryPairs,
) -> Result<Response, ApiError> {
    let drop_values = q
        .get("dropValues")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let r = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .extension_admin()
        .remove(&urn, drop_values)
        .await?;
    Ok(ok(&RemovedJson {
        urn: r.urn,
        dropped_from: r.dropped,
    }))
}
