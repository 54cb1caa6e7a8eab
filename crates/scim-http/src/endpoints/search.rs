//! `POST /.search`, `POST /Users/.search`, `POST /Groups/.search`
//! (RFC 7644 §3.4.3): a query in a SearchRequest body.

use super::kind;
use crate::extract::{Auth, Ctx, ScimJson};
use crate::response::{ApiReply, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use scim_service::resource::ListSource;

/// `POST /{Users|Groups}/.search`.
pub async fn typed(
    State(state): State<AppState>,
    Path(rt): Path<String>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
    body: ScimJson,
) -> ApiResult<ApiReply> {
    let kind = kind(&rt)?;
    Ok(ApiReply(
        state
            .service
            .list(&who, Some(kind), ListSource::Search(&body.value), &ctx)
            .await?,
    ))
}

/// `POST /.search` across all resource types.
pub async fn root(
    State(state): State<AppState>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
    body: ScimJson,
) -> ApiResult<ApiReply> {
    Ok(ApiReply(
        state
            .service
            .list(&who, None, ListSource::Search(&body.value), &ctx)
            .await?,
    ))
}
