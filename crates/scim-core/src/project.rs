//! `attributes` and `excludedAttributes` (RFC 7644 §3.9) with the `returned`
//! characteristic of RFC 7643 §2.4:
//! - `always`: returned whatever the parameters say (`id`, `schemas`);
//! - `never`: never returned (`password`);
//! - `default`: returned unless excluded, or unless `attributes` is given
//!   and does not name it;
//! - `request`: returned only when `attributes` names it.
//!
//! A path may name a whole attribute, a sub-attribute (`name.givenName`)
//! or a whole extension by its schema URN.

use crate::path::AttrPath;
use crate::schema::{Attribute, Owner, ResourceSchema, Returned};
use crate::{ScimError, ScimResult};
use serde_json::{Map, Value};

/// Which attributes to return.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    pub attributes: Vec<AttrPath>,
    pub excluded: Vec<AttrPath>,
}

fn parse_list(list: &str) -> ScimResult<Vec<AttrPath>> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            AttrPath::parse(s).map_err(|e| {
                ScimError::InvalidValue(format!("invalid attribute name {s:?}: {}", e.detail()))
            })
        })
        .collect()
}

impl Projection {
    /// From the comma-separated query parameters.
    pub fn parse(attributes: Option<&str>, excluded: Option<&str>) -> ScimResult<Projection> {
        Ok(Projection {
            attributes: attributes.map(parse_list).transpose()?.unwrap_or_default(),
            excluded: excluded.map(parse_list).transpose()?.unwrap_or_default(),
        })
    }

    /// From the string arrays of a `/.search` body or a PATCH response request.
    pub fn from_lists(attributes: &[String], excluded: &[String]) -> ScimResult<Projection> {
        Projection::parse(Some(&attributes.join(",")), Some(&excluded.join(",")))
    }

    /// Whether the top-level attribute `name` (of `owner_urn`, `None` for the
    /// core schema and common attributes) would appear in the output, so
    /// that callers can skip loading it (group `members`).
    pub fn wants(&self, view: &ResourceSchema<'_>, name: &str) -> bool {
        let Some((owner, attr)) = view.resolve_top(None, name) else {
            return false;
        };
        let urn = owner_urn(view, owner);
        match attr.returned {
            Returned::Never => false,
            Returned::Always => true,
            Returned::Default | Returned::Request => {
                if self.attributes.is_empty() {
                    attr.returned == Returned::Default
                        && !self.excluded.iter().any(|p| names_whole(p, urn, attr))
                } else {
                    self.attributes
                        .iter()
                        .any(|p| names_whole(p, urn, attr) || names_sub_of(p, urn, attr))
                }
            }
        }
    }

    /// Applies the projection to a full resource representation.
    pub fn apply(&self, resource: &Value, view: &ResourceSchema<'_>) -> Value {
        let Some(obj) = resource.as_object() else {
            return resource.clone();
        };
        let mut out = Map::with_capacity(obj.len());
        for (key, value) in obj {
            if key == "schemas" {
                out.insert(key.clone(), value.clone());
                continue;
            }
            if let (Some(ext), Some(ext_obj)) = (view.extension(key), value.as_object()) {
                let whole = self.attributes.iter().any(|p| {
                    p.as_schema_urn()
                        .is_some_and(|u| u.eq_ignore_ascii_case(&ext.id))
                });
                let excluded = self.excluded.iter().any(|p| {
                    p.as_schema_urn()
                        .is_some_and(|u| u.eq_ignore_ascii_case(&ext.id))
                });
                let mut ext_out = Map::new();
                for (k, v) in ext_obj {
                    if let Some(attr) = ext.attribute(k) {
                        let pick = if whole && !excluded {
                            Some(strip_never(attr, v))
                        } else if excluded {
                            None
                        } else {
                            self.decide(Some(&ext.id), attr, v)
                        };
                        if let Some(v) = pick {
                            ext_out.insert(k.clone(), v);
                        }
                    }
                }
                if !ext_out.is_empty() {
                    out.insert(key.clone(), Value::Object(ext_out));
                }
                continue;
            }
            let Some((owner, attr)) = view.resolve_top(None, key) else {
                if self.attributes.is_empty() {
                    out.insert(key.clone(), value.clone());
                }
                continue;
            };
            if let Some(v) = self.decide(owner_urn(view, owner), attr, value) {
                out.insert(key.clone(), v);
            }
        }
        Value::Object(out)
    }

