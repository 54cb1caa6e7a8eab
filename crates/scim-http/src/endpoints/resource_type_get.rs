//! `GET /ResourceTypes/{id}` (RFC 7644 §4, RFC 7643 §6).

use crate::extract::{Auth, Ctx};
use crate::response::{json_response, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

pub async fn handler(
    State(state): State<AppState>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    Ok(json_response(
        StatusCode::OK,
        &state.service.scim(&who, &ctx).resource_type(&id)?,
    ))
}
