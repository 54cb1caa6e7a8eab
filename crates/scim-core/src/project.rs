//! `attributes` and `excludedAttributes` (RFC 7644 §3.9) with the `returned`
//! characteristic of RFC 7643 §2.4:
//! - `always`: returned whatever the parameters say (`id`, `schemas`);
//! - `never`: never returned (`password`);
//! - `default`: returned unless excluded, or unless `attributes` is given
//!   and does not name it;
//! - `request`: returned only when `attributes` names it.
//!
//! A path may name a whole attribute, a sub-attribute (`name.givenName`)
//! or a whole extension by its schema URN. A multi-valued core attribute
//! may carry a value filter (`emails[type eq "work"]`, `emails[type eq
//! "work"].value`): in `attributes` only the matching values are returned,
//! in `excludedAttributes` the matching values are left out. Value filters
//! are a tolerance (`Tolerances::attribute_value_filters`, see
//! [`Projection::check`]): RFC 7644 §3.9 names attributes only.

use crate::filter::{lower_relative, Filter};
use crate::path::{AttrPath, PatchPath};
use crate::schema::{Attribute, Owner, ResourceSchema, Returned};
use crate::tolerance::Tolerances;
use crate::{ScimError, ScimResult};
use serde_json::{Map, Value};

/// Which attributes to return.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Projection {
    pub attributes: Vec<AttrPath>,
    pub excluded: Vec<AttrPath>,
    /// The value filters written in either list.
    pub value_filters: Vec<ValueFilter>,
}

/// `emails[type eq "work"]` in `attributes` (or, `excluded`, in
/// `excludedAttributes`).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueFilter {
    pub attr: AttrPath,
    pub filter: Filter,
    pub excluded: bool,
}

/// The comma-separated entries of a list; commas inside a value filter's
/// brackets or quotes do not separate.
fn entries(list: &str) -> Vec<&str> {
    let (mut out, mut start, mut depth, mut quoted, mut escaped) =
        (Vec::new(), 0, 0u32, false, false);
    for (i, c) in list.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            ',' if !quoted && depth == 0 => {
                out.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&list[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_list(
    list: &str,
    excluded: bool,
    filters: &mut Vec<ValueFilter>,
) -> ScimResult<Vec<AttrPath>> {
    let invalid = |s: &str, e: ScimError| {
        ScimError::InvalidValue(format!("invalid attribute name {s:?}: {}", e.detail()))
    };
    entries(list)
        .into_iter()
        .map(|s| {
            if !s.contains('[') {
                return AttrPath::parse(s).map_err(|e| invalid(s, e));
            }
            let p = PatchPath::parse(s).map_err(|e| invalid(s, e))?;
            let Some(filter) = p.filter else {
                return Err(invalid(
                    s,
                    ScimError::InvalidValue("unexpected \"[\"".into()),
                ));
            };
            let attr = AttrPath {
                sub: None,
                ..p.attr.clone()
            };
            filters.push(ValueFilter {
                attr: attr.clone(),
                filter,
                excluded,
            });
            Ok(AttrPath {
                sub: p.sub.or(p.attr.sub),
                ..attr
            })
        })
        .collect()
}

impl Projection {
    /// From the comma-separated query parameters.
    pub fn parse(attributes: Option<&str>, excluded: Option<&str>) -> ScimResult<Projection> {
        let mut value_filters = Vec::new();
        let attributes = attributes
            .map(|l| parse_list(l, false, &mut value_filters))
            .transpose()?
            .unwrap_or_default();
        let excluded = excluded
            .map(|l| parse_list(l, true, &mut value_filters))
            .transpose()?
            .unwrap_or_default();
        // An excluded value filter removes values, not the attribute.
        let excluded = excluded
            .into_iter()
            .filter(|p| {
                !value_filters.iter().any(|f| {
                    f.excluded && f.attr.name.eq_ignore_ascii_case(&p.name) && p.sub.is_none()
                })
            })
            .collect();
        Ok(Projection {
            attributes,
            excluded,
            value_filters,
        })
    }

    /// Refuses value filters unless the tolerances accept them (400
    /// `invalidValue`: RFC 7644 §3.9 takes attribute names only).
    pub fn check(&self, tol: &Tolerances) -> ScimResult<()> {
        match self.value_filters.first() {
            Some(f) if !tol.attribute_value_filters => Err(ScimError::InvalidValue(format!(
                "a value filter ({}[{}]) in \"attributes\" or \"excludedAttributes\": name attributes only",
                f.attr, f.filter
            ))),
            _ => Ok(()),
        }
    }

    /// Keeps (or, for an excluded filter, drops) the values of a
    /// multi-valued attribute that its value filters match.
    fn filter_values(&self, urn: Option<&str>, attr: &Attribute, value: Value) -> Option<Value> {
        if !attr.multi_valued {
            return Some(value);
        }
        let Value::Array(items) = value else {
            return Some(value);
        };
        let mut items = items;
        for f in &self.value_filters {
            if !(f.attr.name.eq_ignore_ascii_case(&attr.name) && urn_matches(&f.attr, urn)) {
                continue;
            }
            // A filter that does not lower against the attribute matches nothing.
            let lowered = lower_relative(&f.filter, attr).ok();
            items.retain(|e| lowered.as_ref().is_some_and(|l| l.matches(e)) != f.excluded);
        }
        (!items.is_empty()).then_some(Value::Array(items))
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
            let urn = owner_urn(view, owner);
            // Values are selected before sub-attributes are, so that a
            // filter sees the sub-attributes it compares.
            let picked = if self.value_filters.is_empty() {
                self.decide(urn, attr, value)
            } else {
                self.filter_values(urn, attr, value.clone())
                    .and_then(|v| self.decide(urn, attr, &v))
            };
            if let Some(v) = picked {
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
