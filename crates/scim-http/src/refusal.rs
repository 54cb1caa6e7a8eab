//! Auditing the SCIM requests refused before they reach the service: a
//! rate limit (429) and a body that is not JSON (400), too large (413) or
//! of another media type (415). Their extractors reject with a
//! [`Refusal`], which carries the error, the caller when known and the
//! request context to the response; [`record`], the one layer around the
//! SCIM routes, hands it to `Scim::audit_refused`, which
//! decides what is recorded (writes, not reads). The entry's correlation id
//! is the request's `X-Request-Id`, as in the response.
//!
//! A 401 has no caller, hence no tenant: it is logged, never audited.
//! Refusals by the service itself (and whole Bulk requests) are audited by
//! the service.

use crate::observe::RequestId;
use crate::response::ApiError;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use scim_core::ScimError;
use scim_service::{Principal, RequestCtx};

/// The authenticated caller of a request that may still be refused by a
/// later extractor (its body); set by the `Auth` extractor for requests
/// other than `GET` and `HEAD`.
#[derive(Clone)]
pub struct Caller(pub Principal);

/// A refusal the service has not seen, attached to its response.
#[derive(Clone)]
struct Unrecorded {
    error: ScimError,
    caller: Option<Principal>,
    ctx: RequestCtx,
}

/// The rejection of the SCIM extractors that may refuse a request before
/// the service is called.
pub struct Refusal {
    error: ScimError,
    caller: Option<Principal>,
    ctx: RequestCtx,
}

impl Refusal {
    /// A refusal of the request whose head is `parts`.
    pub fn new(
        error: ScimError,
        caller: Option<Principal>,
        parts: &Parts,
        state: &AppState,
    ) -> Refusal {
        Refusal {
            error,
            caller,
            ctx: request_ctx(parts, state),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut resp = ApiError(self.error.clone()).into_response();
        resp.extensions_mut().insert(Unrecorded {
            error: self.error,
            caller: self.caller,
            ctx: self.ctx,
        });
        resp
    }
}

/// The layer: records the refusal a response carries, if any.
pub async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    if let Some(u) = resp.extensions_mut().remove::<Unrecorded>() {
        match &u.caller {
            Some(who) => {
                state
                    .service
                    .scim(who, &u.ctx)
                    .audit_refused(&u.error)
                    .await
            }
            None => tracing::info!(
                request_id = %u.ctx.request_id,
                method = %u.ctx.method,
                status = u.error.status(),
                "request refused before its caller was known (not audited)"
            ),
        }
    }
    resp
}

/// Whether a request may carry a change (so a later refusal needs its caller).
pub(crate) fn may_change(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD)
}

/// The request context of a request head: base URL, client, correlation
/// id, method and path (relative to the SCIM base URL).
pub fn request_ctx(parts: &Parts, state: &AppState) -> RequestCtx {
    let base_url = match &state.public_url {
        Some(u) => format!("{}/scim/v2", u.trim_end_matches('/')),
        None => {
            let host = parts
                .headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("{}://{host}/scim/v2", state.scheme)
        }
    };
    let user_agent = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    let entra_flag = parts.uri.query().is_some_and(|q| {
        q.split('&').any(|kv| {
            kv.split('=')
                .next()
                .is_some_and(|k| k.eq_ignore_ascii_case("aadOptscim062020"))
        })
    });
    let request_id = parts
        .extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    RequestCtx {
        base_url,
        user_agent,
        entra_flag,
        request_id,
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        ..RequestCtx::default()
    }
}
