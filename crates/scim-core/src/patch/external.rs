//! Operations on attributes stored outside the resource document (group
//! `members`). The store applies them as O(Δ) changes instead of rewriting a
//! member list; RFC 7644 §3.5.2 semantics are kept: adding an existing member
//! or removing an absent one changes nothing and succeeds.

use super::target::AttrTarget;
use crate::filter::{lower_relative, CompValue, CompareOp, Filter, Lowered};
use crate::resource::normalize_value;
use crate::tolerance::Tolerances;
use crate::{ScimError, ScimResult};
use serde_json::Value;

/// One change to an external multi-valued attribute. Element values are
/// normalized (canonical sub-attribute names, readOnly ones dropped).
#[derive(Debug, Clone, PartialEq)]
pub enum ExternalOp {
    /// Add these elements (existing ones are kept as they are).
    Add { attr: String, values: Vec<Value> },
    /// Remove the elements whose `value` is one of these.
    Remove { attr: String, values: Vec<String> },
    /// Remove the elements matching a filter over the sub-attributes.
    RemoveWhere { attr: String, filter: Lowered },
    /// Remove every element.
    RemoveAll { attr: String },
    /// Replace the whole set with these elements.
    ReplaceAll { attr: String, values: Vec<Value> },
}

/// Normalizes an array (or, tolerated, a single element) of elements.
pub(crate) fn elements(
    t: &AttrTarget<'_>,
    value: Option<&Value>,
    tol: &Tolerances,
) -> ScimResult<Vec<Value>> {
    let Some(value) = value else {
        return Err(ScimError::InvalidValue(format!(
            "{:?} requires a \"value\"",
            t.text
        )));
    };
    Ok(match normalize_value(t.attr, value, tol)? {
        Some(Value::Array(items)) => items,
        Some(other) => vec![other],
        None => Vec::new(),
    })
}

/// The `value` strings of elements, for remove-by-value.
pub(crate) fn values_of(items: &[Value]) -> ScimResult<Vec<String>> {
    items
        .iter()
        .map(|e| {
            e.get("value")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| {
                    ScimError::InvalidValue("each element needs a string \"value\"".into())
                })
        })
        .collect()
}

/// `value eq "a"`, or an `or` of such comparisons: the ids to remove.
fn simple_values(filter: &Filter, out: &mut Vec<String>) -> bool {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value: CompValue::Str(s) | CompValue::Num(s),
        } if path.urn.is_none()
            && path.sub.is_none()
            && path.name.eq_ignore_ascii_case("value") =>
        {
            out.push(s.clone());
            true
        }
        Filter::Or(l, r) => simple_values(l, out) && simple_values(r, out),
        _ => false,
    }
}

/// The ids a member filter names when it only compares `value` with `eq`
/// (`value eq "a" or value eq "b"`); `None` for any other filter.
pub fn filter_value_ids(filter: &Filter) -> Option<Vec<String>> {
    let mut ids = Vec::new();
    simple_values(filter, &mut ids).then_some(ids)
}

/// The removal a filter describes: by ids when it only compares `value`.
pub(crate) fn removal(t: &AttrTarget<'_>, filter: &Filter) -> ScimResult<ExternalOp> {
    let attr = t.attr.name.clone();
    let mut ids = Vec::new();
    if simple_values(filter, &mut ids) {
        return Ok(ExternalOp::Remove { attr, values: ids });
    }
    Ok(ExternalOp::RemoveWhere {
        attr,
        filter: lower_relative(filter, t.attr)?,
    })
}
