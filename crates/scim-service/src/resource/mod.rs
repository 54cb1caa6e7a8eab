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
mod members;
mod patch;
mod replace;
mod write;

pub(crate) use members::MemberProbe;
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
/// refused, left out (as the profile says), or kept as raw attributes;
/// `probe` applies the unknown-member rule ([`members`]).
pub(crate) fn prepared(
    schemas: &TenantSchemas,
    kind: ResourceKind,
    body: &Value,
    tol: &Tolerances,
    probe: &MemberProbe,
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
    drop_password(&mut doc, tol)?;
    strip_provenance(&mut doc);
    doc.shift_remove(RAW_ATTRIBUTES);
    let members = match doc.shift_remove("members") {
        Some(Value::Array(items)) => probe.members(&items)?,
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

/// The undefined-attribute policy a write applies: the connection's,
/// except that a profile that refuses undefined attributes (strict,
/// jumpcloud, interop) refuses them whatever the policy says, since its
/// clients are promised a 400 (`drop` leaves the decision to the profile).
pub(crate) fn effective(policy: UndefinedPolicy, tol: &Tolerances) -> UndefinedPolicy {
    if tol.ignore_unknown_attributes && tol.ignore_unknown_schemas {
        policy
    } else {
        UndefinedPolicy::Drop
    }
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

/// Notes in a write's audit entry the group members skipped
/// ([`MemberProbe::note`]) and the undefined attributes dropped or kept.
pub(crate) fn noted(
    journal: &mut scim_store::Journal,
    probe: &MemberProbe,
    undefined: &[Undefined],
    policy: UndefinedPolicy,
) {
    probe.note(journal);
    let (Some(note), Some(a)) = (undefined_note(undefined, policy), journal.audit.as_mut()) else {
        return;
    };
    a.detail = Some(match a.detail.take() {
        Some(d) => format!("{d}; {note}"),
        None => note,
    });
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
