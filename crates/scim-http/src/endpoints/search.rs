//! `POST /.search`, `POST /Users/.search`, `POST /Groups/.search`
//! (RFC 7644 §3.4.3): a query in a SearchRequest body.

use super::kind;
use crate::extract::{Auth, Ctx, ScimJson};
use crate::response::{json_response, ApiResult};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use scim_service::resource::ListSource;

/// `POST /{Users|Groups}/.search`.
pub async fn typed(
    State(state): State<AppState>,
    Path(rt): Path<String>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
    body: ScimJson,
) -> ApiResult<Response> {
    let kind = kind(&rt)?;
    let scim = state.service.scim(&who, &ctx);
    let page = scim
        .list(Some(kind), ListSource::Search(&body.value))
        .await?;
    Ok(json_response(StatusCode::OK, &page))
}

/// `POST /.search` across all resource types.
pub async fn root(
    State(state): State<AppState>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
    body: ScimJson,
) -> ApiResult<Response> {
    let scim = state.service.scim(&who, &ctx);
    let page = scim.list(None, ListSource::Search(&body.value)).await?;
    Ok(json_response(StatusCode::OK, &page))
}
