//! Reading and writing the value an [`AttrTarget`] designates in a canonical
//! document, with the mutability rules every operation shares
//! (RFC 7643 §2.2, RFC 7644 §3.5.2).

use super::target::AttrTarget;
use crate::filter::{lower_relative, CompValue, CompareOp, Filter, Lowered};
use crate::json::is_unassigned;
use crate::schema::Mutability;
use crate::{ScimError, ScimResult};
use serde_json::{Map, Value};

/// The map that holds the target's attribute: the document, or the
/// extension object (created when missing).
pub(crate) fn container<'d>(
    doc: &'d mut Map<String, Value>,
    t: &AttrTarget<'_>,
) -> ScimResult<&'d mut Map<String, Value>> {
    let Some(urn) = &t.urn else { return Ok(doc) };
    let entry = doc
        .entry(urn.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry
        .as_object_mut()
        .ok_or_else(|| ScimError::Internal("extension container is not an object".into()))
}

/// The current value of the target's attribute.
pub(crate) fn current<'d>(doc: &'d Map<String, Value>, t: &AttrTarget<'_>) -> Option<&'d Value> {
    let c = match &t.urn {
        None => doc,
        Some(urn) => doc.get(urn)?.as_object()?,
    };
    c.get(&t.attr.name).filter(|v| !is_unassigned(v))
}

/// Sets (or with `None`, unassigns) the target's attribute.
pub(crate) fn set(
    doc: &mut Map<String, Value>,
    t: &AttrTarget<'_>,
    value: Option<Value>,
) -> ScimResult<()> {
    let c = container(doc, t)?;
    match value.filter(|v| !is_unassigned(v)) {
        Some(v) => {
            c.insert(t.attr.name.clone(), v);
        }
        None => {
            c.shift_remove(&t.attr.name);
        }
    }
    Ok(())
}

/// Refuses writes to readOnly targets and changes to immutable values.
pub(crate) fn check_writable(
    t: &AttrTarget<'_>,
    current: Option<&Value>,
    new: Option<&Value>,
) -> ScimResult<()> {
    if t.is_read_only() {
        return Err(ScimError::Mutability(format!(
            "attribute {:?} is readOnly",
            t.text
        )));
    }
    let leaf = t.leaf();
    if leaf.mutability == Mutability::Immutable || t.attr.mutability == Mutability::Immutable {
        if let Some(cur) = current {
            if Some(cur) != new {
                return Err(ScimError::Mutability(format!(
                    "attribute {:?} is immutable and already has a value",
                    t.text
                )));
            }
        }
    }
    Ok(())
}

/// The indices of the elements of `items` that the target's filter selects.
pub(crate) fn matching(items: &[Value], t: &AttrTarget<'_>) -> ScimResult<Vec<usize>> {
    let Some(filter) = &t.filter else {
        return Ok((0..items.len()).collect());
    };
    let lowered: Lowered = lower_relative(filter, t.attr)?;
    Ok(items
        .iter()
        .enumerate()
        .filter(|(_, e)| lowered.matches(e))
        .map(|(i, _)| i)
        .collect())
}

/// The element a filter describes when it is a conjunction of `eq`
/// comparisons (`type eq "work"`), used to create a missing element.
pub(crate) fn element_from_filter(filter: &Filter) -> Option<Map<String, Value>> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.urn.is_none() && path.sub.is_none() => {
            let v = match value {
                CompValue::Str(s) => Value::String(s.clone()),
                CompValue::Bool(b) => Value::Bool(*b),
                CompValue::Num(n) => serde_json::from_str(n).ok()?,
                CompValue::Null => return None,
            };
            let mut m = Map::new();
            m.insert(path.name.clone(), v);
            Some(m)
        }
        Filter::And(l, r) => {
            let mut m = element_from_filter(l)?;
            m.extend(element_from_filter(r)?);
            Some(m)
        }
        _ => None,
    }
}

/// After elements at `promoted` were written, keeps `primary: true` only on
/// the last promoted element that has it (RFC 7644 §3.5.2: setting a primary
/// value resets the others).
pub(crate) fn demote_primaries(items: &mut [Value], promoted: &[usize]) {
    let keep = promoted.iter().rev().copied().find(|&i| {
        items
            .get(i)
            .and_then(|e| e.get("primary"))
            .and_then(Value::as_bool)
            == Some(true)
    });
    let Some(keep) = keep else { return };
    for (i, e) in items.iter_mut().enumerate() {
        if i != keep {
            if let Some(obj) = e.as_object_mut() {
                if obj.get("primary").and_then(Value::as_bool) == Some(true) {
                    obj.insert("primary".into(), Value::Bool(false));
                }
            }
        }
    }
}

/// Whether two elements denote the same value: equal `value` sub-attributes
/// when both have one (and `type`, when both have one), else equal as a whole.
pub(crate) fn same_element(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(x), Some(y)) => {
            x == y
                && match (a.get("type"), b.get("type")) {
                    (Some(p), Some(q)) => p == q,
                    _ => true,
                }
        }
        _ => a == b,
    }
}
