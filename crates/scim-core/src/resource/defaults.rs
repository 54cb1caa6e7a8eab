//! Attributes with a default value. One semantics for a User's `active`:
//! a user no client ever set `active` for is active (RFC 7643 §4.1.1 leaves
//! the default to the service provider). So that seats, filters, responses
//! and counts all agree, the value is assigned when the user is written:
//!
//! - created without `active`: `active: true`;
//! - replaced (PUT) without `active`: the value it had (RFC 7644 §3.5.1:
//!   an omitted readWrite attribute may be taken as not asserted).
//!
//! A PATCH that removes `active` removes it (RFC 7644 §3.5.2.2; SCIM
//! clients check that the attribute is gone), and documents stored before
//! this rule may lack it: filter lowering reads an absent `active` as true
//! ([`defaults_true`]), as seat counting does, so such a user is still
//! active everywhere; its representation shows what is stored.

use crate::schema::USER_SCHEMA;
use serde_json::{Map, Value};

/// (schema URN, attribute) pairs whose absent value means `true`.
const DEFAULT_TRUE: &[(&str, &str)] = &[(USER_SCHEMA, "active")];

/// Whether the core attribute `name` of the resource type whose core
/// schema is `schema` reads as `true` when absent.
pub fn defaults_true(schema: &str, name: &str) -> bool {
    DEFAULT_TRUE
        .iter()
        .any(|(s, n)| *s == schema && n.eq_ignore_ascii_case(name))
}

/// Assigns the defaults to a document being written: `old` is the stored
/// document (`None` on create), `put` whether `new` replaces it whole.
pub fn apply_defaults(
    schema: &str,
    old: Option<&Map<String, Value>>,
    new: &mut Map<String, Value>,
    put: bool,
) {
    for (s, name) in DEFAULT_TRUE {
        if *s != schema || new.contains_key(*name) {
            continue;
        }
        let kept = if put {
            old.and_then(|o| o.get(*name)).cloned()
        } else {
            None
        };
        new.insert((*name).to_string(), kept.unwrap_or(Value::Bool(true)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn active_defaults() {
        // (old, new, put, expected active)
        let table = [
            (None, json!({}), false, json!(true)),
            (None, json!({"active": false}), false, json!(false)),
            (
                Some(json!({"active": false})),
                json!({}),
                true,
                json!(false),
            ),
            (
                Some(json!({"active": false})),
                json!({}),
                false,
                json!(true),
            ),
            (Some(json!({})), json!({}), true, json!(true)),
            (
                Some(json!({"active": false})),
                json!({"active": true}),
                true,
                json!(true),
            ),
        ];
        for (old, new, put, want) in table {
            let old = old.map(m);
            let mut new = m(new);
            apply_defaults(USER_SCHEMA, old.as_ref(), &mut new, put);
            assert_eq!(new["active"], want, "{old:?} put={put}");
        }
        let mut g = Map::new();
        apply_defaults(crate::schema::GROUP_SCHEMA, None, &mut g, false);
        assert!(g.is_empty());
        assert!(defaults_true(USER_SCHEMA, "Active"));
        assert!(!defaults_true(USER_SCHEMA, "title"));
    }
}
