//! SCIM responses: `application/scim+json` bodies, `ETag` and `Location`
//! headers, and SCIM Error bodies (RFC 7644 §3.12) for every failure.
//!
//! Invariant: every error leaves through [`ApiError`]; internal details are
//! logged here and never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use scim_core::ScimError;
use scim_service::Reply;
use serde_json::Value;

/// The SCIM media type (RFC 7644 §8.1).
pub const SCIM_JSON: &str = "application/scim+json";

/// A JSON body with the SCIM media type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON))],
            bytes,
        )
            .into_response(),
        Err(e) => {
            ApiError(ScimError::Internal(format!("response serialisation: {e}"))).into_response()
        }
    }
}

/// A service reply as an HTTP response.
pub struct ApiReply(pub Reply);

impl IntoResponse for ApiReply {
    fn into_response(self) -> Response {
        let r = self.0;
        let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK);
        let mut resp = match &r.body {
            Some(b) => json_response(status, b),
            None => status.into_response(),
        };
        let headers = resp.headers_mut();
        if let Some(etag) = r
            .etag
            .as_deref()
            .and_then(|e| HeaderValue::from_str(e).ok())
        {
            headers.insert(header::ETAG, etag);
        }
        if let Some(loc) = r
            .location
            .as_deref()
            .and_then(|l| HeaderValue::from_str(l).ok())
        {
            headers.insert(header::LOCATION, loc);
        }
        resp
    }
}

/// A SCIM error as an HTTP response.
#[derive(Debug)]
pub struct ApiError(pub ScimError);

impl From<ScimError> for ApiError {
    fn from(e: ScimError) -> ApiError {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        if let Some(msg) = e.internal_message() {
            tracing::error!(error = msg, "internal error");
        }
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = json_response(status, &e.to_body());
        if let Some(secs) = e.retry_after() {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"scimd\""),
            );
        }
        resp
    }
}

/// The result type of handlers.
pub type ApiResult<T> = Result<T, ApiError>;
