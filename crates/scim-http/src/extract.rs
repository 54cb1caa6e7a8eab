//! Request extractors: the authenticated principal, the JSON body (with the
//! media-type check), query pairs, the request context (with, for one
//! resource, its projection and preconditions). Each failure is a SCIM
//! error.

use crate::refusal::{may_change, request_ctx, Caller, Refusal};
use crate::response::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use scim_core::resource::EtagCondition;
use scim_core::ScimError;
use scim_service::{Preconditions, Principal, RequestCtx};
use serde_json::Value;

/// The caller, authenticated by bearer token (RFC 6750), from the
/// client's address ([`crate::client`]). A refusal (401, 429) goes to the
/// audit layer ([`crate::refusal`]); for requests that
/// may change something, the caller is kept for the body extractors.
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Auth, Refusal> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or(""));
        let client = crate::client::client_addr(parts, &state.proxies);
        let log = parts
            .extensions
            .get::<std::sync::Arc<scim_service::provlog::LogCaller>>()
            .cloned();
        let result = state.service.authenticate_caller(header, client).await;
        if let Some(log) = log {
            match &result {
                Ok(who) => log.set(who),
                Err(r) => log.refused(r),
            }
        }
        match result {
            Ok(who) => {
                if may_change(&parts.method) {
                    parts.extensions.insert(Caller(who.clone()));
                }
                Ok(Auth(who))
            }
            Err(r) => Err(Refusal::new(r.error, r.caller, parts, state)),
        }
    }
}

/// A JSON request body sent as `application/scim+json` or `application/json`
/// (any parameters, e.g. a charset); anything else is 415. At most
/// `HttpLimits::max_body` bytes (413 beyond), and no string in it longer
/// than `ServiceConfig::max_value_bytes` (400 `invalidValue`).
pub struct ScimJson {
    pub value: Value,
    pub size: usize,
}

/// The body of `POST /Bulk`: like [`ScimJson`], limited by the advertised
/// `maxPayloadSize` instead.
pub struct BulkJson(pub ScimJson);

fn media_type_ok(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        // Some clients omit it; the body must still be JSON.
        return true;
    };
    let essence = ct
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/scim+json" || essence == "application/json"
}

/// How much of an oversize body is read (and dropped) so that the client
/// finishes sending and reads the 413, instead of seeing a reset connection.
const DRAIN_FACTOR: usize = 8;

/// Reads the whole body, up to `limit` bytes.
pub async fn read_body(body: axum::body::Body, limit: usize) -> Result<Bytes, ApiError> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut buf: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            ApiError(ScimError::BadRequest(format!(
                "cannot read the request body: {e}"
            )))
        })?;
        if let Ok(data) = frame.into_data() {
            seen = seen.saturating_add(data.len());
            if seen <= limit {
                buf.extend_from_slice(&data);
            } else if seen > limit.saturating_mul(DRAIN_FACTOR) {
                break;
            }
        }
    }
    if seen > limit {
        return Err(ApiError(ScimError::PayloadTooLarge(format!(
            "the request body exceeds {limit} bytes"
        ))));
    }
    Ok(Bytes::from(buf))
}

async fn read_json(
    headers: &HeaderMap,
    body: axum::body::Body,
    limit: usize,
    state: &AppState,
) -> Result<ScimJson, ScimError> {
    if !media_type_ok(headers) {
        return Err(ScimError::UnsupportedMediaType(
            "send the body as application/scim+json or application/json".into(),
        ));
    }
    let bytes = read_body(body, limit).await.map_err(|e| e.0)?;
    let max_value = state.service.config().max_value_bytes;
    // A large body is parsed on a compute thread, never on an async worker.
    let heavy = bytes.len() > scim_service::compute::HEAVY_BYTES;
    state
        .service
        .offload(heavy, move || {
            let value = serde_json::from_slice::<Value>(&bytes).map_err(|e| {
                ScimError::InvalidSyntax(format!("the body is not valid JSON: {e}"))
            })?;
            check_values(
                ScimJson {
                    value,
                    size: bytes.len(),
                },
                max_value,
            )
        })
        .await?
}

/// Refuses a body holding a string longer than one attribute value may be
/// (`ServiceConfig::max_value_bytes`): 400 `invalidValue` naming where.
fn check_values(json: ScimJson, max: usize) -> Result<ScimJson, ScimError> {
    match scim_core::json::oversize(&json.value, max) {
        None => Ok(json),
        Some((at, n)) => Err(ScimError::InvalidValue(format!(
            "the value at {at} is {n} bytes; one attribute value may have at most {max}"
        ))),
    }
}

/// Reads a JSON body; a refusal names the caller `Auth` kept, if any.
async fn refusable_json(req: Request, state: &AppState, limit: usize) -> Result<ScimJson, Refusal> {
    let (parts, body) = req.into_parts();
    read_json(&parts.headers, body, limit, state)
        .await
        .map_err(|e| {
            let caller = parts.extensions.get::<Caller>().map(|c| c.0.clone());
            Refusal::new(e, caller, &parts, state)
        })
}

impl FromRequest<AppState> for ScimJson {
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &AppState) -> Result<ScimJson, Refusal> {
        refusable_json(req, state, state.limits.max_body).await
    }
}

impl FromRequest<AppState> for BulkJson {
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &AppState) -> Result<BulkJson, Refusal> {
        // One byte more than allowed reaches the service, which answers with the advertised limit.
        let limit = state
            .service
            .config()
            .bulk
            .max_payload_size
            .saturating_add(1);
        refusable_json(req, state, limit).await.map(BulkJson)
    }
}

/// The decoded URL query parameters.
pub struct QueryPairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<QueryPairs, ApiError> {
        let q = parts.uri.query().unwrap_or("");
        Ok(QueryPairs(
            form_urlencoded::parse(q.as_bytes()).into_owned().collect(),
        ))
    }
}

impl QueryPairs {
    /// The last value of a parameter, its name compared without regard to case.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `attributes` / `excludedAttributes` as a projection.
    pub fn projection(&self) -> Result<scim_core::project::Projection, ApiError> {
        Ok(scim_core::project::Projection::parse(
            self.get("attributes"),
            self.get("excludedAttributes"),
        )?)
    }
}

/// The SCIM base URL the client used, for `Location` and `meta.location`.
pub struct Ctx(pub RequestCtx);

impl FromRequestParts<AppState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ctx, ApiError> {
        Ok(Ctx(request_ctx(parts, state)))
    }
}

/// `If-Match` / `If-None-Match` (RFC 7644 §3.14).
fn preconditions(parts: &Parts) -> Preconditions {
    let get = |h| {
        parts
            .headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(EtagCondition::parse)
    };
    Preconditions {
        if_match: get(header::IF_MATCH),
        if_none_match: get(header::IF_NONE_MATCH),
    }
}

/// The request context of an operation on one resource: [`Ctx`] with the
/// projection (`attributes` / `excludedAttributes`, 400 when malformed)
/// and the preconditions (`If-Match` / `If-None-Match`).
pub struct ResourceCtx(pub RequestCtx);

impl FromRequestParts<AppState> for ResourceCtx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ResourceCtx, ApiError> {
        let q = QueryPairs::from_request_parts(parts, state).await?;
        Ok(ResourceCtx(
            request_ctx(parts, state)
                .with_projection(q.projection()?)
                .with_preconditions(preconditions(parts)),
        ))
    }
}
