//! `GET /Users`, `GET /Groups` (RFC 7644 §3.4.2): filter, sort, paging, projection.

use super::kind;
use crate::extract::{Auth, Ctx, QueryPairs};
use crate::response::{json_response, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use scim_service::resource::ListSource;

pub async fn handler(
    State(state): State<AppState>,
    Path(rt): Path<String>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
    q: QueryPairs,
) -> ApiResult<Response> {
    let kind = kind(&rt)?;
    let scim = state.service.scim(&who, &ctx);
    let page = scim.list(Some(kind), ListSource::Query(&q.0)).await?;
    Ok(json_response(StatusCode::OK, &page))
}
