//! SCIM responses: `application/scim+json` bodies, the status, `ETag` and
//! `Location` of each outcome of the service ([`ScimReply`]), and SCIM
//! Error bodies (RFC 7644 §3.12) for every failure.
//!
//! Invariant: every error leaves through [`ApiError`]; internal details are
//! logged here and never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use scim_core::ScimError;
use scim_service::render::location;
use scim_service::{Outcome, RequestCtx};
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

/// What a SCIM resource operation did, as an HTTP response (RFC 7644 §3):
///
/// | outcome | status | body | `ETag` | `Location` |
/// |---|---|---|---|---|
/// | `Created` | 201 | the resource | its version | the resource |
/// | `Found`, `Replaced`, `Patched` | 200 | the resource | its version | the resource |
/// | `NotModified` | 304 | none | its version | |
/// | `Changed` | 204 | none | its version | |
/// | `Deleted` | 204 | none | | |
pub struct ScimReply {
    pub outcome: Outcome,
    /// The SCIM base URL the client used, for `Location`.
    pub base_url: String,
}

impl ScimReply {
    /// The reply to a request with context `ctx`.
    pub fn new(outcome: Outcome, ctx: &RequestCtx) -> ScimReply {
        ScimReply {
            outcome,
            base_url: ctx.base_url.clone(),
        }
    }
}

/// The status of an outcome (see [`ScimReply`]).
pub fn status_of(outcome: &Outcome) -> StatusCode {
    match outcome {
        Outcome::Created(..) => StatusCode::CREATED,
        Outcome::Found(..) | Outcome::Replaced(..) | Outcome::Patched(..) => StatusCode::OK,
        Outcome::NotModified(_) => StatusCode::NOT_MODIFIED,
        Outcome::Changed(_) | Outcome::Deleted(..) => StatusCode::NO_CONTENT,
    }
}

impl IntoResponse for ScimReply {
    fn into_response(self) -> Response {
        let o = &self.outcome;
        let status = status_of(o);
        let mut resp = match o.body() {
            Some(b) => json_response(status, b),
            None => status.into_response(),
        };
        let headers = resp.headers_mut();
        if let Some(etag) = o
            .version()
            .and_then(|v| HeaderValue::from_str(&v.etag()).ok())
        {
            headers.insert(header::ETAG, etag);
        }
        if o.body().is_some() {
            let (kind, id) = o.kind_and_id();
            let url = location(&self.base_url, kind, id.as_str());
            if let Ok(loc) = HeaderValue::from_str(&url) {
                headers.insert(header::LOCATION, loc);
            }
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
        resp.extensions_mut()
            .insert(crate::observe::AnsweredError(e.clone()));
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
