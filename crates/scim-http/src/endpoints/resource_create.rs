//! `POST /Users`, `POST /Groups` (RFC 7644 §3.3): 201 with `Location` and `ETag`.

use super::kind;
use crate::extract::{Auth, ResourceCtx, ScimJson};
use crate::response::{ApiResult, ScimReply};
use crate::AppState;
use axum::extract::{Path, State};

pub async fn handler(
    State(state): State<AppState>,
    Path(rt): Path<String>,
    Auth(who): Auth,
    ResourceCtx(ctx): ResourceCtx,
    body: ScimJson,
) -> ApiResult<ScimReply> {
    let kind = kind(&rt)?;
    let outcome = state
        .service
        .scim(&who, &ctx)
        .create(kind, &body.value)
        .await?;
    Ok(ScimReply::new(outcome, &ctx))
}
