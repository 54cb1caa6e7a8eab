//! HTTP Strict Transport Security (RFC 6797): every response carries
//! `Strict-Transport-Security` when clients reach scimd over HTTPS, that
//! is when scimd terminates TLS or its public URL is `https` (TLS ends at
//! a proxy in front). Browsers then refuse plain HTTP to the console for a
//! year, so a network attacker cannot strip TLS from a later visit.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The header's value: one year, this host only (sibling hosts of the
/// domain may still serve plain HTTP).
pub const HSTS: &str = "max-age=31536000";

/// Whether clients reach this server over HTTPS.
pub fn over_https(state: &AppState) -> bool {
    state.scheme == "https"
        || state
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
}

/// The middleware.
pub async fn hsts(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    if over_https(&state) {
        resp.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    resp
}
