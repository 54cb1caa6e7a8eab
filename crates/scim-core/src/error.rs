//! The one SCIM error type and its status table.
//!
//! RFC 7644 §3.12 defines the error body (`status` as a string, an optional
//! `scimType` from Table 9, and a human-readable `detail`). RFC 9865 §2.1 adds
//! `invalidCursor`, `expiredCursor` and `invalidCount`.
//!
//! Invariant: every [`ScimError`] maps to exactly one HTTP status and at most
//! one `scimType`, in the single exhaustive `match` of [`ScimError::status`]
//! and [`ScimError::scim_type`]. Internal details never appear in `detail`:
//! [`ScimError::Internal`] carries a message for the log only.

use serde_json::{json, Value};
use std::fmt;

/// The schema URI of an error response (RFC 7644 §3.12).
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Every error scimd can answer with. The variant decides status and `scimType`;
/// the string is the `detail` shown to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScimError {
    /// 400 `invalidFilter`: the filter does not parse, or names an unsupported comparison.
    InvalidFilter(String),
    /// 400 `tooMany`: the filter would yield more than the server will process.
    TooMany(String),
    /// 409 `uniqueness`: a value is already in use.
    Uniqueness(String),
    /// 400 `mutability`: the change conflicts with an attribute's mutability.
    Mutability(String),
    /// 400 `invalidSyntax`: the body does not conform to the request schema.
    InvalidSyntax(String),
    /// 400 `invalidPath`: a PATCH path is malformed or names nothing known.
    InvalidPath(String),
    /// 400 `noTarget`: a PATCH path matched nothing to operate on.
    NoTarget(String),
    /// 400 `invalidValue`: a value is missing or incompatible with the attribute or schema.
    InvalidValue(String),
    /// 400 `invalidVers`: unsupported SCIM protocol version.
    InvalidVersion(String),
    /// 400 `sensitive`: sensitive information in a request URI.
    Sensitive(String),
    /// 400 `invalidCursor` (RFC 9865).
    InvalidCursor(String),
    /// 400 `expiredCursor` (RFC 9865).
    ExpiredCursor(String),
    /// 400 `invalidCount` (RFC 9865).
    InvalidCount(String),
    /// 400 without a `scimType`: a malformed request that fits no keyword.
    BadRequest(String),
    /// 401: missing, unknown, expired or revoked credentials.
    Unauthorized(String),
    /// 403: the principal may not do this.
    Forbidden(String),
    /// 404: no such resource or endpoint (also for other tenants' resources).
    NotFound(String),
    /// 405: the method is not allowed on this endpoint.
    MethodNotAllowed(String),
    /// 409 without a `scimType`: a version conflict.
    Conflict(String),
    /// 412: `If-Match` did not match the current version.
    PreconditionFailed(String),
    /// 413: the payload exceeds the advertised limits.
    PayloadTooLarge(String),
    /// 415: the request media type is not JSON.
    UnsupportedMediaType(String),
    /// 429: rate limited; retry after this many seconds.
    TooManyRequests(String, u64),
    /// 500: an internal failure. The message is for logs; the client sees a generic detail.
    Internal(String),
    /// 501: the operation is not implemented.
    NotImplemented(String),
    /// 503: temporarily unavailable (e.g. a paused deprovisioning); retry
    /// after this many seconds.
    ServiceUnavailable(String, u64),
}

impl ScimError {
    /// The HTTP status code of this error (RFC 7644 §3.12, Table 8).
    pub fn status(&self) -> u16 {
        self.table().0
    }

