//! The schema model: attribute definitions, schemas, resource types and the registry.
//!
//! RFC 7643 §2 (attribute characteristics), §3.1 (common attributes `id`,
//! `externalId`, `meta`), §6 (resource types), §7 (schema definitions) and
//! §8.7 (the published User, Group, EnterpriseUser and service provider schemas),
//! and the default sub-attributes of multi-valued attributes (§2.4) that
//! resolution implies where a published schema omits them.
//!
//! Invariant: attribute names are matched without regard to case everywhere
//! (RFC 7643 §2.1); the registry hands out the canonical spelling.

mod attribute;
mod builtin;
mod extension;
mod implied;
mod registry;

pub use attribute::{AttrType, Attribute, Mutability, Returned, Uniqueness};
pub use builtin::{
    common_attributes, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA,
    SERVICE_PROVIDER_CONFIG_SCHEMA, UNPUBLISHED, USER_SCHEMA,
};
pub use extension::{check_extension, wants_index, MAX_ATTRIBUTES, MAX_DOCUMENT_BYTES};
pub use registry::{
    Owner, Resolved, ResourceSchema, ResourceType, SchemaExtension, SchemaRegistry,
};

use serde::{Deserialize, Serialize};

/// A schema definition (RFC 7643 §7): a URN id and its attributes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schema {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub attributes: Vec<Attribute>,
}

impl Schema {
    /// The top-level attribute with this name, compared without regard to case.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Parses a schema from its JSON representation (RFC 7643 §7).
    pub fn from_json(value: &serde_json::Value) -> crate::ScimResult<Schema> {
        let schema: Schema = serde_json::from_value(value.clone()).map_err(|e| {
            crate::ScimError::InvalidSyntax(format!("invalid schema document: {e}"))
        })?;
        if !schema.id.to_ascii_lowercase().starts_with("urn:") {
            return Err(crate::ScimError::InvalidValue(format!(
                "schema id {:?} is not a URN",
                schema.id
            )));
        }
        for a in &schema.attributes {
            check_attribute(a, 0)?;
        }
        Ok(schema)
    }
}

/// Structural checks on a loaded attribute definition.
fn check_attribute(a: &Attribute, depth: usize) -> crate::ScimResult<()> {
    let bad = |m: String| Err(crate::ScimError::InvalidValue(m));
    if a.name.is_empty() || a.name.contains(['.', ':', '[', ']', ' ', '"']) {
        return bad(format!("invalid attribute name {:?}", a.name));
    }
    if a.kind == AttrType::Complex {
        // RFC 7643 §2.3.8 forbids nesting complex attributes, but its own
        // Schema schema (§8.7.2) nests `subAttributes` in `attributes`: allow
        // that one level, no deeper.
        if depth > 1 {
            return bad(format!("complex attribute {:?} nested too deeply", a.name));
        }
        for s in &a.sub_attributes {
            check_attribute(s, depth + 1)?;
        }
    } else if !a.sub_attributes.is_empty() {
        return bad(format!(
            "attribute {:?} has sub-attributes but is not complex",
            a.name
        ));
    }
    Ok(())
}
