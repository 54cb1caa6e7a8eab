//! Methods an endpoint does not support: 405 with a SCIM Error body
//! (RFC 7644 §4: discovery endpoints are read-only), and unknown paths: 404.

use crate::response::ApiError;
use axum::http::{Method, Uri};
use scim_core::ScimError;

/// 405 for a known path.
pub async fn method(method: Method, uri: Uri) -> ApiError {
    ApiError(ScimError::MethodNotAllowed(format!(
        "{method} is not allowed on {}",
        uri.path()
    )))
}

/// 404 for an unknown path.
pub async fn path(uri: Uri) -> ApiError {
    ApiError(ScimError::NotFound(format!("no endpoint {}", uri.path())))
}
