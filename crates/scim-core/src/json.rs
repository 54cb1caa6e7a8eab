//! Small helpers over `serde_json` values: attribute lookup without regard
//! to case (RFC 7643 §2.1), the "unassigned" test of RFC 7643 §2.5, and
//! the bound on one value's size ([`oversize`]).

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

/// The first string in `v` (a value, or an object's key) longer than `max`
/// bytes: where it is (a JSON pointer, each part cut to 64 characters) and
/// its length.
pub fn oversize(v: &Value, max: usize) -> Option<(String, usize)> {
    fn part(s: &str) -> String {
        let cut: String = s.chars().take(64).collect();
        let cut = cut.replace('~', "~0").replace('/', "~1");
        if cut.len() < s.len() {
            format!("{cut}…")
        } else {
            cut
        }
    }
    fn walk(v: &Value, max: usize, at: &mut Vec<String>) -> Option<(String, usize)> {
        let here = |at: &[String]| format!("/{}", at.join("/"));
        match v {
            Value::String(s) if s.len() > max => Some((here(at), s.len())),
            Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
                at.push(i.to_string());
                let found = walk(item, max, at);
                at.pop();
                found
            }),
            Value::Object(m) => m.iter().find_map(|(k, item)| {
                at.push(part(k));
                let found = if k.len() > max {
                    Some((here(at), k.len()))
                } else {
                    walk(item, max, at)
                };
                at.pop();
                found
            }),
            _ => None,
        }
    }
    walk(v, max, &mut Vec::new())
}

#[cfg(test)]
mod size_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_oversize_string_is_found() {
        let v = json!({"a": "x", "Operations": [{"value": {"title": "y".repeat(11)}}]});
        assert_eq!(
            oversize(&v, 10),
            Some(("/Operations/0/value/title".into(), 11))
        );
        assert_eq!(oversize(&v, 11), None);
        let key = json!({"k/".repeat(50): 1});
        let (at, n) = oversize(&key, 10).unwrap();
        assert_eq!(n, 100);
        assert!(at.starts_with("/k~1k~1") && at.ends_with('…'), "{at}");
    }
}
