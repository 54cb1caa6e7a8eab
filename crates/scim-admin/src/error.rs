//! Errors of the admin API (JSON `{"status", "detail"}`) and of console
//! pages (an HTML page; a missing session redirects to the sign-in page).
//! Statuses come from the one SCIM error table; internal details are
//! logged, never sent.

use crate::html;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use scim_core::ScimError;
use serde_json::json;

fn status_of(e: &ScimError) -> StatusCode {
    StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The detail a client may see.
pub fn detail_of(e: &ScimError) -> String {
    if let Some(msg) = e.internal_message() {
        tracing::error!(error = msg, "internal error");
    }
    e.to_body()["detail"]
        .as_str()
        .unwrap_or("error")
        .to_string()
}

fn with_retry_after(mut resp: Response, e: &ScimError) -> Response {
    if let Some(secs) = e.retry_after() {
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

/// An admin API error.
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
        let status = status_of(&e);
        let body = json!({"status": status.as_u16(), "detail": detail_of(&e)});
        with_retry_after(crate::api::json_reply(status, &body), &e)
    }
}

/// A console page error.
#[derive(Debug)]
pub struct PageError(pub ScimError);

impl From<ScimError> for PageError {
    fn from(e: ScimError) -> PageError {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let e = self.0;
        if e.status() == 401 {
            return Redirect::to("/admin/login").into_response();
        }
        let status = status_of(&e);
        let body = html::error_page(status.as_u16(), &detail_of(&e));
        with_retry_after(html::respond(status, body), &e)
    }
}
