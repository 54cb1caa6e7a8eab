//! Records as SCIM representations (RFC 7643 §3): `schemas`, `id`, the
//! attributes, group `members` and user `groups` with `$ref`, `display` and
//! `type` filled in by the server, `meta` with `location` and `version`, and
//! for users, when asked for, the provenance extension
//! ([`crate::provenance`]). A member's `display` is the one the client gave
//! when it added the member (RFC 7643 §2.4: immutable), else the member's
//! current name (`displayName`, else `userName`).

use crate::provenance::{extension, PROVENANCE_SCHEMA};
use scim_core::project::Projection;
use scim_core::schema::ResourceSchema;
use scim_store::{Record, ResourceKind};
use serde_json::{json, Map, Value};

/// `base/Users/id` or `base/Groups/id`.
pub fn location(base: &str, kind: ResourceKind, id: &str) -> String {
    format!("{}{}/{}", base.trim_end_matches('/'), kind.endpoint(), id)
}

/// Whether a projection asks for the provenance extension by name
/// (`attributes=urn:scimd:…:User` or one of its attributes).
pub fn wants_provenance(projection: &Projection) -> bool {
    projection.attributes.iter().any(|p| {
        p.as_schema_urn()
            .is_some_and(|u| u.eq_ignore_ascii_case(PROVENANCE_SCHEMA))
            || p.urn
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(PROVENANCE_SCHEMA))
    })
}

/// Adds a user's provenance extension (and its URN in `schemas`).
pub fn with_provenance(mut resource: Value, r: &Record) -> Value {
    if r.kind != ResourceKind::User {
        return resource;
    }
    if let Some(obj) = resource.as_object_mut() {
        if let Some(Value::Array(items)) = obj.get_mut("schemas") {
            items.push(Value::String(PROVENANCE_SCHEMA.into()));
        }
        obj.insert(PROVENANCE_SCHEMA.into(), extension(&r.provenance));
    }
    resource
}

/// A record as a client asked for it: projected, with the provenance
/// extension only when requested by name.
pub fn projected(
    r: &Record,
    base: &str,
    projection: &Projection,
    view: &ResourceSchema<'_>,
) -> Value {
    let mut full = resource_json(r, base);
    if let Some(m) = full.as_object_mut() {
        // Raw attributes are the application's, never the SCIM client's.
        m.shift_remove(crate::resource::RAW_ATTRIBUTES);
    }
    let out = projection.apply(&full, view);
    if wants_provenance(projection) {
        with_provenance(out, r)
    } else {
        out
    }
}

/// The full representation of a record (before projection), without the
/// provenance extension.
pub fn resource_json(r: &Record, base: &str) -> Value {
    let mut out = Map::with_capacity(r.doc.len() + 4);
    if let Some(s) = r.doc.get("schemas") {
        out.insert("schemas".into(), s.clone());
    }
    out.insert("id".into(), Value::String(r.id.to_string()));
    for (k, v) in &r.doc {
        if k != "schemas" {
            out.insert(k.clone(), v.clone());
        }
    }
    if let Some(members) = &r.members {
        if !members.is_empty() {
            let items = members
                .iter()
                .map(|m| {
                    let mut e = Map::new();
                    e.insert("value".into(), json!(m.id.as_str()));
                    e.insert("$ref".into(), json!(location(base, m.kind, m.id.as_str())));
                    // RFC 7643 §2.4/§8.4; /Schemas publishes members.display
                    // as an amendment to §8.7.1 (scim_core::schema::builtin).
                    if let Some(d) = &m.display {
                        e.insert("display".into(), json!(d));
                    }
                    e.insert("type".into(), json!(m.kind.name()));
                    Value::Object(e)
                })
                .collect();
            out.insert("members".into(), Value::Array(items));
        }
    }
    if let Some(groups) = &r.groups {
        if !groups.is_empty() {
            let items = groups
                .iter()
                .map(|g| {
                    let mut e = Map::new();
                    e.insert("value".into(), json!(g.id.as_str()));
                    e.insert(
                        "$ref".into(),
                        json!(location(base, ResourceKind::Group, g.id.as_str())),
                    );
                    if let Some(d) = &g.display {
                        e.insert("display".into(), json!(d));
                    }
                    e.insert(
                        "type".into(),
                        json!(if g.direct { "direct" } else { "indirect" }),
                    );
                    Value::Object(e)
                })
                .collect();
            out.insert("groups".into(), Value::Array(items));
        }
    }
    out.insert(
        "meta".into(),
        json!({
            "resourceType": r.kind.name(),
            "created": r.created.to_string(),
            "lastModified": r.last_modified.to_string(),
            "location": location(base, r.kind, r.id.as_str()),
            "version": r.version.etag(),
        }),
    );
    Value::Object(out)
}
