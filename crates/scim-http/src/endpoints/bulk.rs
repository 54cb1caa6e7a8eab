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
    let reply = state
        .service
        .bulk(&who, &body.value, body.size, &ctx)
        .await?;
    Ok(json_response(StatusCode::OK, &reply))
}
