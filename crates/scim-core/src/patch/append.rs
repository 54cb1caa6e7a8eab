//! Appending to a multi-valued attribute (`add` without a filter), in time
//! linear in the values: an element equal to one already there is skipped,
//! one that is the same value with other details ([`same_element`]) updates
//! it in place, others go at the end; then, as RFC 7643 §2.4 asks, a new
//! `primary` value demotes the one before it.
//!
//! [`Appender`] keeps its indexes across operations, so that a run of
//! `add` operations on one attribute ([`super::coalesce`]) costs the run,
//! not the run times the attribute, with the same outcome as the operations
//! one by one.

use super::slot::{check_writable, current, same_element, set};
use super::target::AttrTarget;
use super::Ctx;
use crate::json::value_hash;
use crate::resource::normalize_value;
use crate::{ScimError, ScimResult};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

fn is_primary(v: &Value) -> bool {
    v.get("primary").and_then(Value::as_bool) == Some(true)
}

/// The elements of a multi-valued attribute, indexed for appending.
pub(crate) struct Appender {
    items: Vec<Value>,
    /// Positions by the hash of the whole element.
    whole: HashMap<u64, Vec<usize>>,
    /// Positions by the hash of the element's `value` sub-attribute.
    by_value: HashMap<u64, Vec<usize>>,
    /// Positions of the elements that say `primary: true`.
    primaries: BTreeSet<usize>,
}

impl Appender {
    pub(crate) fn new(items: Vec<Value>) -> Appender {
        let mut a = Appender {
            items: Vec::new(),
            whole: HashMap::new(),
            by_value: HashMap::new(),
            primaries: BTreeSet::new(),
        };
        for (i, e) in items.iter().enumerate() {
            a.index(i, e);
        }
        a.items = items;
        a
    }

    fn index(&mut self, i: usize, e: &Value) {
        self.whole.entry(value_hash(e)).or_default().push(i);
        if let Some(v) = e.get("value") {
            self.by_value.entry(value_hash(v)).or_default().push(i);
        }
        if is_primary(e) {
            self.primaries.insert(i);
        }
    }

    /// Appends the values of one operation (already normalized).
    pub(crate) fn op(&mut self, attr_name: &str, new: Vec<Value>) -> ScimResult<()> {
        let mut promoted = Vec::new();
        for n in new {
            let h = value_hash(&n);
            if self
                .whole
                .get(&h)
                .is_some_and(|at| at.iter().any(|&i| self.items[i] == n))
            {
                continue;
            }
            // Only an element with a `value` can be the same value with
            // other details (one without is the same only when equal).
            let same = n.get("value").and_then(|v| {
                self.by_value
                    .get(&value_hash(v))?
                    .iter()
                    .copied()
                    .filter(|&i| same_element(&self.items[i], &n))
                    .min()
            });
            let at = match same {
                Some(i) => {
                    let old = value_hash(&self.items[i]);
                    if let Some(at) = self.whole.get_mut(&old) {
                        at.retain(|&j| j != i);
                    }
                    self.primaries.remove(&i);
                    if is_primary(&n) {
                        self.primaries.insert(i);
                    }
                    self.whole.entry(h).or_default().push(i);
                    self.items[i] = n;
                    i
                }
                None => {
                    let i = self.items.len();
                    self.index(i, &n);
                    self.items.push(n);
                    i
                }
            };
            promoted.push(at);
        }
        // The last new value that is primary stays so; the others are demoted.
        let keep = promoted
            .iter()
            .rev()
            .copied()
            .find(|&i| self.primaries.contains(&i));
        if let Some(keep) = keep {
            for j in std::mem::take(&mut self.primaries) {
                if j == keep {
                    continue;
                }
                let old = value_hash(&self.items[j]);
                if let Some(obj) = self.items[j].as_object_mut() {
                    obj.insert("primary".into(), Value::Bool(false));
                }
                if let Some(at) = self.whole.get_mut(&old) {
                    at.retain(|&x| x != j);
                }
                self.whole
                    .entry(value_hash(&self.items[j]))
                    .or_default()
                    .push(j);
            }
            self.primaries.insert(keep);
        }
        if self.primaries.len() > 1 {
            return Err(ScimError::InvalidValue(format!(
                "more than one {attr_name} value has \"primary\": true"
            )));
        }
        Ok(())
    }

    pub(crate) fn into_items(self) -> Vec<Value> {
        self.items
    }
}

/// The values of an operation on a multi-valued attribute, normalized.
pub(crate) fn new_items(
    ctx: &Ctx<'_, '_>,
    t: &AttrTarget<'_>,
    value: &Value,
) -> ScimResult<Vec<Value>> {
    Ok(match normalize_value(t.attr, value, ctx.tol)? {
        Some(Value::Array(a)) => a,
        Some(v) => vec![v],
        None => Vec::new(),
    })
}

/// Appends the values of several `add` operations on `t`, one after the
/// other.
pub(crate) fn append(
    ctx: &mut Ctx<'_, '_>,
    t: &AttrTarget<'_>,
    values: &[&Value],
) -> ScimResult<()> {
    let mut batches = Vec::with_capacity(values.len());
    for v in values {
        batches.push(new_items(ctx, t, v)?);
    }
    let cur = current(ctx.doc, t);
    let mut app = Appender::new(match cur.cloned() {
        Some(Value::Array(a)) => a,
        Some(v) => vec![v],
        None => Vec::new(),
    });
    for batch in batches {
        app.op(&t.attr.name, batch)?;
    }
    let new = Value::Array(app.into_items());
    let cur = current(ctx.doc, t);
    if cur.is_some() && cur != Some(&new) {
        check_writable(t, cur, Some(&new))?;
    }
    set(ctx.doc, t, Some(new))
}
