//! The structured diff an audit entry keeps: `[{"op", "path", "old",
//! "new"}]` between two documents, secrets redacted by the schemas;
//! multi-valued attributes compared as multisets (the values added and
//! removed, at most [`DIFF_VALUES_CAP`] listed), in linear time.

use super::secrets;
use scim_core::redact::{Scope, Secrets};
use serde_json::{json, Map, Value};

fn diff_into(
    prefix: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    scope: Scope<'_>,
    out: &mut Vec<Value>,
) {
    for (k, n) in new {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let at = scope.child(k);
        match old.get(k) {
            None => out.push(listed("add", &path, "new", at.redact(n))),
            Some(o) if o == n => {}
            Some(Value::Object(om)) if n.is_object() && !at.is_secret() => {
                if let Value::Object(nm) = n {
                    diff_into(&path, om, nm, at, out);
                }
            }
            Some(Value::Array(oa)) if n.is_array() && !at.is_secret() => {
                if let Value::Array(na) = n {
                    let (added, removed) = values_changed(oa, na);
                    if !removed.is_empty() {
                        let gone = at.redact(&Value::Array(removed));
                        out.push(listed("remove", &path, "old", gone));
                    }
                    if !added.is_empty() {
                        let came = at.redact(&Value::Array(added));
                        out.push(listed("add", &path, "new", came));
                    }
                }
            }
            Some(o) => out.push(
                json!({"op": "replace", "path": path, "old": at.redact(o), "new": at.redact(n)}),
            ),
        }
    }
    for (k, o) in old {
        if !new.contains_key(k) {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            out.push(listed("remove", &path, "old", scope.child(k).redact(o)));
        }
    }
}

/// The most values of one multi-valued attribute a diff change lists;
/// `more` counts those left out (a write of 35,000 emails keeps a diff of
/// kilobytes, not megabytes).
pub const DIFF_VALUES_CAP: usize = 100;

/// A diff change whose `field` holds `value`, an array cut to
/// [`DIFF_VALUES_CAP`] values.
fn listed(op: &str, path: &str, field: &str, value: Value) -> Value {
    let mut change = json!({"op": op, "path": path});
    match value {
        Value::Array(mut items) if items.len() > DIFF_VALUES_CAP => {
            let more = items.len() - DIFF_VALUES_CAP;
            items.truncate(DIFF_VALUES_CAP);
            change[field] = Value::Array(items);
            change["more"] = json!(more);
        }
        other => change[field] = other,
    }
    change
}

/// The values of a multi-valued attribute a write added and removed (as
/// multisets: order is no change), in linear time.
fn values_changed(old: &[Value], new: &[Value]) -> (Vec<Value>, Vec<Value>) {
    let mut count: std::collections::HashMap<String, isize> =
        std::collections::HashMap::with_capacity(old.len());
    for v in old {
        *count.entry(canonical(v)).or_default() += 1;
    }
    let mut added = Vec::new();
    for v in new {
        match count.get_mut(&canonical(v)) {
            Some(c) if *c > 0 => *c -= 1,
            _ => added.push(v.clone()),
        }
    }
    let mut removed = Vec::new();
    for v in old.iter().rev() {
        if let Some(c) = count.get_mut(&canonical(v)) {
            if *c > 0 {
                *c -= 1;
                removed.push(v.clone());
            }
        }
    }
    removed.reverse();
    (added, removed)
}

/// A value's JSON text with object keys in order, so that equal values
/// written with their keys in another order compare equal.
fn canonical(v: &Value) -> String {
    fn put(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    put(&m[k.as_str()], out);
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    put(x, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut out = String::new();
    put(v, &mut out);
    out
}

/// What changed between two documents: `[{"op", "path", "old", "new"}]`,
/// secrets redacted by the built-in schemas.
pub fn diff(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<Value> {
    diff_by(secrets(), old, new)
}

/// [`diff`] with secrets redacted by `secrets` (a tenant's schemas).
pub fn diff_by(
    secrets: &Secrets,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) -> Vec<Value> {
    let mut out = Vec::new();
    diff_into("", old, new, secrets.top(), &mut out);
    out
}

/// The attribute names a diff touches (the "notice" form's `attributes`).
pub fn touched(diff: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = diff
        .iter()
        .filter_map(|d| d.get("path").and_then(Value::as_str))
        .map(|p| p.split('.').next().unwrap_or(p).to_string())
        .collect();
    names.dedup();
    names
}
