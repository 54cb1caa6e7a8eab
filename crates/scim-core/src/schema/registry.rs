//! The schema registry: published schemas, resource types (RFC 7643 §6) and
//! attribute resolution for one resource type.
//!
//! A [`ResourceSchema`] is the view of one resource type: its core schema,
//! its extensions and the common attributes. It resolves names with or
//! without a schema URN prefix, without regard to case (RFC 7643 §2.1),
//! against the schemas with the implied sub-attributes of RFC 7643 §2.4
//! ([`super::implied`]); [`SchemaRegistry::schemas`] hands out the schemas
//! as published.

use super::builtin::{common_attributes, published};
use super::implied::with_implied;
use super::{Attribute, Schema, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use crate::{ScimError, ScimResult};
use serde::Serialize;

/// A schema extension of a resource type (RFC 7643 §6, "schemaExtensions").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SchemaExtension {
    pub schema: String,
    pub required: bool,
}

/// A resource type (RFC 7643 §6).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceType {
    pub id: String,
    pub name: String,
    pub endpoint: String,
    pub description: String,
    pub schema: String,
    pub schema_extensions: Vec<SchemaExtension>,
}

/// All schemas and resource types a server publishes.
#[derive(Debug, Clone)]
pub struct SchemaRegistry {
    /// As published (`/Schemas`).
    schemas: Vec<Schema>,
    /// The same schemas with the implied sub-attributes, for resolution.
    effective: Vec<Schema>,
    resource_types: Vec<ResourceType>,
    common: Vec<Attribute>,
}

impl SchemaRegistry {
    /// The RFC 7643 §8.7 schemas with the `User` (plus EnterpriseUser) and
    /// `Group` resource types of RFC 7643 §8.6.
    pub fn builtin() -> ScimResult<SchemaRegistry> {
        let schemas = published()?;
        let resource_types = vec![
            ResourceType {
                id: "User".into(),
                name: "User".into(),
                endpoint: "/Users".into(),
                description: "User Account".into(),
                schema: USER_SCHEMA.into(),
                schema_extensions: vec![SchemaExtension {
                    schema: ENTERPRISE_USER_SCHEMA.into(),
                    required: false,
                }],
            },
            ResourceType {
                id: "Group".into(),
                name: "Group".into(),
                endpoint: "/Groups".into(),
                description: "Group".into(),
                schema: GROUP_SCHEMA.into(),
                schema_extensions: vec![],
            },
        ];
        Ok(SchemaRegistry {
            effective: schemas.iter().map(with_implied).collect(),
            schemas,
            resource_types,
            common: common_attributes(),
        })
    }

    /// Adds a custom extension schema, loaded from its JSON document, to a resource type.
    pub fn add_extension(
        &mut self,
        schema_json: &serde_json::Value,
        resource_type: &str,
        required: bool,
    ) -> ScimResult<()> {
        self.add_extension_schema(Schema::from_json(schema_json)?, resource_type, required)
    }

    /// Adds a parsed extension schema to a resource type (a tenant's,
    /// checked by [`super::check_extension`], with its index codes set).
    pub fn add_extension_schema(
        &mut self,
        schema: Schema,
        resource_type: &str,
        required: bool,
    ) -> ScimResult<()> {
        if self.schema(&schema.id).is_some() {
            return Err(ScimError::Uniqueness(format!(
                "schema {} already registered",
                schema.id
            )));
        }
        let rt = self
            .resource_types
            .iter_mut()
            .find(|r| r.name.eq_ignore_ascii_case(resource_type))
            .ok_or_else(|| ScimError::NotFound(format!("no resource type {resource_type}")))?;
        rt.schema_extensions.push(SchemaExtension {
            schema: schema.id.clone(),
            required,
        });
        self.effective.push(with_implied(&schema));
        self.schemas.push(schema);
        Ok(())
    }

    /// Publishes a schema in `/Schemas` without making it an extension of a
    /// resource type: for server-set, read-only data that clients read but
    /// never write (request bodies carrying it are stripped by the server).
    pub fn publish(&mut self, schema_json: &serde_json::Value) -> ScimResult<()> {
        let schema = Schema::from_json(schema_json)?;
        if self.schema(&schema.id).is_some() {
            return Err(ScimError::Uniqueness(format!(
                "schema {} already registered",
                schema.id
            )));
        }
        self.effective.push(with_implied(&schema));
        self.schemas.push(schema);
        Ok(())
    }

    /// Marks an attribute as stored outside the resource document (for
    /// example group `members`, kept in a membership table). The PATCH engine
    /// turns operations on such attributes into [`crate::patch::ExternalOp`]s.
    pub fn mark_external(&mut self, schema: &str, attribute: &str) -> ScimResult<()> {
        for list in [&mut self.schemas, &mut self.effective] {
            let s = list
                .iter_mut()
                .find(|s| s.id.eq_ignore_ascii_case(schema))
                .ok_or_else(|| ScimError::NotFound(format!("no schema {schema}")))?;
            let a = s
                .attributes
                .iter_mut()
                .find(|a| a.name.eq_ignore_ascii_case(attribute))
                .ok_or_else(|| ScimError::NotFound(format!("no attribute {attribute}")))?;
            a.external = true;
        }
        Ok(())
    }

