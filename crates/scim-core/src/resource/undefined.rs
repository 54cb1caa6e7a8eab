//! The attributes and schema URIs of a create or replace body that the
//! resource type's schemas do not define (issue 18's "nothing dropped
//! without a trace"): what a connection's policy rejects, drops with a
//! note in the audit log, or keeps as the resource's raw attributes.
//!
//! Resolution is [`super::normalize`]'s: names without regard to case,
//! qualified by a URN or not, extension objects keyed by their URN; an
//! unqualified name an extension defines counts as defined whatever the
//! tolerances say. Names are reported as sent: `name`, `urn:…:name`,
//! `parent.sub` for a sub-attribute, a URN for an unknown extension object
//! or a URN listed in `schemas`.

use crate::path::AttrPath;
use crate::schema::{Attribute, ResourceSchema};
use serde_json::{Map, Value};

/// The most undefined attributes reported of one body.
pub const MAX_UNDEFINED: usize = 100;

/// One undefined attribute (or schema URI) of a body, with what was sent.
#[derive(Debug, Clone, PartialEq)]
pub struct Undefined {
    pub name: String,
    pub value: Value,
    /// Whether the body carries it at its top level (a key, or a URN in
    /// `schemas`), so that dropping it means removing that key.
    pub top: bool,
}

/// The undefined attributes of `body` for `view`, at most [`MAX_UNDEFINED`].
pub fn undefined(body: &Value, view: &ResourceSchema<'_>) -> Vec<Undefined> {
    let mut out = Vec::new();
    let Some(obj) = body.as_object() else {
        return out;
    };
    let mut push = |out: &mut Vec<Undefined>, name: String, value: &Value, top: bool| {
        if out.len() < MAX_UNDEFINED && !out.iter().any(|u: &Undefined| u.name == name) {
            out.push(Undefined {
                name,
                value: value.clone(),
                top,
            });
        }
    };
    for (key, value) in obj {
        if value.is_null() {
            continue;
        }
        if key.eq_ignore_ascii_case("schemas") {
            for urn in value
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !view.knows_schema(urn) && !obj.keys().any(|k| k.eq_ignore_ascii_case(urn)) {
                    push(&mut out, urn.to_string(), &Value::String(urn.into()), true);
                }
            }
            continue;
        }
        if let Some(ext) = view.extension(key) {
            if let Some(ext_obj) = value.as_object() {
                for (name, v) in ext_obj {
                    let qualified = format!("{}:{name}", ext.id);
                    match ext.attribute(name) {
                        Some(attr) => subs(&qualified, attr, v, &mut out, &mut push),
                        None if !v.is_null() => push(&mut out, qualified, v, false),
                        None => {}
                    }
                }
            }
            continue;
        }
        let resolved = match AttrPath::parse(key) {
            Ok(p) if p.sub.is_none() => view.resolve_top(p.urn.as_deref(), &p.name),
            Ok(p) => view.resolve(&p).map(|r| (r.owner, r.attr)),
            Err(_) => None,
        };
        match resolved {
            Some((_, attr)) => subs(key, attr, value, &mut out, &mut push),
            None => push(&mut out, key.clone(), value, true),
        }
    }
    out
}

type Push<'p> = dyn FnMut(&mut Vec<Undefined>, String, &Value, bool) + 'p;

/// The undefined sub-attributes of a complex attribute's value(s).
fn subs(
    prefix: &str,
    attr: &Attribute,
    value: &Value,
    out: &mut Vec<Undefined>,
    push: &mut Push<'_>,
) {
    if !attr.is_complex() {
        return;
    }
    let items: Vec<&Value> = match value {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    for item in items {
        let Some(m) = item.as_object() else { continue };
        for (k, v) in m {
            if attr.sub(k).is_none() && !v.is_null() {
                push(out, format!("{prefix}.{k}"), v, false);
            }
        }
    }
}

/// `body` without its top-level undefined keys and `schemas` entries
/// (what is left inside defined attributes goes by the tolerances).
pub fn without_undefined(body: &Value, undefined: &[Undefined]) -> Value {
    let Some(obj) = body.as_object() else {
        return body.clone();
    };
    let gone = |k: &str| undefined.iter().any(|u| u.top && u.name == k);
    let mut out = Map::with_capacity(obj.len());
    for (k, v) in obj {
        if gone(k) {
            continue;
        }
        if k.eq_ignore_ascii_case("schemas") {
            if let Value::Array(items) = v {
                let kept = items
                    .iter()
                    .filter(|i| !i.as_str().is_some_and(&gone))
                    .cloned()
                    .collect();
                out.insert(k.clone(), Value::Array(kept));
                continue;
            }
        }
        out.insert(k.clone(), v.clone());
    }
    Value::Object(out)
}

/// Undefined attributes as one object, name to value (a resource's raw
/// attributes).
pub fn as_object(undefined: &[Undefined]) -> Map<String, Value> {
    undefined
        .iter()
        .map(|u| (u.name.clone(), u.value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaRegistry;
    use serde_json::json;

    fn check(body: Value, expected: &[&str]) {
        let reg = SchemaRegistry::builtin().unwrap();
        let view = reg.view("User").unwrap();
        let got: Vec<String> = undefined(&body, &view)
            .into_iter()
            .map(|u| u.name)
            .collect();
        assert_eq!(got, expected, "{body}");
    }

    #[test]
    fn undefined_attributes() {
        let ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
        let custom = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User";
        check(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a", "USERNAME": "b", "id": "x", "meta": {}}),
            &[],
        );
        check(
            json!({"userName": "a", "nickname2": "n", "costCenter": "7"}),
            &["nickname2"],
        );
        check(
            json!({"userName": "a", "name": {"givenName": "A", "middle2": "M"}, "emails": [{"value": "a@x", "label": "l"}]}),
            &["name.middle2", "emails.label"],
        );
        check(
            json!({ent: {"department": "D", "floor": 3}}),
            &[&format!("{ent}:floor")],
        );
        check(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", custom], custom: {"costCenter": "42"}}),
            &[custom],
        );
        check(json!({"schemas": [custom]}), &[custom]);
        check(
            json!({"urn:ietf:params:scim:schemas:core:2.0:User:userName": "a", "name.givenName": "x"}),
            &[],
        );
        check(json!({"userName": "a", "x": null}), &[]);
    }

    #[test]
    fn without_top_level_undefined() {
        let custom = "urn:x:Custom";
        let body = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", custom], custom: {"a": 1}, "userName": "u", "odd": 1});
        let reg = SchemaRegistry::builtin().unwrap();
        let u = undefined(&body, &reg.view("User").unwrap());
        assert_eq!(
            without_undefined(&body, &u),
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "u"})
        );
        assert_eq!(
            Value::Object(as_object(&u)),
            json!({custom: {"a": 1}, "odd": 1})
        );
    }
}
