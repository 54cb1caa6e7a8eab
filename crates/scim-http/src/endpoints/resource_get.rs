//! `GET /Users/{id}`, `GET /Groups/{id}` (RFC 7644 §3.4.1), with
//! `If-None-Match` (304).

use super::kind;
use crate::extract::{Auth, Conditions, Ctx, QueryPairs};
use crate::response::{ApiReply, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};

pub async fn handler(
    State(state): State<AppState>,
    Path((rt, id)): Path<(String, String)>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
    q: QueryPairs,
    Conditions(pre): Conditions,
) -> ApiResult<ApiReply> {
    let kind = kind(&rt)?;
    Ok(ApiReply(
        state
            .service
            .get(&who, kind, &id, &ctx, &q.projection()?, &pre)
            .await?,
    ))
}
