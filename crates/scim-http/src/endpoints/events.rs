//! `GET /Events`: the tenant's change feed as RFC 9967 SETs with a
//! resumable cursor (`docs/events.md`; see `scim_service::feed`).

use crate::extract::{Auth, Ctx, QueryPairs};
use crate::response::{json_response, ApiResult};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

pub async fn handler(
    State(state): State<AppState>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
    q: QueryPairs,
) -> ApiResult<Response> {
    let page = state.service.scim(&who, &ctx).feed(&q.0).await?;
    Ok(json_response(StatusCode::OK, &page))
}
