//! `DELETE /Users/{id}`, `DELETE /Groups/{id}` (RFC 7644 §3.6): 204, then 404.

use super::kind;
use crate::extract::{Auth, Conditions, Ctx};
use crate::response::{ApiReply, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};

pub async fn handler(
    State(state): State<AppState>,
    Path((rt, id)): Path<(String, String)>,
    Auth(who): Auth,
    Conditions(pre): Conditions,
    Ctx(ctx): Ctx,
) -> ApiResult<ApiReply> {
    let kind = kind(&rt)?;
    Ok(ApiReply(
        state.service.delete(&who, kind, &id, &pre, &ctx).await?,
    ))
}
