//! `GET /ResourceTypes` (RFC 7644 §4, RFC 7643 §6).

use crate::extract::{Auth, Ctx};
use crate::response::json_response;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

pub async fn handler(State(state): State<AppState>, Auth(who): Auth, Ctx(ctx): Ctx) -> Response {
    let types = state.service.scim(&who, &ctx).resource_types();
    json_response(StatusCode::OK, &types)
}
