//! Records as SCIM representations (RFC 7643 §3): `schemas`, `id`, the
//! attributes, group `members` and user `groups` with `$ref`, `display` and
//! `type` filled in by the server, `meta` with `location` and `version`, and
//! for users the read-only provenance extension ([`crate::provenance`]).

use crate::provenance::{extension, PROVENANCE_SCHEMA};
use scim_store::{Record, ResourceKind};
use serde_json::{json, Map, Value};

/// `base/Users/id` or `base/Groups/id`.
pub fn location(base: &str, kind: ResourceKind, id: &str) -> String {
    format!("{}{}/{}", base.trim_end_matches('/'), kind.endpoint(), id)
}

/// The full representation of a record (before projection).
pub fn resource_json(r: &Record, base: &str) -> Value {
    let mut out = Map::with_capacity(r.doc.len() + 5);
    if let Some(s) = r.doc.get("schemas") {
        let mut s = s.clone();
        if r.kind == ResourceKind::User {
            if let Value::Array(items) = &mut s {
                if !items.iter().any(|i| i.as_str() == Some(PROVENANCE_SCHEMA)) {
                    items.push(Value::String(PROVENANCE_SCHEMA.into()));
                }
            }
        }
        out.insert("schemas".into(), s);
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
                    // RFC 7643 §8.7.1 publishes no members.display, so none is sent.
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
    if r.kind == ResourceKind::User {
        out.insert(PROVENANCE_SCHEMA.into(), extension(&r.provenance));
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
