//! `POST /Bulk` (RFC 7644 §3.7).

use crate::extract::{Auth, BulkJson, Ctx};
use crate::response::{json_response, ApiResult};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

pub async fn handler(
    State(state): State<AppState>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
    BulkJson(body): BulkJson,
) -> ApiResult<Response> {
    let scim = state.service.scim(&who, &ctx);
    let reply = scim.bulk(&body.value, body.size).await?;
    Ok(json_response(StatusCode::OK, &reply))
}
