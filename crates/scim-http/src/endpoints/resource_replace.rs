//! `PUT /Users/{id}`, `PUT /Groups/{id}` (RFC 7644 §3.5.1), with `If-Match` (412).

use super::kind;
use crate::extract::{Auth, Conditions, Ctx, QueryPairs, ScimJson};
use crate::response::{ApiReply, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};

#[allow(clippy::too_many_arguments)]
pub async fn handler(
    State(state): State<AppState>,
    Path((rt, id)): Path<(String, String)>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
    q: QueryPairs,
    Conditions(pre): Conditions,
    body: ScimJson,
) -> ApiResult<ApiReply> {
    let kind = kind(&rt)?;
    Ok(ApiReply(
        state
            .service
            .replace(&who, kind, &id, &body.value, &ctx, &q.projection()?, &pre)
            .await?,
    ))
}
