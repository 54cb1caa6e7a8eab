//! A tenant's extension schemas (RFC 7643 §7 documents that extend User or
//! Group, RFC 7643 §6 `schemaExtensions`): what scimd accepts of one.
//!
//! Besides the structural checks of [`Schema::from_json`], a tenant's
//! extension:
//! - has an `urn:` id that names no schema scimd serves (the core schemas,
//!   the Enterprise User extension, the discovery schemas, its own);
//! - holds at most [`MAX_ATTRIBUTES`] attributes (sub-attributes counted);
//! - indexes (scimd's `"indexed": true`, never published) or makes unique
//!   (`uniqueness` `server` or `global`) only top-level attributes of type
//!   string or reference, compared by the stores' index;
//! - gives `canonicalValues` only to string and reference attributes.

use super::{AttrType, Attribute, Schema, Uniqueness};
use crate::{ScimError, ScimResult};

/// The most attributes (sub-attributes counted) one extension defines.
pub const MAX_ATTRIBUTES: usize = 200;

/// The longest extension document accepted, in bytes of JSON.
pub const MAX_DOCUMENT_BYTES: usize = 256 * 1024;

/// Whether an attribute has rows in the stores' lookup index.
pub fn wants_index(a: &Attribute) -> bool {
    a.indexed || a.uniqueness != Uniqueness::None
}

/// Parses and checks a tenant's extension schema document.
pub fn check_extension(
    doc: &serde_json::Value,
    builtin: &super::SchemaRegistry,
) -> ScimResult<Schema> {
    let schema = Schema::from_json(doc)?;
    if builtin.schema(&schema.id).is_some() {
        return Err(ScimError::InvalidValue(format!(
            "{} is a schema scimd defines",
            schema.id
        )));
    }
    if schema.id.len() > 512 {
        return Err(ScimError::InvalidValue("the schema id is too long".into()));
    }
    let count: usize = schema
        .attributes
        .iter()
        .map(|a| 1 + a.sub_attributes.len())
        .sum();
    if count > MAX_ATTRIBUTES {
        return Err(ScimError::InvalidValue(format!(
            "an extension holds at most {MAX_ATTRIBUTES} attributes"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for a in &schema.attributes {
        if !seen.insert(a.name.to_ascii_lowercase()) {
            return Err(ScimError::InvalidValue(format!(
                "attribute {:?} is defined twice",
                a.name
            )));
        }
        check_attribute(a, true)?;
        for s in &a.sub_attributes {
            check_attribute(s, false)?;
        }
    }
    Ok(schema)
}

fn check_attribute(a: &Attribute, top: bool) -> ScimResult<()> {
    let textual = matches!(a.kind, AttrType::String | AttrType::Reference);
    if wants_index(a) && !(top && textual) {
        return Err(ScimError::InvalidValue(format!(
            "attribute {:?}: only top-level string and reference attributes can be indexed or unique",
            a.name
        )));
    }
    if !a.canonical_values.is_empty() && !textual {
        return Err(ScimError::InvalidValue(format!(
            "attribute {:?}: canonicalValues need a string or reference type",
            a.name
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(doc: serde_json::Value, expected: Result<(), &str>) {
        let reg = crate::schema::SchemaRegistry::builtin().unwrap();
        let got = check_extension(&doc, &reg)
            .map(|_| ())
            .map_err(|e| e.detail().to_string());
        match (got, expected) {
            (Ok(()), Ok(())) => {}
            (Err(e), Err(want)) => assert!(e.contains(want), "{e} lacks {want}"),
            (got, want) => panic!("{doc}: {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn extensions() {
        let urn = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User";
        check(
            json!({"id": urn, "attributes": [{"name": "costCenter", "type": "string", "uniqueness": "server", "indexed": true}]}),
            Ok(()),
        );
        check(
            json!({"id": "urn:ietf:params:scim:schemas:core:2.0:User", "attributes": []}),
            Err("scimd defines"),
        );
        check(
            json!({"id": "not-a-urn", "attributes": []}),
            Err("not a URN"),
        );
        check(
            json!({"id": urn, "attributes": [{"name": "level", "type": "integer", "indexed": true}]}),
            Err("only top-level string"),
        );
        check(
            json!({"id": urn, "attributes": [{"name": "a", "type": "complex", "subAttributes": [{"name": "b", "uniqueness": "server"}]}]}),
            Err("only top-level string"),
        );
        check(
            json!({"id": urn, "attributes": [{"name": "a"}, {"name": "A"}]}),
            Err("defined twice"),
        );
        check(
            json!({"id": urn, "attributes": [{"name": "a", "type": "bogus"}]}),
            Err("invalid schema document"),
        );
        check(
            json!({"id": urn, "attributes": [{"name": "a.b"}]}),
            Err("invalid attribute name"),
        );
    }

    #[test]
    fn indexed_is_never_published() {
        let reg = crate::schema::SchemaRegistry::builtin().unwrap();
        let s = check_extension(
            &json!({"id": "urn:x:y", "attributes": [{"name": "a", "indexed": true}]}),
            &reg,
        )
        .unwrap();
        assert!(s.attributes[0].indexed);
        let published = serde_json::to_value(&s).unwrap();
        assert!(published["attributes"][0].get("indexed").is_none());
    }
}
