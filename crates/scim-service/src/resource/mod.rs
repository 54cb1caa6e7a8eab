//! SCIM resource use cases (RFC 7644 §3): one file per operation, sharing
//! the request preparation and reply building here.

mod adopt;
pub mod breaker;
mod create;
mod delete;
mod get;
mod guard;
mod list;
mod members;
mod patch;
mod replace;
mod write;

pub(crate) use members::MemberProbe;
pub(crate) use write::Modify;

pub use list::ListSource;

use crate::render::{location, projected};
use crate::{internal, ScimService};
use scim_core::project::Projection;
use scim_core::resource::{normalize, EtagCondition, ResourceId, Version};
use scim_core::schema::ResourceSchema;
use scim_core::tolerance::Tolerances;
use scim_core::{ScimError, ScimResult};
use scim_store::{Load, NewMember, Record, ResourceKind};
use serde_json::{Map, Value};

/// Per-request facts the service needs besides the principal.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

impl RequestCtx {
    /// A context with only a base URL (CLI, tests).
    pub fn new(base_url: &str) -> RequestCtx {
        RequestCtx {
            base_url: base_url.to_string(),
            user_agent: None,
            entra_flag: false,
            request_id: String::new(),
            method: String::new(),
            path: String::new(),
        }
    }
}

/// What a handler turns into an HTTP response.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Value>,
    pub etag: Option<String>,
    pub location: Option<String>,
}

impl Reply {
    fn no_content() -> Reply {
        Reply {
            status: 204,
            body: None,
            etag: None,
            location: None,
        }
    }
}

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

/// The resource kind of an endpoint name, compared without regard to case.
pub fn kind_of(resource_type: &str) -> Option<ResourceKind> {
    [ResourceKind::User, ResourceKind::Group]
        .into_iter()
        .find(|k| k.name().eq_ignore_ascii_case(resource_type))
}

/// A parsed id; an id the server could not have issued is simply not found.
pub(crate) fn parse_id(kind: ResourceKind, id: &str) -> ScimResult<ResourceId> {
    ResourceId::parse(id).ok_or_else(|| not_found(kind, id))
}

pub(crate) fn not_found(kind: ResourceKind, id: &str) -> ScimError {
    ScimError::NotFound(format!("{} {id:?} not found", kind.name()))
}

impl ScimService {
    pub(crate) fn view(&self, kind: ResourceKind) -> ScimResult<ResourceSchema<'_>> {
        self.registry
            .view(kind.name())
            .ok_or_else(|| internal("resource type missing from the registry"))
    }

    /// What to load for a projection: members only when they will be shown.
    pub(crate) fn load_for(&self, kind: ResourceKind, projection: &Projection) -> ScimResult<Load> {
        let view = self.view(kind)?;
        Ok(match kind {
            ResourceKind::Group => Load {
                members: projection.wants(&view, "members"),
                groups: false,
            },
            ResourceKind::User => Load {
                members: false,
                groups: projection.wants(&view, "groups"),
            },
        })
    }

    /// A validated document and, for groups, the member ids it lists.
    pub(crate) fn prepare(
        &self,
        kind: ResourceKind,
        body: &Value,
        tol: &Tolerances,
        probe: &MemberProbe,
    ) -> ScimResult<(Map<String, Value>, Vec<NewMember>)> {
        prepared(&self.registry, kind, body, tol, probe)
    }

    /// The reply carrying a record, projected.
    pub(crate) fn reply(
        &self,
        record: &Record,
        ctx: &RequestCtx,
        projection: &Projection,
        status: u16,
    ) -> ScimResult<Reply> {
        let view = self.view(record.kind)?;
        Ok(Reply {
            status,
            body: Some(projected(record, &ctx.base_url, projection, &view)),
            etag: Some(record.version.etag()),
            location: Some(location(&ctx.base_url, record.kind, record.id.as_str())),
        })
    }
}

/// A validated document and, for groups, the member ids it lists (see
/// [`ScimService::prepare`]; a free function, so that a compute thread can
/// run it).
pub(crate) fn prepared(
    registry: &scim_core::schema::SchemaRegistry,
    kind: ResourceKind,
    body: &Value,
    tol: &Tolerances,
    probe: &MemberProbe,
) -> ScimResult<(Map<String, Value>, Vec<NewMember>)> {
    let view = registry
        .view(kind.name())
        .ok_or_else(|| internal("resource type missing from the registry"))?;
    let mut doc = normalize(body, &view, tol)?;
    // scimd keeps no passwords: applications sign users in through their IdP.
    drop_password(&mut doc, tol)?;
    strip_provenance(&mut doc);
    let members = match doc.shift_remove("members") {
        Some(Value::Array(items)) => probe.members(&items)?,
        _ => Vec::new(),
    };
    Ok((doc, members))
}

/// Drops a password (scimd keeps none and does not publish the attribute),
/// or refuses it when the tolerances do not discard it (the interop
/// profile: an attribute `/Schemas` does not define).
pub(crate) fn drop_password(doc: &mut Map<String, Value>, tol: &Tolerances) -> ScimResult<()> {
    if doc.shift_remove("password").is_some() && !tol.discard_password {
        return Err(ScimError::InvalidSyntax(
            "attribute \"password\" is not defined: scimd stores no passwords (the users sign in through their identity provider)".into(),
        ));
    }
    Ok(())
}

/// Removes the server-set provenance extension a client echoed back.
pub(crate) fn strip_provenance(doc: &mut Map<String, Value>) {
    let urn = crate::provenance::PROVENANCE_SCHEMA;
    doc.retain(|k, _| !k.eq_ignore_ascii_case(urn));
    if let Some(Value::Array(items)) = doc.get_mut("schemas") {
        items.retain(|i| !i.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)));
    }
}
