//! `remove` (RFC 7644 §3.5.2.2).
//!
//! - Without a path: `noTarget` (checked by the caller).
//! - A single-valued target is unassigned; a multi-valued one loses all its
//!   values, or through a value filter only the matching ones (or their
//!   named sub-attribute).
//! - Removing what is not there changes nothing and succeeds, as the RFC's
//!   member example says.
//! - Removing a required or readOnly attribute is `mutability`.
//! - With `remove_by_value`, a `value` array on a multi-valued target removes
//!   exactly those values (Entra's default dialect for `members`), never all.
//! - On an external attribute it becomes [`ExternalOp::Remove`],
//!   [`ExternalOp::RemoveWhere`] or [`ExternalOp::RemoveAll`].

use super::external::{elements, removal, values_of, ExternalOp};
use super::slot::{check_writable, current, matching, same_element, set};
use super::target::AttrTarget;
use super::Ctx;
use crate::resource::normalize_value;
use crate::schema::Mutability;
use crate::{ScimError, ScimResult};
use serde_json::Value;

pub(crate) fn apply(
    ctx: &mut Ctx<'_, '_>,
    t: &AttrTarget<'_>,
    value: Option<&Value>,
) -> ScimResult<()> {
    let by_value = value.filter(|v| !v.is_null() && ctx.tol.remove_by_value && t.attr.multi_valued);
    if t.attr.external {
        check_writable(t, None, None)?;
        if t.sub.is_some() {
            return Err(ScimError::InvalidPath(format!(
                "{}: remove whole values of {}",
                t.text, t.attr.name
            )));
        }
        let attr = t.attr.name.clone();
        let op = match (&t.filter, by_value) {
            (Some(f), _) => removal(t, f)?,
            (None, Some(v)) => ExternalOp::Remove {
                attr,
                values: values_of(&elements(t, Some(v), ctx.tol)?)?,
            },
            (None, None) => ExternalOp::RemoveAll { attr },
        };
        ctx.external.push(op);
        return Ok(());
    }
    if t.is_read_only() {
        return check_writable(t, None, None);
    }
    let Some(cur) = current(ctx.doc, t).cloned() else {
        return Ok(());
    };
    let unassign_whole = t.filter.is_none() && t.sub.is_none() && by_value.is_none();
    if unassign_whole
        || (t.sub.is_some_and(|s| s.required) && t.filter.is_none() && !t.attr.multi_valued)
    {
        refuse_if_protected(t)?;
    }
    let result = match (&t.filter, t.sub, by_value) {
        (None, None, Some(v)) => {
            let gone = match normalize_value(t.attr, v, ctx.tol)? {
                Some(Value::Array(a)) => a,
                Some(x) => vec![x],
                None => Vec::new(),
            };
            let mut items = cur.as_array().cloned().unwrap_or_default();
            items.retain(|e| !gone.iter().any(|g| g == e || same_element(g, e)));
            Some(Value::Array(items))
        }
        (None, None, None) => None,
        (None, Some(sub), _) => Some(without_sub(cur, &sub.name)),
        (Some(_), sub, _) => {
            let single = !cur.is_array();
            let mut items = match cur {
                Value::Array(a) => a,
                other => vec![other],
            };
            let hits = matching(&items, t)?;
            match sub {
                None => {
                    for i in hits.into_iter().rev() {
                        items.remove(i);
                    }
                }
                Some(s) => {
                    for i in hits {
                        if let Some(obj) = items[i].as_object_mut() {
                            obj.shift_remove(&s.name);
                        }
                    }
                    items.retain(|e| !crate::json::is_unassigned(e));
                }
            }
            if single {
                items.into_iter().next()
            } else {
                Some(Value::Array(items))
            }
        }
    };
    let emptied = result.as_ref().is_none_or(crate::json::is_unassigned);
    if emptied {
        refuse_if_protected(t)?;
    }
    set(ctx.doc, t, result)
}

/// The attribute (or sub-attribute) cannot become unassigned.
fn refuse_if_protected(t: &AttrTarget<'_>) -> ScimResult<()> {
    let leaf = t.leaf();
    if t.attr.required || leaf.required || leaf.mutability == Mutability::Immutable {
        return Err(ScimError::Mutability(format!(
            "{:?} is required or immutable and cannot be removed",
            t.text
        )));
    }
    Ok(())
}

/// Removes sub-attribute `sub` from a complex value or from every element.
fn without_sub(mut v: Value, sub: &str) -> Value {
    match &mut v {
        Value::Object(o) => {
            o.shift_remove(sub);
        }
        Value::Array(items) => {
            for e in items.iter_mut() {
                if let Some(o) = e.as_object_mut() {
                    o.shift_remove(sub);
                }
            }
            items.retain(|e| !crate::json::is_unassigned(e));
        }
        _ => {}
    }
    v
}
