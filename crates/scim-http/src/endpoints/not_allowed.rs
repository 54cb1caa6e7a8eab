//! Methods an endpoint does not support: 405 with a SCIM Error body
//! (RFC 7644 §4: discovery endpoints are read-only), and unknown paths: 404.

use crate::extract::read_body;
use crate::response::ApiError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::Uri;
use scim_core::ScimError;

/// 405 for a known path. The body is read first, so that the client sees
/// the answer rather than a reset connection.
pub async fn method(State(state): State<AppState>, req: Request) -> ApiError {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let _ = read_body(req.into_body(), state.limits.max_body).await;
    ApiError(ScimError::MethodNotAllowed(format!(
        "{method} is not allowed on {path}"
    )))
}

/// 404 for an unknown path.
pub async fn path(uri: Uri) -> ApiError {
    ApiError(ScimError::NotFound(format!("no endpoint {}", uri.path())))
}
