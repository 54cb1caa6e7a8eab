//! Validation of request bodies against the schemas (RFC 7643 §2, RFC 7644
//! §3.3 and §3.5.1), producing the canonical attribute document scimd stores.
//!
//! The canonical document:
//! - uses each attribute's canonical name, whatever case the client sent;
//! - holds extension attributes in an object keyed by the extension URN;
//! - holds no `null`s, empty arrays or empty objects (RFC 7643 §2.5);
//! - holds no readOnly attributes (`id`, `meta`, `groups`): RFC 7644 §3.3
//!   says they "SHALL be ignored";
//! - lists in `schemas` the core schema and each extension that has data.
//!
//! Type errors (a binary value must be base64, RFC 7643 §2.3.6) and missing
//! required attributes are `invalidValue`; more than
//! one `primary: true` is `invalidValue` (RFC 7643 §2.4); unknown attributes
//! and schemas are `invalidSyntax` unless the tolerances drop them.

use crate::json::{is_unassigned, map_get_ci};
use crate::path::AttrPath;
use crate::schema::{AttrType, Attribute, Mutability, Owner, ResourceSchema};
use crate::timestamp::Timestamp;
use crate::tolerance::Tolerances;
use crate::{ScimError, ScimResult};
use serde_json::{Map, Value};

/// Validates a create or replace body and returns the canonical document.
pub fn normalize(
    body: &Value,
    view: &ResourceSchema<'_>,
    tol: &Tolerances,
) -> ScimResult<Map<String, Value>> {
    let obj = body
        .as_object()
        .ok_or_else(|| ScimError::InvalidSyntax("the request body must be a JSON object".into()))?;
    check_schemas(obj, view, tol)?;
    let mut doc = Map::new();
    for (key, value) in obj {
        if key.eq_ignore_ascii_case("schemas") || value.is_null() {
            continue;
        }
        if let Some(ext) = view.extension(key) {
            let Some(ext_obj) = value.as_object() else {
                return Err(ScimError::InvalidSyntax(format!(
                    "{key} must be a JSON object"
                )));
            };
            for (name, v) in ext_obj {
                match ext.attribute(name) {
                    Some(attr) => set_normalized(&mut doc, Some(&ext.id), attr, v, tol)?,
                    None => unknown_attribute(&format!("{}:{name}", ext.id), tol)?,
                }
            }
            continue;
        }
        let resolved = if key.contains(':') {
            AttrPath::parse(key)
                .ok()
                .filter(|p| p.sub.is_none())
                .and_then(|p| view.resolve_top(p.urn.as_deref(), &p.name))
        } else {
            // An extension attribute at the top level (Entra's older bodies put
            // `department` there) is taken only with `dotted_keys`.
            view.resolve_top(None, key)
                .filter(|(o, _)| tol.dotted_keys || !matches!(o, Owner::Extension(_)))
        };
        match resolved {
            Some((owner, attr)) => {
                let urn = match owner {
                    Owner::Extension(s) => Some(s.id.as_str()),
                    _ => None,
                };
                set_normalized(&mut doc, urn, attr, value, tol)?;
            }
            None if key.to_ascii_lowercase().starts_with("urn:") && value.is_object() => {
                // An extension this resource type does not have (or a typo in its URN).
                unknown_schema(key, tol)?;
            }
            None => unknown_attribute(key, tol)?,
        }
    }
    finalize(&mut doc, view)?;
    Ok(doc)
}

fn check_schemas(
    obj: &Map<String, Value>,
    view: &ResourceSchema<'_>,
    tol: &Tolerances,
) -> ScimResult<()> {
    match map_get_ci(obj, "schemas") {
        None | Some(Value::Null) => {
            if tol.ignore_unknown_schemas {
                Ok(())
            } else {
                Err(ScimError::InvalidSyntax(
                    "the \"schemas\" attribute is required".into(),
                ))
            }
        }
        Some(Value::Array(items)) => {
            let mut has_core = false;
            for item in items {
                let Some(urn) = item.as_str() else {
                    return Err(ScimError::InvalidSyntax(
                        "\"schemas\" must hold strings".into(),
                    ));
                };
                if urn.eq_ignore_ascii_case(&view.core.id) {
                    has_core = true;
                } else if view.extension(urn).is_none() {
                    unknown_schema(urn, tol)?;
                }
            }
            if !has_core && !tol.ignore_unknown_schemas {
                return Err(ScimError::InvalidValue(format!(
                    "\"schemas\" must include {}",
                    view.core.id
                )));
            }
            Ok(())
        }
        Some(_) => Err(ScimError::InvalidSyntax(
            "\"schemas\" must be an array of URNs".into(),
        )),
    }
}

