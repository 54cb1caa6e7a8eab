//! Around every request: a request id (`X-Request-Id`, taken from the
//! client when well-formed, else generated) that is logged and returned,
//! an access log line, metrics, and the request timeout (503 when exceeded).
//!
//! Every SCIM request is also reported to the provisioning log
//! (`Service::log_request`, which queues it and never waits) with its
//! status, duration and error; the caller is learnt from the `Auth`
//! extractor through the [`LogCaller`] in the request's extensions.
//!
//! Invariant: nothing here logs headers or query strings, so tokens and
//! filter values (personal data) never reach the logs; the provisioning
//! log gets them only through the service, which redacts them.

use crate::response::ApiError;
use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scim_core::ScimError;
use scim_service::provlog::{LogCaller, RequestReport};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
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

/// The error a response carries, for the provisioning log (set by
/// `ApiError`'s response).
#[derive(Debug, Clone)]
pub struct AnsweredError(pub ScimError);

/// What the provisioning log needs of a SCIM request's head.
struct Head {
    caller: Arc<LogCaller>,
    client: Option<std::net::IpAddr>,
    authorization: Option<String>,
    path: String,
    query: Option<String>,
}

/// The head of a request to the SCIM API, with its caller slot inserted.
fn scim_head(req: Request, state: &AppState) -> (Request, Option<Head>) {
    let Some(rest) = req.uri().path().strip_prefix(crate::SCIM_BASE) else {
        return (req, None);
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return (req, None);
    }
    let path = rest.to_string();
    let (mut parts, body) = req.into_parts();
    let caller = Arc::new(LogCaller::default());
    parts.extensions.insert(caller.clone());
    let head = Head {
        caller,
        client: crate::client::client_addr(&parts, &state.proxies),
        authorization: parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(64).collect()),
        path,
        query: parts.uri.query().map(str::to_string),
    };
    (Request::from_parts(parts, body), Some(head))
}

/// The middleware.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = client_request_id(&req).unwrap_or_else(new_request_id);
    let (mut req, head) = scim_head(req, &state);
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
    let elapsed = started.elapsed();
    let secs = elapsed.as_secs_f64();
    let status = resp.status().as_u16();
    if let Some(h) = &head {
        let error = resp.extensions_mut().remove::<AnsweredError>();
        state.service.log_request(RequestReport {
            caller: Some(&h.caller),
            client: h.client,
            authorization: h.authorization.as_deref(),
            method: &method,
            path: &h.path,
            query: h.query.as_deref(),
            status,
            elapsed,
            error: error.as_ref().map(|e| &e.0),
            request_id: &id,
        });
    }
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
