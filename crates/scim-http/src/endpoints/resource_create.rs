//! `POST /Users`, `POST /Groups` (RFC 7644 §3.3): 201 with `Location` and `ETag`.

use super::kind;
use crate::extract::{Auth, Ctx, QueryPairs, ScimJson};
use crate::response::{ApiReply, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};

pub async fn handler(
    State(state): State<AppState>,
    Path(rt): Path<String>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
    q: QueryPairs,
    body: ScimJson,
) -> ApiResult<ApiReply> {
    let kind = kind(&rt)?;
    Ok(ApiReply(
        state
            .service
            .create(&who, kind, &body.value, &ctx, &q.projection()?)
            .await?,
    ))
}
