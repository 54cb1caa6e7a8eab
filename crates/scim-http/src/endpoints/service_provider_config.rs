//! `GET /ServiceProviderConfig` (RFC 7644 §4, RFC 7643 §5).

use crate::extract::{Auth, Ctx};
use crate::response::{json_response, ApiResult};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

pub async fn handler(
    State(state): State<AppState>,
    Auth(who): Auth,
    Ctx(ctx): Ctx,
) -> ApiResult<Response> {
    let config = state
        .service
        .scim(&who, &ctx)
        .service_provider_config()
        .await?;
    Ok(json_response(StatusCode::OK, &config))
}