fn unknown_attribute(name: &str, tol: &Tolerances) -> ScimResult<()> {
    if tol.ignore_unknown_attributes {
        Ok(())
    } else {
        Err(ScimError::InvalidSyntax(format!(
            "unknown attribute {name:?}"
        )))
    }
}

fn unknown_schema(urn: &str, tol: &Tolerances) -> ScimResult<()> {
    if tol.ignore_unknown_schemas {
        Ok(())
    } else {
        Err(ScimError::InvalidSyntax(format!("unknown schema {urn:?}")))
    }
}

/// Normalizes `value` for `attr` and stores it in `doc` (or in the extension
/// object `urn`); readOnly attributes are skipped, unassigned values removed.
pub(crate) fn set_normalized(
    doc: &mut Map<String, Value>,
    urn: Option<&str>,
    attr: &Attribute,
    value: &Value,
    tol: &Tolerances,
) -> ScimResult<()> {
    if attr.mutability == Mutability::ReadOnly {
        return Ok(());
    }
    let normalized = normalize_value(attr, value, tol)?;
    let container = match urn {
        Some(u) => {
            let entry = doc
                .entry(u.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            match entry.as_object_mut() {
                Some(m) => m,
                None => {
                    return Err(ScimError::Internal(
                        "extension container is not an object".into(),
                    ))
                }
            }
        }
        None => doc,
    };
    match normalized {
        Some(v) => {
            container.insert(attr.name.clone(), v);
        }
        None => {
            container.shift_remove(&attr.name);
        }
    }
    Ok(())
}

/// Normalizes one attribute value (single or multi-valued). `None` means unassigned.
pub(crate) fn normalize_value(
    attr: &Attribute,
    value: &Value,
    tol: &Tolerances,
) -> ScimResult<Option<Value>> {
    if value.is_null() {
        return Ok(None);
    }
    if !attr.multi_valued {
        return normalize_element(attr, value, tol);
    }
    let items: Vec<Value> = match value {
        Value::Array(a) => a.clone(),
        Value::String(s) if tol.json_in_strings && s.trim_start().starts_with('[') => {
            match serde_json::from_str::<Value>(s) {
                Ok(Value::Array(a)) => a,
                _ => return Err(type_error(attr, "an array")),
            }
        }
        other if tol.single_for_multi => vec![other.clone()],
        _ => return Err(type_error(attr, "an array")),
    };
    // Duplicates go, in linear time: a user may carry tens of thousands
    // of emails.
    let mut out = Vec::with_capacity(items.len());
    let mut seen = crate::json::ValueSet::default();
    for item in &items {
        if let Some(v) = normalize_element(attr, item, tol)? {
            if seen.insert(&v) {
                out.push(v);
            }
        }
    }
    check_primary(attr, &out)?;
    Ok(if out.is_empty() {
        None
    } else {
        Some(Value::Array(out))
    })
}

/// At most one element of a multi-valued attribute may be primary (RFC 7643 §2.4).
pub(crate) fn check_primary(attr: &Attribute, items: &[Value]) -> ScimResult<()> {
    let primaries = items
        .iter()
        .filter(|v| v.get("primary").and_then(Value::as_bool) == Some(true))
        .count();
    if primaries > 1 {
        return Err(ScimError::InvalidValue(format!(
            "more than one {} value has \"primary\": true",
            attr.name
        )));
    }
    Ok(())
}

fn type_error(attr: &Attribute, expected: &str) -> ScimError {
    ScimError::InvalidValue(format!("attribute {:?} must be {expected}", attr.name))
}

pub(crate) fn normalize_element(
    attr: &Attribute,
    value: &Value,
    tol: &Tolerances,
) -> ScimResult<Option<Value>> {
    if value.is_null() {
        return Ok(None);
    }
    if let (false, true, Value::Array(items)) = (attr.multi_valued, tol.single_for_multi, value) {
        // A one-element array where a single value is expected (Entra's manager).
        if let [only] = items.as_slice() {
            return normalize_element(attr, only, tol);
        }
    }
    let v = match attr.kind {
        AttrType::String | AttrType::Reference => match value {
            Value::String(_) => value.clone(),
            _ => return Err(type_error(attr, "a string")),
        },
        AttrType::Binary => match value {
            Value::String(s) if is_base64(s) => value.clone(),
            _ => return Err(type_error(attr, "a base64-encoded string")),
        },
        AttrType::Boolean => match value {
            Value::Bool(_) => value.clone(),
            Value::String(s) if tol.string_booleans && s.eq_ignore_ascii_case("true") => {
                Value::Bool(true)
            }
            Value::String(s) if tol.string_booleans && s.eq_ignore_ascii_case("false") => {
                Value::Bool(false)
            }
            _ => return Err(type_error(attr, "a boolean")),
        },
        AttrType::Integer => match value {
            Value::Number(n) if n.is_i64() || n.is_u64() => value.clone(),
            _ => return Err(type_error(attr, "an integer")),
        },
        AttrType::Decimal => match value {
            Value::Number(_) => value.clone(),
            _ => return Err(type_error(attr, "a decimal number")),
        },
        AttrType::DateTime => match value {
            Value::String(s) if Timestamp::parse(s).is_some() => value.clone(),
            _ => {
                return Err(type_error(
                    attr,
                    "a dateTime such as \"2011-05-13T04:42:34Z\"",
                ))
            }
        },
        AttrType::Complex => return normalize_complex(attr, value, tol),
    };
    Ok(Some(v))
}

/// Base64 per RFC 4648 §4, or its URL and filename safe alphabet (§5),
/// with or without the trailing `=` padding (RFC 7643 §2.3.6).
fn is_base64(s: &str) -> bool {
    let data = s.trim_end_matches('=');
    let padding = s.len() - data.len();
    let standard = data
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
    let url_safe = data
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (standard || url_safe)
        && data.len() % 4 != 1
        && (padding == 0 || (padding <= 2 && s.len().is_multiple_of(4)))
}

fn normalize_complex(
    attr: &Attribute,
    value: &Value,
    tol: &Tolerances,
) -> ScimResult<Option<Value>> {
    let obj = match value {
        Value::Object(o) => o,
        Value::String(s)
            if (tol.bare_value_for_complex || (tol.loose_member_values && attr.external))
                && attr.sub("value").is_some() =>
        {
            if s.is_empty() {
                return Ok(None);
            }
            if tol.json_in_strings && s.trim_start().starts_with('{') {
                if let Ok(parsed @ Value::Object(_)) = serde_json::from_str::<Value>(s) {
                    return normalize_complex(attr, &parsed, tol);
                }
            }
            let mut m = Map::new();
            m.insert("value".into(), value.clone());
            return normalize_complex(attr, &Value::Object(m), tol);
        }
        _ => return Err(type_error(attr, "a JSON object")),
    };
    let mut out = Map::new();
    for (k, v) in obj {
        // A member's `displayName` (for `display`), with `loose_member_values`.
        let loose_name =
            attr.external && tol.loose_member_values && k.eq_ignore_ascii_case("displayName");
        let k = match loose_name {
            true if obj.keys().any(|o| o.eq_ignore_ascii_case("display")) => continue,
            true => "display",
            false => k.as_str(),
        };
        let Some(sub) = attr.sub(k) else {
            unknown_attribute(&format!("{}.{k}", attr.name), tol)?;
            continue;
        };
        if sub.mutability == Mutability::ReadOnly {
            continue;
        }
        if let Some(nv) = normalize_value(sub, v, tol)? {
            out.insert(sub.name.clone(), nv);
        }
    }
    if out.is_empty() {
        return Ok(None);
    }
    for sub in &attr.sub_attributes {
        if sub.required && sub.mutability != Mutability::ReadOnly && !out.contains_key(&sub.name) {
            return Err(ScimError::InvalidValue(format!(
                "sub-attribute \"{}.{}\" is required",
                attr.name, sub.name
            )));
        }
    }
    Ok(Some(Value::Object(out)))
}

/// Removes emptied extension objects, rebuilds `schemas`, and checks that
/// required attributes and required extensions are present.
pub fn finalize(doc: &mut Map<String, Value>, view: &ResourceSchema<'_>) -> ScimResult<()> {
    let mut schemas = vec![Value::String(view.core.id.clone())];
    for (ext, required) in &view.extensions {
        let present = doc.get(&ext.id).is_some_and(|v| !is_unassigned(v));
        if present {
            schemas.push(Value::String(ext.id.clone()));
        } else {
            doc.shift_remove(&ext.id);
            if *required {
                return Err(ScimError::InvalidValue(format!(
                    "extension {} is required",
                    ext.id
                )));
            }
        }
        if let Some(Value::Object(ext_doc)) = doc.get(&ext.id) {
            for attr in &ext.attributes {
                if attr.required
                    && attr.mutability != Mutability::ReadOnly
                    && !ext_doc.contains_key(&attr.name)
                {
                    return Err(ScimError::InvalidValue(format!(
                        "attribute \"{}:{}\" is required",
                        ext.id, attr.name
                    )));
                }
            }
        }
    }
    for attr in &view.core.attributes {
        if attr.required
            && attr.mutability != Mutability::ReadOnly
            && !attr.external
            && !doc.contains_key(&attr.name)
        {
            return Err(ScimError::InvalidValue(format!(
                "attribute {:?} is required",
                attr.name
            )));
        }
    }
    doc.shift_remove("schemas");
    doc.shift_insert(0, "schemas".into(), Value::Array(schemas));
    Ok(())
}
