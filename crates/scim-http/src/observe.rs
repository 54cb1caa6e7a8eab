//! Around every request: a request id (`X-Request-Id`, taken from the
//! client when well-formed, else generated) that is logged and returned,
//! an access log line, metrics, and the request timeout (503 when exceeded).
//!
//! Invariant: nothing here logs headers or query strings, so tokens and
//! filter values (personal data) never reach the logs.

use crate::response::ApiError;
use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scim_core::ScimError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

/// The request id header.
pub const REQUEST_ID: &str = "x-request-id";

fn process_prefix() -> &'static str {
    static PREFIX: OnceLock<String> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let mut b = [0u8; 4];
        let _ = getrandom_fill(&mut b);
        b.iter().map(|x| format!("{x:02x}")).collect()
    })
}

fn getrandom_fill(b: &mut [u8]) -> Result<(), ()> {
    scim_service::ids::random_bytes(b).map_err(|_| ())
}

fn new_request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!(
        "{}-{:x}",
        process_prefix(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

fn client_request_id(req: &Request) -> Option<String> {
    let v = req.headers().get(REQUEST_ID)?.to_str().ok()?;
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then(|| v.to_string())
}

/// The request's correlation id, for handlers (and the audit log).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The middleware.
pub async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = client_request_id(&req).unwrap_or_else(new_request_id);
    req.extensions_mut().insert(RequestId(id.clone()));
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |m| m.as_str().to_string());
    let method = req.method().as_str().to_string();
    state.metrics.start();
    // The store stops its queries at the same deadline (scim_store::deadline).
    let deadline = started + state.limits.request_timeout;
    let work = scim_store::deadline::within(deadline, next.run(req));
    let mut resp = match tokio::time::timeout(state.limits.request_timeout, work).await {
        Ok(r) => r,
        Err(_) => ApiError(ScimError::ServiceUnavailable(
            "the request took too long and was abandoned".into(),
            1,
        ))
        .into_response(),
    };
    let secs = started.elapsed().as_secs_f64();
    let status = resp.status().as_u16();
    state.metrics.finish(&route, &method, status, secs);
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID, v);
    }
    if status >= 500 {
        tracing::warn!(request_id = %id, %method, %route, status, ms = secs * 1000.0, "request");
    } else {
        tracing::info!(request_id = %id, %method, %route, status, ms = secs * 1000.0, "request");
    }
    resp
}