    fn decide(&self, urn: Option<&str>, attr: &Attribute, value: &Value) -> Option<Value> {
        match attr.returned {
            Returned::Never => return None,
            Returned::Always => return Some(strip_never(attr, value)),
            _ => {}
        }
        if !self.attributes.is_empty() {
            if self.attributes.iter().any(|p| names_whole(p, urn, attr)) {
                return Some(strip_never(attr, value));
            }
            let subs: Vec<&str> = self
                .attributes
                .iter()
                .filter(|p| names_sub_of(p, urn, attr))
                .filter_map(|p| p.sub.as_deref())
                .collect();
            if subs.is_empty() {
                return None;
            }
            return keep_subs(attr, value, &subs);
        }
        if attr.returned == Returned::Request
            || self.excluded.iter().any(|p| names_whole(p, urn, attr))
        {
            return None;
        }
        let dropped: Vec<&str> = self
            .excluded
            .iter()
            .filter(|p| names_sub_of(p, urn, attr))
            .filter_map(|p| p.sub.as_deref())
            .collect();
        let v = strip_never(attr, value);
        if dropped.is_empty() {
            return Some(v);
        }
        let keep: Vec<&str> = attr
            .sub_attributes
            .iter()
            .map(|s| s.name.as_str())
            .filter(|n| !dropped.iter().any(|d| d.eq_ignore_ascii_case(n)))
            .collect();
        keep_subs(attr, &v, &keep)
    }
}

fn owner_urn<'a>(view: &ResourceSchema<'a>, owner: Owner<'a>) -> Option<&'a str> {
    match owner {
        Owner::Extension(s) => Some(s.id.as_str()),
        _ => Some(view.core.id.as_str()),
    }
}

fn urn_matches(path: &AttrPath, urn: Option<&str>) -> bool {
    match (&path.urn, urn) {
        (None, _) => true,
        (Some(p), Some(u)) => p.eq_ignore_ascii_case(u),
        (Some(_), None) => false,
    }
}

/// The path names the whole attribute.
fn names_whole(p: &AttrPath, urn: Option<&str>, attr: &Attribute) -> bool {
    p.sub.is_none() && p.name.eq_ignore_ascii_case(&attr.name) && urn_matches(p, urn)
}

/// The path names a sub-attribute of the attribute.
fn names_sub_of(p: &AttrPath, urn: Option<&str>, attr: &Attribute) -> bool {
    p.sub.is_some() && p.name.eq_ignore_ascii_case(&attr.name) && urn_matches(p, urn)
}

/// Removes `returned: never` sub-attributes.
fn strip_never(attr: &Attribute, value: &Value) -> Value {
    if !attr
        .sub_attributes
        .iter()
        .any(|s| s.returned == Returned::Never)
    {
        return value.clone();
    }
    let keep: Vec<&str> = attr
        .sub_attributes
        .iter()
        .filter(|s| s.returned != Returned::Never)
        .map(|s| s.name.as_str())
        .collect();
    keep_subs(attr, value, &keep).unwrap_or(Value::Null)
}

/// Keeps only the named sub-attributes (plus `returned: always` ones) of a
/// complex value or of each element of a multi-valued one.
fn keep_subs(attr: &Attribute, value: &Value, subs: &[&str]) -> Option<Value> {
    let filter_obj = |o: &Map<String, Value>| -> Map<String, Value> {
        o.iter()
            .filter(|(k, _)| {
                subs.iter().any(|s| s.eq_ignore_ascii_case(k))
                    || attr.sub(k).is_some_and(|s| s.returned == Returned::Always)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let out = match value {
        Value::Object(o) => Value::Object(filter_obj(o)),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .filter_map(|e| match e {
                    Value::Object(o) => Some(Value::Object(filter_obj(o)))
                        .filter(|v| v.as_object().is_some_and(|m| !m.is_empty())),
                    other => Some(other.clone()),
                })
                .collect(),
        ),
        other => other.clone(),
    };
    (!crate::json::is_unassigned(&out)).then_some(out)
}
