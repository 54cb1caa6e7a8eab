//! The value-writing machinery that `add` and `replace` share; each
//! operation's file states which of these modes it uses and why.

use super::slot::{check_writable, current, demote_primaries, element_from_filter, matching, set};
use super::target::AttrTarget;
use super::Ctx;
use crate::resource::{check_primary, normalize_element, normalize_value};
use crate::{ScimError, ScimResult};
use serde_json::{Map, Value};

/// How a value for a whole multi-valued attribute is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Multi {
    /// Append new elements (`add`).
    Append,
    /// Replace all elements (`replace`).
    ReplaceAll,
}

/// How a value for a selected element (no sub-attribute) is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Element {
    /// Merge the given sub-attributes into the element (`add`).
    Merge,
    /// Replace the element wholesale (`replace`).
    Replace,
}

/// Writes `value` at target `t` (never an external attribute).
pub(crate) fn write(
    ctx: &mut Ctx<'_, '_>,
    t: &AttrTarget<'_>,
    value: &Value,
    multi: Multi,
    element: Element,
) -> ScimResult<()> {
    if t.is_read_only() {
        return check_writable(t, None, None);
    }
    match (&t.filter, t.sub) {
        (Some(_), _) => write_selected(ctx, t, value, element),
        (None, Some(sub)) => {
            if t.attr.multi_valued {
                return Err(ScimError::InvalidPath(format!(
                    "{}: select the values of {} with a filter, e.g. {}[type eq \"work\"].{}",
                    t.text, t.attr.name, t.attr.name, sub.name
                )));
            }
            let new = normalize_value(sub, value, ctx.tol)?;
            let mut obj = current(ctx.doc, t)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            check_writable(t, obj.get(&sub.name), new.as_ref())?;
            match new {
                Some(v) => obj.insert(sub.name.clone(), v),
                None => obj.shift_remove(&sub.name),
            };
            set(ctx.doc, t, Some(Value::Object(obj)))
        }
        (None, None) if t.attr.multi_valued => match multi {
            Multi::ReplaceAll => {
                let new_items = super::append::new_items(ctx, t, value)?;
                let new = (!new_items.is_empty()).then(|| Value::Array(new_items));
                check_writable(t, current(ctx.doc, t), new.as_ref())?;
                set(ctx.doc, t, new)
            }
            Multi::Append => super::append::append(ctx, t, &[value]),
        },
        (None, None) if t.attr.is_complex() => {
            let new = normalize_value(t.attr, value, ctx.tol)?;
            let cur = current(ctx.doc, t).cloned();
            let whole = multi == Multi::ReplaceAll && !ctx.tol.merge_complex_replace;
            let merged = match new {
                // An empty value (Entra's "remove the manager") unassigns it.
                None => None,
                // The interop profile's replace: the value is the attribute.
                Some(Value::Object(n)) if whole => Some(Value::Object(n)),
                Some(Value::Object(n)) => {
                    let mut m = cur
                        .as_ref()
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    m.extend(n);
                    Some(Value::Object(m))
                }
                Some(_) => {
                    return Err(ScimError::InvalidValue(format!(
                        "{} must be an object",
                        t.text
                    )))
                }
            };
            check_writable(t, cur.as_ref(), merged.as_ref())?;
            set(ctx.doc, t, merged)
        }
        (None, None) => {
            let new = normalize_value(t.attr, value, ctx.tol)?;
            check_writable(t, current(ctx.doc, t), new.as_ref())?;
            set(ctx.doc, t, new)
        }
    }
}

/// Writes through a value filter: `emails[type eq "work"]` or `emails[type eq "work"].value`.
fn write_selected(
    ctx: &mut Ctx<'_, '_>,
    t: &AttrTarget<'_>,
    value: &Value,
    mode: Element,
) -> ScimResult<()> {
    let cur = current(ctx.doc, t).cloned();
    let mut items = match cur.clone() {
        Some(Value::Array(a)) => a,
        Some(v) => vec![v],
        None => Vec::new(),
    };
    let hits = matching(&items, t)?;
    if hits.is_empty() && value.is_null() {
        // Unassigning something that is not there changes nothing.
        return Ok(());
    }
    let promoted = if hits.is_empty() {
        let index = create_selected(ctx, t, value, &mut items)?;
        vec![index]
    } else {
        for &i in &hits {
            let elem = &mut items[i];
            match t.sub {
                Some(sub) => {
                    let nv = normalize_value(sub, value, ctx.tol)?;
                    let Some(obj) = elem.as_object_mut() else {
                        return Err(ScimError::InvalidPath(format!(
                            "{}: the values have no sub-attributes",
                            t.text
                        )));
                    };
                    check_writable(t, obj.get(&sub.name), nv.as_ref())?;
                    match nv {
                        Some(v) => obj.insert(sub.name.clone(), v),
                        None => obj.shift_remove(&sub.name),
                    };
                }
                None => {
                    let nv = normalize_element(t.attr, value, ctx.tol)?;
                    match (mode, nv) {
                        (Element::Merge, Some(Value::Object(n))) => {
                            if let Some(obj) = elem.as_object_mut() {
                                obj.extend(n);
                            }
                        }
                        (_, Some(n)) => *elem = n,
                        (_, None) => {
                            return Err(ScimError::InvalidValue(format!(
                                "{} requires a value",
                                t.text
                            )));
                        }
                    }
                }
            }
        }
        hits
    };
    // Elements emptied by the write disappear (RFC 7643 §2.5).
    demote_primaries(&mut items, &promoted);
    items.retain(|e| !crate::json::is_unassigned(e));
    check_primary(t.attr, &items)?;
    if !t.attr.multi_valued {
        // A filter on a single-valued complex attribute: the value is the last written.
        return set(ctx.doc, t, items.pop());
    }
    set(ctx.doc, t, Some(Value::Array(items)))
}

/// A filtered write that matched nothing: RFC 7644 §3.5.2.3 says `noTarget`;
/// with `filtered_write_creates`, the element is built from the filter's
/// equalities and the value (Entra's `emails[type eq "work"].value`).
fn create_selected(
    ctx: &mut Ctx<'_, '_>,
    t: &AttrTarget<'_>,
    value: &Value,
    items: &mut Vec<Value>,
) -> ScimResult<usize> {
    let no_target = || ScimError::NoTarget(format!("{}: no value matched the filter", t.text));
    if !ctx.tol.filtered_write_creates {
        return Err(no_target());
    }
    let filter = t.filter.as_ref().ok_or_else(no_target)?;
    let mut elem: Map<String, Value> = element_from_filter(filter).ok_or_else(no_target)?;
    match (t.sub, value) {
        (Some(sub), v) => {
            elem.insert(sub.name.clone(), v.clone());
        }
        (None, Value::Object(o)) => elem.extend(o.clone()),
        (None, _) => {
            return Err(ScimError::InvalidValue(format!(
                "{} requires an object value",
                t.text
            )))
        }
    }
    let normalized =
        normalize_element(t.attr, &Value::Object(elem), ctx.tol)?.ok_or_else(no_target)?;
    items.push(normalized);
    Ok(items.len() - 1)
}