    /// The `scimType` keyword of this error (RFC 7644 §3.12, Table 9), if any.
    pub fn scim_type(&self) -> Option<&'static str> {
        self.table().1
    }

    /// The one table: status and `scimType` for every variant.
    fn table(&self) -> (u16, Option<&'static str>) {
        use ScimError::*;
        match self {
            InvalidFilter(_) => (400, Some("invalidFilter")),
            TooMany(_) => (400, Some("tooMany")),
            Uniqueness(_) => (409, Some("uniqueness")),
            Mutability(_) => (400, Some("mutability")),
            InvalidSyntax(_) => (400, Some("invalidSyntax")),
            InvalidPath(_) => (400, Some("invalidPath")),
            NoTarget(_) => (400, Some("noTarget")),
            InvalidValue(_) => (400, Some("invalidValue")),
            InvalidVersion(_) => (400, Some("invalidVers")),
            Sensitive(_) => (400, Some("sensitive")),
            InvalidCursor(_) => (400, Some("invalidCursor")),
            ExpiredCursor(_) => (400, Some("expiredCursor")),
            InvalidCount(_) => (400, Some("invalidCount")),
            BadRequest(_) => (400, None),
            Unauthorized(_) => (401, None),
            Forbidden(_) => (403, None),
            NotFound(_) => (404, None),
            MethodNotAllowed(_) => (405, None),
            Conflict(_) => (409, None),
            PreconditionFailed(_) => (412, None),
            PayloadTooLarge(_) => (413, None),
            UnsupportedMediaType(_) => (415, None),
            TooManyRequests(..) => (429, None),
            Internal(_) => (500, None),
            NotImplemented(_) => (501, None),
            ServiceUnavailable(..) => (503, None),
        }
    }

    /// The message carried by the variant (for `Internal`, the log-only message).
    fn message(&self) -> &str {
        use ScimError::*;
        match self {
            InvalidFilter(m)
            | TooMany(m)
            | Uniqueness(m)
            | Mutability(m)
            | InvalidSyntax(m)
            | InvalidPath(m)
            | NoTarget(m)
            | InvalidValue(m)
            | InvalidVersion(m)
            | Sensitive(m)
            | InvalidCursor(m)
            | ExpiredCursor(m)
            | InvalidCount(m)
            | BadRequest(m)
            | Unauthorized(m)
            | Forbidden(m)
            | NotFound(m)
            | MethodNotAllowed(m)
            | Conflict(m)
            | PreconditionFailed(m)
            | PayloadTooLarge(m)
            | UnsupportedMediaType(m)
            | TooManyRequests(m, _)
            | Internal(m)
            | NotImplemented(m)
            | ServiceUnavailable(m, _) => m,
        }
    }

    /// The `detail` a client sees. Internal errors never reveal their message.
    pub fn detail(&self) -> &str {
        match self {
            ScimError::Internal(_) => "internal server error",
            other => other.message(),
        }
    }

    /// Seconds a client should wait before retrying (`Retry-After`), if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ScimError::TooManyRequests(_, r) | ScimError::ServiceUnavailable(_, r) => Some(*r),
            _ => None,
        }
    }

    /// The log-only message of an internal error, if this is one.
    pub fn internal_message(&self) -> Option<&str> {
        match self {
            ScimError::Internal(m) => Some(m),
            _ => None,
        }
    }

    /// The SCIM Error response body (RFC 7644 §3.12).
    pub fn to_body(&self) -> Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status().to_string(),
        });
        if let (Some(t), Value::Object(map)) = (self.scim_type(), &mut body) {
            map.insert("scimType".into(), Value::String(t.into()));
        }
        if let Value::Object(map) = &mut body {
            map.insert("detail".into(), Value::String(self.detail().into()));
        }
        body
    }

    /// Prefixes the detail with context, keeping the variant (and so the status).
    pub fn context(self, prefix: &str) -> ScimError {
        use ScimError::*;
        let f = |m: String| format!("{prefix}: {m}");
        match self {
            InvalidFilter(m) => InvalidFilter(f(m)),
            TooMany(m) => TooMany(f(m)),
            Uniqueness(m) => Uniqueness(f(m)),
            Mutability(m) => Mutability(f(m)),
            InvalidSyntax(m) => InvalidSyntax(f(m)),
            InvalidPath(m) => InvalidPath(f(m)),
            NoTarget(m) => NoTarget(f(m)),
            InvalidValue(m) => InvalidValue(f(m)),
            InvalidVersion(m) => InvalidVersion(f(m)),
            Sensitive(m) => Sensitive(f(m)),
            InvalidCursor(m) => InvalidCursor(f(m)),
            ExpiredCursor(m) => ExpiredCursor(f(m)),
            InvalidCount(m) => InvalidCount(f(m)),
            BadRequest(m) => BadRequest(f(m)),
            Unauthorized(m) => Unauthorized(f(m)),
            Forbidden(m) => Forbidden(f(m)),
            NotFound(m) => NotFound(f(m)),
            MethodNotAllowed(m) => MethodNotAllowed(f(m)),
            Conflict(m) => Conflict(f(m)),
            PreconditionFailed(m) => PreconditionFailed(f(m)),
            PayloadTooLarge(m) => PayloadTooLarge(f(m)),
            UnsupportedMediaType(m) => UnsupportedMediaType(f(m)),
            TooManyRequests(m, r) => TooManyRequests(f(m), r),
            Internal(m) => Internal(f(m)),
            NotImplemented(m) => NotImplemented(f(m)),
            ServiceUnavailable(m, r) => ServiceUnavailable(f(m), r),
        }
    }
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scim_type() {
            Some(t) => write!(f, "{} {}: {}", self.status(), t, self.message()),
            None => write!(f, "{}: {}", self.status(), self.message()),
        }
    }
}

