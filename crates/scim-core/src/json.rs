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

/// A hash of a JSON value that agrees with its equality: equal values
/// (objects compare without regard to key order) hash alike. For sets of
/// values in linear time.
pub fn value_hash(v: &Value) -> u64 {
    use std::hash::{Hash, Hasher};
    fn feed(v: &Value, h: &mut std::collections::hash_map::DefaultHasher) {
        match v {
            Value::Null => 0u8.hash(h),
            Value::Bool(b) => (1u8, b).hash(h),
            Value::Number(n) => (2u8, n.to_string()).hash(h),
            Value::String(s) => (3u8, s).hash(h),
            Value::Array(items) => {
                (4u8, items.len()).hash(h);
                items.iter().for_each(|i| feed(i, h));
            }
            Value::Object(m) => {
                // Order-independent: combine the entries' own hashes.
                let mut sum = 0u64;
                for (k, v) in m {
                    let mut e = std::collections::hash_map::DefaultHasher::new();
                    k.hash(&mut e);
                    feed(v, &mut e);
                    sum = sum.wrapping_add(e.finish());
                }
                (5u8, m.len(), sum).hash(h);
            }
        }
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    feed(v, &mut h);
    h.finish()
}

/// Values seen so far, by hash: `insert` is constant time on average.
#[derive(Default)]
pub struct ValueSet {
    buckets: std::collections::HashMap<u64, Vec<Value>>,
}

impl ValueSet {
    /// Adds `v`; `false` if an equal value was there already.
    pub fn insert(&mut self, v: &Value) -> bool {
        let bucket = self.buckets.entry(value_hash(v)).or_default();
        if bucket.iter().any(|x| x == v) {
            return false;
        }
        bucket.push(v.clone());
        true
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
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_hash_alike() {
        let check = |a: Value, b: Value, equal: bool| {
            assert_eq!(a == b, equal, "{a} {b}");
            if equal {
                assert_eq!(value_hash(&a), value_hash(&b), "{a} {b}");
            }
        };
        check(
            json!({"a": 1, "b": [1, "x"]}),
            json!({"b": [1, "x"], "a": 1}),
            true,
        );
        check(json!({"a": 1}), json!({"a": 2}), false);
        check(json!([1, 2]), json!([2, 1]), false);
        check(json!(1.5), json!(1.5), true);
    }

    #[test]
    fn a_value_set_keeps_each_value_once() {
        let mut s = ValueSet::default();
        assert!(s.insert(&json!({"value": "a", "type": "work"})));
        assert!(!s.insert(&json!({"type": "work", "value": "a"})));
        assert!(s.insert(&json!({"value": "a"})));
    }

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
