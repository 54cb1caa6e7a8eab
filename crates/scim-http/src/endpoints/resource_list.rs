//! `GET /Users`, `GET /Groups` (RFC 7644 §3.4.2): filter, sort, paging, projection.

use super::kind;
use crate::extract::{Auth, Ctx, QueryPairs};
use crate::response::{ApiReply, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use scim_service::resource::ListSource;

pub async fn handler(
    State(state): State<AppState>,
    Path(rt): Path<String>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
    q: QueryPairs,
) -> ApiResult<ApiReply> {
    let kind = kind(&rt)?;
    Ok(ApiReply(
        state
            .service
            .list(&who, Some(kind), ListSource::Query(&q.0), &ctx)
            .await?,
    ))
}
