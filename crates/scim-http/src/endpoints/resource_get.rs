//! `GET /Users/{id}`, `GET /Groups/{id}` (RFC 7644 §3.4.1), with
//! `If-None-Match` (304).

use super::kind;
use crate::extract::{Auth, ResourceCtx};
use crate::response::{ApiResult, ScimReply};
use crate::AppState;
use axum::extract::{Path, State};

pub async fn handler(
    State(state): State<AppState>,
    Path((rt, id)): Path<(String, String)>,
    Auth(who): Auth,
    ResourceCtx(ctx): ResourceCtx,
) -> ApiResult<ScimReply> {
    let kind = kind(&rt)?;
    let outcome = state.service.scim(&who, &ctx).get(kind, &id).await?;
    Ok(ScimReply::new(outcome, &ctx))
}
