//! `PATCH /Users/{id}`, `PATCH /Groups/{id}` (RFC 7644 §3.5.2), with `If-Match` (412).

use super::kind;
use crate::extract::{Auth, ResourceCtx, ScimJson};
use crate::response::{ApiResult, ScimReply};
use crate::AppState;
use axum::extract::{Path, State};

pub async fn handler(
    State(state): State<AppState>,
    Path((rt, id)): Path<(String, String)>,
    Auth(who): Auth,
    ResourceCtx(ctx): ResourceCtx,
    body: ScimJson,
) -> ApiResult<ScimReply> {
    let kind = kind(&rt)?;
    let outcome = state
        .service
        .scim(&who, &ctx)
        .patch(kind, &id, &body.value)
        .await?;
    Ok(ScimReply::new(outcome, &ctx))
}
