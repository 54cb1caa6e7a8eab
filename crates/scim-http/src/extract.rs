//! Request extractors: the authenticated principal, the JSON body (with the
//! media-type check), query pairs, request context and preconditions.
//! Each failure is a SCIM error.

use crate::response::ApiError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use scim_core::resource::EtagCondition;
use scim_core::ScimError;
use scim_service::resource::Preconditions;
use scim_service::{Principal, RequestCtx};
use serde_json::Value;

/// The caller, authenticated by bearer token (RFC 6750).
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Auth, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or(""));
        Ok(Auth(state.service.authenticate(header).await?))
    }
}

/// A JSON request body sent as `application/scim+json` or `application/json`
/// (any parameters, e.g. a charset); anything else is 415.
pub struct ScimJson {
    pub value: Value,
    pub size: usize,
}

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

impl FromRequest<AppState> for ScimJson {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<ScimJson, ApiError> {
        if !media_type_ok(req.headers()) {
            return Err(ApiError(ScimError::UnsupportedMediaType(
                "send the body as application/scim+json or application/json".into(),
            )));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError(ScimError::PayloadTooLarge(
                    "the request body is too large".into(),
                ))
            } else {
                ApiError(ScimError::BadRequest(format!(
                    "cannot read the request body: {e}"
                )))
            }
        })?;
        let value = serde_json::from_slice::<Value>(&bytes).map_err(|e| {
            ApiError(ScimError::InvalidSyntax(format!(
                "the body is not valid JSON: {e}"
            )))
        })?;
        Ok(ScimJson {
            value,
            size: bytes.len(),
        })
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
        Ok(Ctx(RequestCtx { base_url }))
    }
}

/// `If-Match` / `If-None-Match` (RFC 7644 §3.14).
pub struct Conditions(pub Preconditions);

impl<S: Send + Sync> FromRequestParts<S> for Conditions {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Conditions, ApiError> {
        let get = |h| {
            parts
                .headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(EtagCondition::parse)
        };
        Ok(Conditions(Preconditions {
            if_match: get(header::IF_MATCH),
            if_none_match: get(header::IF_NONE_MATCH),
        }))
    }
}
