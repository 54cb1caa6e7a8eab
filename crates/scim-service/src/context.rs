//! The request context: what one SCIM request brings besides its principal
//! and its body. Every SCIM operation takes it whole ([`crate::Scim`]), so
//! no operation passes the same arguments down through several levels.

use scim_core::project::Projection;
use scim_core::resource::{EtagCondition, Version};
use scim_core::{ScimError, ScimResult};

/// Conditions from `If-Match` / `If-None-Match` (RFC 7644 §3.14).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preconditions {
    pub if_match: Option<EtagCondition>,
    pub if_none_match: Option<EtagCondition>,
}

impl Preconditions {
    /// 412 unless `If-Match` accepts the current version.
    pub fn check_match(&self, current: Version) -> ScimResult<()> {
        match &self.if_match {
            Some(c) if !c.matches(current) => Err(ScimError::PreconditionFailed(format!(
                "the resource has changed: its version is {}",
                current.etag()
            ))),
            _ => Ok(()),
        }
    }
}

/// Per-request facts the service needs besides the principal and the body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestCtx {
    /// The SCIM base URL as the client reached it, e.g. `https://host/scim/v2`.
    pub base_url: String,
    /// The client's `User-Agent`, for IdP detection by the `auto` profile.
    pub user_agent: Option<String>,
    /// Whether the request carries Entra's `aadOptscim062020` flag.
    pub entra_flag: bool,
    /// The correlation id (`X-Request-Id`), recorded in the audit log.
    pub request_id: String,
    /// The HTTP method and path, for the audit log.
    pub method: String,
    pub path: String,
    /// `attributes` / `excludedAttributes` of the resource returned.
    pub projection: Projection,
    /// `If-Match` / `If-None-Match`.
    pub pre: Preconditions,
}

impl RequestCtx {
    /// A context with only a base URL (CLI, tests).
    pub fn new(base_url: &str) -> RequestCtx {
        RequestCtx {
            base_url: base_url.to_string(),
            ..RequestCtx::default()
        }
    }

    /// This context with a projection.
    pub fn with_projection(mut self, projection: Projection) -> RequestCtx {
        self.projection = projection;
        self
    }

    /// This context with preconditions.
    pub fn with_preconditions(mut self, pre: Preconditions) -> RequestCtx {
        self.pre = pre;
        self
    }
}