impl std::error::Error for ScimError {}

/// Shorthand for results in the SCIM core.
pub type ScimResult<T> = Result<T, ScimError>;

#[cfg(test)]
mod tests {
    use super::*;

    fn check(err: ScimError, status: u16, scim_type: Option<&str>) {
        assert_eq!(err.status(), status, "{err:?}");
        assert_eq!(err.scim_type(), scim_type, "{err:?}");
        let body = err.to_body();
        assert_eq!(body["status"], Value::String(status.to_string()));
        assert_eq!(body["schemas"][0], ERROR_SCHEMA);
        match scim_type {
            Some(t) => assert_eq!(body["scimType"], t),
            None => assert!(body.get("scimType").is_none()),
        }
    }

    #[test]
    fn table() {
        let m = || "x".to_string();
        check(ScimError::InvalidFilter(m()), 400, Some("invalidFilter"));
        check(ScimError::TooMany(m()), 400, Some("tooMany"));
        check(ScimError::Uniqueness(m()), 409, Some("uniqueness"));
        check(ScimError::Mutability(m()), 400, Some("mutability"));
        check(ScimError::InvalidSyntax(m()), 400, Some("invalidSyntax"));
        check(ScimError::InvalidPath(m()), 400, Some("invalidPath"));
        check(ScimError::NoTarget(m()), 400, Some("noTarget"));
        check(ScimError::InvalidValue(m()), 400, Some("invalidValue"));
        check(ScimError::InvalidVersion(m()), 400, Some("invalidVers"));
        check(ScimError::Sensitive(m()), 400, Some("sensitive"));
        check(ScimError::InvalidCursor(m()), 400, Some("invalidCursor"));
        check(ScimError::ExpiredCursor(m()), 400, Some("expiredCursor"));
        check(ScimError::InvalidCount(m()), 400, Some("invalidCount"));
        check(ScimError::BadRequest(m()), 400, None);
        check(ScimError::Unauthorized(m()), 401, None);
        check(ScimError::Forbidden(m()), 403, None);
        check(ScimError::NotFound(m()), 404, None);
        check(ScimError::MethodNotAllowed(m()), 405, None);
        check(ScimError::Conflict(m()), 409, None);
        check(ScimError::PreconditionFailed(m()), 412, None);
        check(ScimError::PayloadTooLarge(m()), 413, None);
        check(ScimError::UnsupportedMediaType(m()), 415, None);
        check(ScimError::TooManyRequests(m(), 1), 429, None);
        check(ScimError::Internal(m()), 500, None);
        check(ScimError::NotImplemented(m()), 501, None);
        check(ScimError::ServiceUnavailable(m(), 1), 503, None);
    }

    #[test]
    fn internal_detail_is_hidden() {
        let e = ScimError::Internal("db password wrong at /etc/x".into());
        assert_eq!(e.detail(), "internal server error");
        assert_eq!(e.to_body()["detail"], "internal server error");
        assert_eq!(e.internal_message(), Some("db password wrong at /etc/x"));
    }

    #[test]
    fn context_keeps_status() {
        let e = ScimError::NoTarget("no match".into()).context("operation 2");
        assert_eq!(e.status(), 400);
        assert_eq!(e.detail(), "operation 2: no match");
    }
}
