//! Sorting (RFC 7644 §3.4.2.3).
//!
//! - Strings compare without regard to case unless the attribute is
//!   caseExact; numbers, booleans and dateTimes compare by value.
//! - A multi-valued attribute sorts by its primary value, else its first.
//! - A complex attribute sorts by its `value` sub-attribute.
//! - Resources without a value come last when ascending, first when
//!   descending: missing sorts as the greatest value.
//! - Ties keep their order (the stable sort callers rely on for paging).

use crate::filter::{fold, LAttr};
use crate::json::get_ci;
use crate::path::AttrPath;
use crate::schema::{AttrType, ResourceSchema};
use crate::timestamp::Timestamp;
use crate::{ScimError, ScimResult};
use serde_json::Value;
use std::cmp::Ordering;

/// `sortBy` and `sortOrder`, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct SortSpec {
    pub attr: LAttr,
    pub descending: bool,
}

/// A comparable sort value.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
pub enum SortValue {
    Bool(bool),
    Num(f64),
    Time(Timestamp),
    Str(String),
}

/// Whether `sortOrder` asks for descending order: `ascending` (the
/// default) or `descending`, compared without regard to case; anything
/// else is 400 `invalidValue`, with or without `sortBy`.
pub fn parse_order(order: Option<&str>) -> ScimResult<bool> {
    match order.map(str::trim) {
        None | Some("") => Ok(false),
        Some(o) if o.eq_ignore_ascii_case("ascending") => Ok(false),
        Some(o) if o.eq_ignore_ascii_case("descending") => Ok(true),
        Some(o) => Err(ScimError::InvalidValue(format!(
            "sortOrder {o:?} is neither \"ascending\" nor \"descending\""
        ))),
    }
}

impl SortSpec {
    /// Resolves `sortBy` against the schema; `sortOrder` as [`parse_order`].
    pub fn resolve(
        by: &AttrPath,
        order: Option<&str>,
        view: &ResourceSchema<'_>,
    ) -> ScimResult<SortSpec> {
        let descending = parse_order(order)?;
        let unknown = || ScimError::InvalidValue(format!("cannot sort by unknown attribute {by}"));
        let r = view.resolve(by).ok_or_else(unknown)?;
        if crate::redact::is_secret(r.attr) || crate::redact::is_secret(r.leaf()) {
            return Err(ScimError::InvalidValue(format!(
                "{by} is never returned, so it cannot be sorted by"
            )));
        }
        let leaf = match r.sub {
            Some(s) => Some(s),
            None if r.attr.is_complex() => Some(r.attr.sub("value").ok_or_else(|| {
                ScimError::InvalidValue(format!("sort by a sub-attribute of {by}, e.g. {by}.value"))
            })?),
            None => None,
        };
        let (kind, case_exact) =
            leaf.map_or((r.attr.kind, r.attr.case_exact), |l| (l.kind, l.case_exact));
        Ok(SortSpec {
            attr: LAttr {
                ext_urn: r.extension_urn().map(str::to_string),
                name: r.attr.name.clone(),
                sub: leaf.map(|l| l.name.clone()),
                kind,
                case_exact,
                multi_valued: r.attr.multi_valued,
                external: r.attr.external,
                index: r.attr.index,
            },
            descending,
        })
    }

    /// The sort value of one resource representation.
    pub fn key(&self, resource: &Value) -> Option<SortValue> {
        let container = match &self.attr.ext_urn {
            Some(u) => get_ci(resource, u)?,
            None => resource,
        };
        let top = get_ci(container, &self.attr.name)?;
        let item = match top {
            Value::Array(items) => items
                .iter()
                .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
                .or_else(|| items.first())?,
            v => v,
        };
        let leaf = match &self.attr.sub {
            Some(s) => get_ci(item, s)?,
            None => item,
        };
        match (self.attr.kind, leaf) {
            (AttrType::Boolean, Value::Bool(b)) => Some(SortValue::Bool(*b)),
            (AttrType::Integer | AttrType::Decimal, v) => v.as_f64().map(SortValue::Num),
            (AttrType::DateTime, Value::String(s)) => Timestamp::parse(s).map(SortValue::Time),
            (_, Value::String(s)) if self.attr.case_exact => Some(SortValue::Str(s.clone())),
            (_, Value::String(s)) => Some(SortValue::Str(fold(s).into_owned())),
            _ => None,
        }
    }

    /// Orders two keys: missing is greatest, then reversed for descending.
    pub fn compare(&self, a: Option<&SortValue>, b: Option<&SortValue>) -> Ordering {
        let ord = match (a, b) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
        };
        if self.descending {
            ord.reverse()
        } else {
            ord
        }
    }

    /// Sorts resource representations in place (stable).
    pub fn sort(&self, resources: &mut [Value]) {
        let mut keyed: Vec<(Option<SortValue>, Value)> = resources
            .iter_mut()
            .map(|r| (self.key(r), std::mem::take(r)))
            .collect();
        keyed.sort_by(|a, b| self.compare(a.0.as_ref(), b.0.as_ref()));
        for (slot, (_, v)) in resources.iter_mut().zip(keyed) {
            *slot = v;
        }
    }
}
