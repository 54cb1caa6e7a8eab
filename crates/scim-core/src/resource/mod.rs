//! The resource model: JSON-backed resources with `id` and `meta`
//! (RFC 7643 §3.1), request validation ([`normalize`]), full replacement
//! rules (RFC 7644 §3.5.1) and rendering.
//!
//! A stored resource is its canonical attribute document (see
//! [`normalize`]) plus the server-managed [`Meta`]. [`Resource::to_json`]
//! renders the representation a client sees, before projection.

mod defaults;
mod ids;
mod normalize;
pub mod undefined;

pub use defaults::{apply_defaults, defaults_true};
pub use ids::{EtagCondition, ResourceId, Version};
pub(crate) use normalize::{check_primary, normalize_element, normalize_value};
pub use normalize::{finalize, normalize};

use crate::json::map_get_ci;
use crate::schema::{Mutability, ResourceSchema};
use crate::timestamp::Timestamp;
use crate::{ScimError, ScimResult};
use serde_json::{Map, Value};

/// Server-managed metadata (RFC 7643 §3.1, `meta`).
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The resource type name, e.g. `User`.
    pub resource_type: String,
    pub created: Timestamp,
    pub last_modified: Timestamp,
    pub version: Version,
}

/// A stored resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub id: ResourceId,
    pub meta: Meta,
    /// The canonical attribute document (includes `schemas`).
    pub attrs: Map<String, Value>,
}

impl Resource {
    /// The full representation: `schemas`, `id`, the attributes, then `meta`
    /// with `location` under `base_url` (e.g. `https://host/scim/v2`).
    pub fn to_json(&self, base_url: &str, endpoint: &str) -> Value {
        let mut out = Map::with_capacity(self.attrs.len() + 3);
        if let Some(s) = self.attrs.get("schemas") {
            out.insert("schemas".into(), s.clone());
        }
        out.insert("id".into(), Value::String(self.id.to_string()));
        for (k, v) in &self.attrs {
            if k != "schemas" {
                out.insert(k.clone(), v.clone());
            }
        }
        let mut meta = Map::with_capacity(5);
        meta.insert(
            "resourceType".into(),
            Value::String(self.meta.resource_type.clone()),
        );
        meta.insert(
            "created".into(),
            Value::String(self.meta.created.to_string()),
        );
        meta.insert(
            "lastModified".into(),
            Value::String(self.meta.last_modified.to_string()),
        );
        meta.insert(
            "location".into(),
            Value::String(self.location(base_url, endpoint)),
        );
        meta.insert("version".into(), Value::String(self.meta.version.etag()));
        out.insert("meta".into(), Value::Object(meta));
        Value::Object(out)
    }

    /// `base_url` + endpoint + `/` + id.
    pub fn location(&self, base_url: &str, endpoint: &str) -> String {
        format!("{}{}/{}", base_url.trim_end_matches('/'), endpoint, self.id)
    }
}

/// Applies the full-replacement rules of RFC 7644 §3.5.1 to a normalized
/// PUT body `new` against the current document `old`:
/// - an immutable attribute that has a value must keep it (`mutability`);
///   omitted, it keeps its current value;
/// - writeOnly attributes that the client cannot read back (`password`)
///   keep their current value when omitted.
pub fn apply_replace_rules(
    old: &Map<String, Value>,
    new: &mut Map<String, Value>,
    view: &ResourceSchema<'_>,
) -> ScimResult<()> {
    let mut scopes: Vec<(Option<&str>, &[crate::schema::Attribute])> =
        vec![(None, view.common), (None, &view.core.attributes)];
    for (ext, _) in &view.extensions {
        scopes.push((Some(ext.id.as_str()), &ext.attributes));
    }
    for (urn, attrs) in scopes {
        for attr in attrs {
            if !matches!(
                attr.mutability,
                Mutability::Immutable | Mutability::WriteOnly
            ) {
                continue;
            }
            let old_v = match urn {
                Some(u) => old.get(u).and_then(|o| o.get(&attr.name)),
                None => old.get(&attr.name),
            };
            let Some(old_v) = old_v else { continue };
            let new_v = match urn {
                Some(u) => new.get(u).and_then(|o| map_get_ci_value(o, &attr.name)),
                None => new.get(&attr.name),
            };
            match new_v {
                Some(nv) if attr.mutability == Mutability::Immutable && nv != old_v => {
                    return Err(ScimError::Mutability(format!(
                        "attribute {:?} is immutable and already has a value",
                        attr.name
                    )));
                }
                Some(_) => {}
                None => {
                    let target = match urn {
                        Some(u) => {
                            let e = new
                                .entry(u.to_string())
                                .or_insert_with(|| Value::Object(Map::new()));
                            e.as_object_mut()
                        }
                        None => Some(&mut *new),
                    };
                    if let Some(t) = target {
                        t.insert(attr.name.clone(), old_v.clone());
                    }
                }
            }
        }
    }
    finalize(new, view)
}

fn map_get_ci_value<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    v.as_object().and_then(|m| map_get_ci(m, name))
}
