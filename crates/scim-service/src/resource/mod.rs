//! SCIM resource use cases (RFC 7644 §3): one file per operation, each a
//! method of [`Scim`], sharing the helpers here; the policy parts
//! (`guard.rs`, `adopt.rs`, `breaker.rs`) and the read-modify-write loop
//! (`write.rs`) every change of a stored resource runs.

mod adopt;
pub mod breaker;
mod create;
mod delete;
mod get;
mod guard;
mod list;
mod patch;
mod replace;
mod write;

pub(crate) use write::Modify;

pub use list::ListSource;

use crate::outcome::ResourceRef;
use crate::render::projected;
use crate::scim::Scim;
use crate::tenant_schemas::TenantSchemas;
use scim_core::resource::undefined::{as_object, undefined, without_undefined, Undefined};
use scim_core::resource::{normalize, ResourceId};
use scim_core::tolerance::Tolerances;
use scim_core::{ScimError, ScimResult};
use scim_store::{NewMember, Record, ResourceKind, UndefinedPolicy};
use serde_json::{Map, Value};

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

impl Scim<'_> {
    /// A record as the client asked to see it: its identity and version,
    /// and its representation, projected.
    pub(crate) fn shown(&self, record: &Record) -> ScimResult<(ResourceRef, Value)> {
        let view = self.who.schemas().view(record.kind)?;
        let body = projected(record, &self.ctx.base_url, &self.ctx.projection, &view);
        Ok((
            ResourceRef {
                kind: record.kind,
                id: record.id.clone(),
                version: record.version,
            },
            body,
        ))
    }
}

/// Where a resource's document keeps the attributes a `keep` connection
/// sent that the tenant's schemas do not define (its raw attributes): shown
/// to the application (admin API, events, console), never to SCIM clients.
pub const RAW_ATTRIBUTES: &str = "urn:scimd:raw";

/// A validated body: the document, for groups the member ids it lists,
/// and what it carried that the schemas do not define.
pub(crate) struct Prepared {
    pub doc: Map<String, Value>,
    pub members: Vec<NewMember>,
    pub undefined: Vec<Undefined>,
}

/// A validated document (a free function, so that a compute thread can
/// run it), with undefined attributes as the connection's policy says:
/// refused, left out (as the profile says), or kept as raw attributes.
pub(crate) fn prepared(
    schemas: &TenantSchemas,
    kind: ResourceKind,
    body: &Value,
    tol: &Tolerances,
    policy: UndefinedPolicy,
) -> ScimResult<Prepared> {
    let view = schemas.view(kind)?;
    let undefined = undefined(body, &view);
    let keep = policy == UndefinedPolicy::Keep && !undefined.is_empty();
    if policy == UndefinedPolicy::Reject && !undefined.is_empty() {
        return Err(ScimError::InvalidSyntax(format!(
            "attributes the schemas do not define: {}",
            names(&undefined)
        )));
    }
    let mut doc = if keep {
        let mut lenient = *tol;
        lenient.ignore_unknown_attributes = true;
        normalize(&without_undefined(body, &undefined), &view, &lenient)?
    } else {
        normalize(body, &view, tol)?
    };
    // scimd keeps no passwords: applications sign users in through their IdP.
    doc.shift_remove("password");
    strip_provenance(&mut doc);
    doc.shift_remove(RAW_ATTRIBUTES);
    let members = match doc.shift_remove("members") {
        Some(Value::Array(items)) => new_members(&items)?,
        _ => Vec::new(),
    };
    if keep {
        doc.insert(RAW_ATTRIBUTES.into(), Value::Object(as_object(&undefined)));
    }
    Ok(Prepared {
        doc,
        members,
        undefined,
    })
}

/// The names of undefined attributes, for a message (at most 1000 bytes).
pub(crate) fn names(undefined: &[Undefined]) -> String {
    let mut out = String::new();
    for u in undefined {
        if out.len() + u.name.len() > 1000 {
            out.push_str(", …");
            break;
        }
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&u.name);
    }
    out
}

/// The audit detail of a write that met undefined attributes.
pub(crate) fn undefined_note(undefined: &[Undefined], policy: UndefinedPolicy) -> Option<String> {
    if undefined.is_empty() {
        return None;
    }
    let what = if policy == UndefinedPolicy::Keep {
        "kept as raw attributes"
    } else {
        "dropped"
    };
    Some(format!("undefined attributes {what}: {}", names(undefined)))
}

/// Removes the server-set provenance extension a client echoed back.
pub(crate) fn strip_provenance(doc: &mut Map<String, Value>) {
    let urn = crate::provenance::PROVENANCE_SCHEMA;
    doc.retain(|k, _| !k.eq_ignore_ascii_case(urn));
    if let Some(Value::Array(items)) = doc.get_mut("schemas") {
        items.retain(|i| !i.as_str().is_some_and(|s| s.eq_ignore_ascii_case(urn)));
    }
}

/// The members of member elements (`{"value": id, "display": ...}`): the
/// id, and the display the client gave, if any (RFC 7643 §2.4: immutable,
/// defined when the member is added; a member already in the group keeps
/// its own).
pub(crate) fn new_members(items: &[Value]) -> ScimResult<Vec<NewMember>> {
    items
        .iter()
        .map(|e| {
            let v = e.get("value").and_then(Value::as_str).ok_or_else(|| {
                ScimError::InvalidValue("each member needs a \"value\" with the member's id".into())
            })?;
            let id = ResourceId::parse(v)
                .ok_or_else(|| ScimError::InvalidValue(format!("member {v:?} does not exist")))?;
            let display = e
                .get("display")
                .and_then(Value::as_str)
                .filter(|d| !d.is_empty())
                .map(str::to_string);
            Ok(NewMember { id, display })
        })
        .collect()
}
