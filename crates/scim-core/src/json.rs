//! Small helpers over `serde_json` values: attribute lookup without regard
//! to case (RFC 7643 §2.1) and the "unassigned" test of RFC 7643 §2.5.

use serde_json::{Map, Value};

/// The value under `name` in an object, trying the exact key first and then
/// any key equal without regard to ASCII case.
pub fn get_ci<'v>(obj: &'v Value, name: &str) -> Option<&'v Value> {
    obj.as_object().and_then(|m| map_get_ci(m, name))
}

/// [`get_ci`] on a map.
pub fn map_get_ci<'v>(map: &'v Map<String, Value>, name: &str) -> Option<&'v Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// The key actually used in `map` for `name`, compared without regard to case.
pub fn map_key_ci(map: &Map<String, Value>, name: &str) -> Option<String> {
    if map.contains_key(name) {
        return Some(name.to_string());
    }
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// Mutable [`map_get_ci`].
pub fn map_get_ci_mut<'v>(map: &'v mut Map<String, Value>, name: &str) -> Option<&'v mut Value> {
    let key = map_key_ci(map, name)?;
    map.get_mut(&key)
}

/// Removes `name` (compared without regard to case) and returns its value.
pub fn map_remove_ci(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = map_key_ci(map, name)?;
    map.shift_remove(&key)
}

/// Whether a value counts as unassigned: null, an empty array, or an empty
/// object (RFC 7643 §2.5). Empty strings are assigned values.
pub fn is_unassigned(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Whether a value is present for the `pr` operator: assigned and not an empty string.
pub fn is_present(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.is_empty(),
        other => !is_unassigned(other),
    }
}
