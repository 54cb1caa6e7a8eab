//! In-memory evaluation of a [`Lowered`] filter against a JSON resource, or
//! against one element of a multi-valued attribute (PATCH value filters).
//!
//! Semantics (RFC 7644 §3.4.2.2): a comparison on a multi-valued attribute
//! matches when any value matches; strings compare without regard to case
//! unless the attribute is caseExact; `pr` needs a non-empty value.

use super::{CompareOp, LAttr, LValue, Lowered};
use crate::json::{get_ci, is_present};
use crate::timestamp::Timestamp;
use serde_json::Value;
use std::cmp::Ordering;

impl Lowered {
    /// Whether the resource (or element) `obj` matches.
    pub fn matches(&self, obj: &Value) -> bool {
        match self {
            Lowered::Const(b) => *b,
            Lowered::And(parts) => parts.iter().all(|p| p.matches(obj)),
            Lowered::Or(parts) => parts.iter().any(|p| p.matches(obj)),
            Lowered::Not(inner) => !inner.matches(obj),
            Lowered::Present(attr) => values(obj, attr).into_iter().any(is_present),
            Lowered::Cmp { attr, op, value } => values(obj, attr)
                .into_iter()
                .any(|v| compare(v, *op, value, attr.case_exact)),
            Lowered::Any { attr, filter } => {
                let Some(top) = top_value(obj, attr) else {
                    return false;
                };
                match top {
                    Value::Array(items) => items.iter().any(|e| filter.matches(e)),
                    single => filter.matches(single),
                }
            }
        }
    }
}

fn top_value<'v>(obj: &'v Value, attr: &LAttr) -> Option<&'v Value> {
    if !obj.is_object() && attr.name == "value" && attr.ext_urn.is_none() {
        // An element of a multi-valued simple attribute is its own "value".
        return Some(obj);
    }
    let container = match &attr.ext_urn {
        Some(urn) => get_ci(obj, urn)?,
        None => obj,
    };
    get_ci(container, &attr.name)
}

/// The values at `attr`, with multi-valued attributes flattened.
fn values<'v>(obj: &'v Value, attr: &LAttr) -> Vec<&'v Value> {
    let Some(top) = top_value(obj, attr) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut push = |v: &'v Value| match v {
        Value::Array(items) => out.extend(items.iter()),
        other => out.push(other),
    };
    match &attr.sub {
        None => push(top),
        Some(sub) => match top {
            Value::Array(items) => items.iter().filter_map(|e| get_ci(e, sub)).for_each(push),
            single => {
                if let Some(v) = get_ci(single, sub) {
                    push(v)
                }
            }
        },
    }
    out
}

fn ordering_holds(op: CompareOp, ord: Ordering) -> bool {
    match op {
        CompareOp::Eq => ord == Ordering::Equal,
        CompareOp::Ne => ord != Ordering::Equal,
        CompareOp::Gt => ord == Ordering::Greater,
        CompareOp::Ge => ord != Ordering::Less,
        CompareOp::Lt => ord == Ordering::Less,
        CompareOp::Le => ord != Ordering::Greater,
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// Folds a string for case-insensitive comparison (Unicode lower case).
pub fn fold(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(|c| c.is_uppercase()) {
        std::borrow::Cow::Owned(s.to_lowercase())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Compares one stored value with a filter value.
pub(crate) fn compare(actual: &Value, op: CompareOp, expected: &LValue, case_exact: bool) -> bool {
    match expected {
        LValue::Str(want) => {
            let Some(have) = actual.as_str() else {
                return false;
            };
            let (have, want) = if case_exact {
                (
                    std::borrow::Cow::Borrowed(have),
                    std::borrow::Cow::Borrowed(want.as_str()),
                )
            } else {
                (fold(have), fold(want))
            };
            match op {
                CompareOp::Co => have.contains(want.as_ref()),
                CompareOp::Sw => have.starts_with(want.as_ref()),
                CompareOp::Ew => have.ends_with(want.as_ref()),
                _ => ordering_holds(op, have.as_ref().cmp(want.as_ref())),
            }
        }
        LValue::Bool(want) => actual
            .as_bool()
            .is_some_and(|b| ordering_holds(op, b.cmp(want))),
        LValue::Int(want) => match (actual.as_i64(), actual.as_f64()) {
            (Some(i), _) => ordering_holds(op, i.cmp(want)),
            (None, Some(f)) => {
                // Exact for every i64 that f64 represents; stored integers are i64 anyway.
                #[allow(clippy::cast_precision_loss)]
                let w = *want as f64;
                f.partial_cmp(&w).is_some_and(|o| ordering_holds(op, o))
            }
            _ => false,
        },
        LValue::Dec(want) => actual
            .as_f64()
            .and_then(|f| f.partial_cmp(want))
            .is_some_and(|o| ordering_holds(op, o)),
        LValue::DateTime(want) => actual
            .as_str()
            .and_then(Timestamp::parse)
            .is_some_and(|t| ordering_holds(op, t.cmp(want))),
    }
}