    /// All schemas, in publication order.
    pub fn schemas(&self) -> &[Schema] {
        &self.schemas
    }

    /// The schema with this URN (compared without regard to case), as published.
    pub fn schema(&self, urn: &str) -> Option<&Schema> {
        self.schemas.iter().find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// The schema with this URN with the implied sub-attributes of RFC 7643 §2.4.
    fn effective(&self, urn: &str) -> Option<&Schema> {
        self.effective
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// All resource types.
    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// The common attributes (`id`, `externalId`, `meta`).
    pub fn common(&self) -> &[Attribute] {
        &self.common
    }

    /// The view of one resource type, by name (`User`, `Group`).
    pub fn view(&self, resource_type: &str) -> Option<ResourceSchema<'_>> {
        let rt = self
            .resource_types
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(resource_type))?;
        let core = self.effective(&rt.schema)?;
        let extensions = rt
            .schema_extensions
            .iter()
            .filter_map(|e| self.effective(&e.schema).map(|s| (s, e.required)))
            .collect();
        Some(ResourceSchema {
            resource_type: rt,
            core,
            extensions,
            common: &self.common,
        })
    }
}

/// Where a resolved attribute is defined.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Owner<'a> {
    /// A common attribute (`id`, `externalId`, `meta`): top level of the resource.
    Common,
    /// The resource type's core schema: top level of the resource.
    Core,
    /// An extension schema: inside the object keyed by the schema URN.
    Extension(&'a Schema),
}

/// A resolved top-level attribute and, where the path names one, its sub-attribute.
#[derive(Debug, Clone, Copy)]
pub struct Resolved<'a> {
    pub owner: Owner<'a>,
    pub attr: &'a Attribute,
    pub sub: Option<&'a Attribute>,
}

impl<'a> Resolved<'a> {
    /// The attribute whose type and characteristics govern a value at this path.
    pub fn leaf(&self) -> &'a Attribute {
        self.sub.unwrap_or(self.attr)
    }

    /// The URN of the extension holding the attribute, if any.
    pub fn extension_urn(&self) -> Option<&'a str> {
        match self.owner {
            Owner::Extension(s) => Some(s.id.as_str()),
            _ => None,
        }
    }
}

/// The schemas of one resource type.
#[derive(Debug, Clone)]
pub struct ResourceSchema<'a> {
    pub resource_type: &'a ResourceType,
    pub core: &'a Schema,
    pub extensions: Vec<(&'a Schema, bool)>,
    pub common: &'a [Attribute],
}

impl<'a> ResourceSchema<'a> {
    /// The extension schema with this URN, if the resource type has it.
    pub fn extension(&self, urn: &str) -> Option<&'a Schema> {
        self.extensions
            .iter()
            .map(|(s, _)| *s)
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Whether `urn` is the core schema or one of the extensions.
    pub fn knows_schema(&self, urn: &str) -> bool {
        self.core.id.eq_ignore_ascii_case(urn) || self.extension(urn).is_some()
    }

    /// Resolves a top-level attribute, optionally qualified by a schema URN.
    /// Unqualified names try the common attributes, the core schema, then the
    /// extensions in order.
    pub fn resolve_top(&self, urn: Option<&str>, name: &str) -> Option<(Owner<'a>, &'a Attribute)> {
        let find =
            |attrs: &'a [Attribute]| attrs.iter().find(|a| a.name.eq_ignore_ascii_case(name));
        match urn {
            Some(u) if self.core.id.eq_ignore_ascii_case(u) => find(self.common)
                .map(|a| (Owner::Common, a))
                .or_else(|| find(&self.core.attributes).map(|a| (Owner::Core, a))),
            Some(u) => {
                let ext = self.extension(u)?;
                find(&ext.attributes).map(|a| (Owner::Extension(ext), a))
            }
            None => find(self.common)
                .map(|a| (Owner::Common, a))
                .or_else(|| find(&self.core.attributes).map(|a| (Owner::Core, a)))
                .or_else(|| {
                    self.extensions
                        .iter()
                        .find_map(|(s, _)| find(&s.attributes).map(|a| (Owner::Extension(s), a)))
                }),
        }
    }

    /// Resolves an attribute path (`urn:…:name.sub`). `None` when any part is unknown.
    pub fn resolve(&self, path: &crate::path::AttrPath) -> Option<Resolved<'a>> {
        let (owner, attr) = self.resolve_top(path.urn.as_deref(), &path.name)?;
        let sub = match &path.sub {
            Some(s) => Some(attr.sub(s)?),
            None => None,
        };
        Some(Resolved { owner, attr, sub })
    }
}
