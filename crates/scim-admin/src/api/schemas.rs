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
use serde::Deserialize;
use serde_json::{json, Value};

/// The body of `POST …/schemas`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaBody {
    /// The RFC 7643 §7 schema document.
    pub schema: Value,
    /// `User` (the default) or `Group`.
    #[serde(default)]
    pub resource_type: Option<String>,
    #[serde(default)]
    pub required: bool,
}

/// `GET /admin/api/tenants/{tenant}/schemas`.
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
        .schema_extensions()
        .await?;
    Ok(ok(Value::Array(v.iter().map(|e| e.to_json()).collect())))
}

/// `POST /admin/api/tenants/{tenant}/schemas`.
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
        .add_schema_extension(&body.schema, rt, body.required)
        .await?;
    Ok(created(e.to_json()))
}

/// `GET /admin/api/tenants/{tenant}/schemas/{urn}`.
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
        .schema_extension(&urn)
        .await?;
    Ok(ok(e.to_json()))
}

/// `DELETE /admin/api/tenants/{tenant}/schemas/{urn}`.
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
        .remove_schema_extension(&urn, drop_values)
        .await?;
    Ok(ok(json!({"urn": r.urn, "droppedFrom": r.dropped})))
}
