//! The built-in schemas, as RFC 7643 §8.7 publishes them, with one
//! amendment.
//!
//! The JSON files under `schemas/` are extracted from RFC 7643 §8.7.1 and
//! §8.7.2 by `scripts/extract-rfc-schemas.py` and stay the RFC's text. The
//! common attributes `id`, `externalId` and `meta` (RFC 7643 §3.1) are not
//! part of any published schema, so they are defined here in code.
//!
//! The amendment: the Group schema's `members` gains the sub-attribute
//! `display` (string, immutable, returned by default), which §8.7.1's text
//! omits. §8.7.1 says its representation "is intended as an example ...
//! Where permitted, individual values and schema MAY change"; §2.4 makes
//! `display` a default sub-attribute of every multi-valued attribute, with
//! a mutability of "immutable"; §4.2 and the Group example of §8.4 carry
//! `members[].display`. Publishing it lets clients that build their models
//! from `/Schemas` accept the `display` the server returns for members.
//!
//! So that `/Schemas` describes exactly what is served (the SCIM
//! interoperability profile, §5.1 and §5.4), three more:
//! - the ServiceProviderConfig schema gains what §5 of RFC 7643 defines and
//!   §8.7.2's text omits (`etag`, `authenticationSchemes.type` and
//!   `.primary`), RFC 9865's `pagination`, RFC 9967's `securityEvents` and
//!   the interop profile's `interopProfileConformant`;
//! - every multi-valued attribute's `type` has `canonicalValues`: `roles`,
//!   `entitlements` and `x509Certificates` get some (advisory, as all
//!   canonical values: other values are accepted);
//! - the User schema's `password` is not published ([`UNPUBLISHED`]): scimd
//!   stores no passwords. It stays known to the registry, so that a
//!   password sent is recognised, dropped and redacted as a secret.

use super::{AttrType, Attribute, Mutability, Returned, Schema, Uniqueness};
use crate::{ScimError, ScimResult};

/// Core User schema URN (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Core Group schema URN (RFC 7643 §4.2).
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Enterprise User extension URN (RFC 7643 §4.3).
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// Service Provider Configuration schema URN (RFC 7643 §5).
pub const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
/// Resource Type schema URN (RFC 7643 §6).
pub const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
/// Schema schema URN (RFC 7643 §7).
pub const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

const SOURCES: [&str; 6] = [
    include_str!("../../schemas/user.json"),
    include_str!("../../schemas/group.json"),
    include_str!("../../schemas/enterprise_user.json"),
    include_str!("../../schemas/service_provider_config.json"),
    include_str!("../../schemas/resource_type.json"),
    include_str!("../../schemas/schema.json"),
];

/// Parses the six published schemas, in the order User, Group, EnterpriseUser,
/// ServiceProviderConfig, ResourceType, Schema.
pub(crate) fn published() -> ScimResult<Vec<Schema>> {
    SOURCES
        .iter()
        .map(|src| {
            let v: serde_json::Value = serde_json::from_str(src)
                .map_err(|e| ScimError::Internal(format!("built-in schema JSON: {e}")))?;
            Schema::from_json(&v)
        })
        .map(|s| s.map(amend))
        .collect()
}

/// Attributes the registry knows but `/Schemas` does not publish: (schema
/// URN, attribute name).
pub const UNPUBLISHED: &[(&str, &str)] = &[(USER_SCHEMA, "password")];

fn sub_attr(name: &str, kind: AttrType, description: &str) -> Attribute {
    let mut a = Attribute::simple(name, kind);
    a.mutability = Mutability::ReadOnly;
    a.description = description.into();
    a
}

fn complex(name: &str, description: &str, subs: Vec<Attribute>) -> Attribute {
    let mut a = sub_attr(name, AttrType::Complex, description);
    a.sub_attributes = subs;
    a
}

/// The ServiceProviderConfig schema as scimd serves the configuration.
fn amend_service_provider_config(schema: &mut Schema) {
    use AttrType::{Boolean, Integer, Reference, String as Str};
    let has = |s: &Schema, n: &str| s.attributes.iter().any(|a| a.name == n);
    if !has(schema, "etag") {
        let mut supported = sub_attr("supported", Boolean, "Whether ETags are supported.");
        supported.required = true;
        let mut etag = complex(
            "etag",
            "ETag configuration options (RFC 7643 §5).",
            vec![supported],
        );
        etag.required = true;
        schema.attributes.push(etag);
    }
    if !has(schema, "pagination") {
        schema.attributes.push(complex(
            "pagination",
            "Pagination configuration options (RFC 9865 §4).",
            vec![
                sub_attr(
                    "cursor",
                    Boolean,
                    "Whether cursor-based pagination is supported.",
                ),
                sub_attr(
                    "index",
                    Boolean,
                    "Whether index-based pagination is supported.",
                ),
                sub_attr(
                    "defaultPaginationMethod",
                    Str,
                    "The method used when a request names none.",
                ),
                sub_attr(
                    "defaultPageSize",
                    Integer,
                    "The page size when a request names none.",
                ),
                sub_attr("maxPageSize", Integer, "The largest page size served."),
            ],
        ));
    }
    if !has(schema, "securityEvents") {
        let mut uris = sub_attr("eventUris", Reference, "The event URIs the server issues.");
        uris.multi_valued = true;
        uris.reference_types = vec!["uri".into()];
        schema.attributes.push(complex(
            "securityEvents",
            "Security event tokens the server issues (RFC 9967 §4); absent when none is configured.",
            vec![
                sub_attr("asyncRequest", Str, "Asynchronous request support."),
                uris,
            ],
        ));
    }
    if !has(schema, "interopProfileConformant") {
        schema.attributes.push(sub_attr(
            "interopProfileConformant",
            Boolean,
            "Whether the service provider conforms to the SCIM interoperability profile (draft-zollner-scim-interop-profile-01), for the connection of the token used.",
        ));
    }
    for a in &mut schema.attributes {
        if a.name == "authenticationSchemes" {
            if a.sub("type").is_none() {
                let mut t = sub_attr("type", Str, "The authentication scheme.");
                t.required = true;
                t.canonical_values = [
                    "oauth",
                    "oauth2",
                    "oauthbearertoken",
                    "httpbasic",
                    "httpdigest",
                ]
                .map(String::from)
                .to_vec();
                a.sub_attributes.insert(0, t);
            }
            if a.sub("primary").is_none() {
                a.sub_attributes.push(sub_attr(
                    "primary",
                    Boolean,
                    "Whether this is the preferred authentication scheme.",
                ));
            }
        }
    }
}

/// Canonical `type` values for the multi-valued attributes RFC 7643 gives
/// none.
const TYPES: &[(&str, &[&str])] = &[
    (
        "roles",
        &["work", "other", "WindowsAzureActiveDirectoryRole"],
    ),
    ("entitlements", &["work", "other"]),
    ("x509Certificates", &["work", "home", "other"]),
];

/// The amendments to the RFC's text (see the module doc): the Group
/// schema's `members.display`, after `$ref` as in RFC 7643 §8.4's example;
/// the ServiceProviderConfig schema; canonical `type` values.
fn amend(mut schema: Schema) -> Schema {
    if schema.id == SERVICE_PROVIDER_CONFIG_SCHEMA {
        amend_service_provider_config(&mut schema);
    }
    for a in &mut schema.attributes {
        let Some((_, values)) = TYPES.iter().find(|(n, _)| *n == a.name) else {
            continue;
        };
        for s in &mut a.sub_attributes {
            if s.name == "type" && s.canonical_values.is_empty() {
                s.canonical_values = values.iter().map(|v| v.to_string()).collect();
            }
        }
    }
    if schema.id != GROUP_SCHEMA {
        return schema;
    }
    for a in &mut schema.attributes {
        if a.name == "members" && a.sub("display").is_none() {
            let mut display = Attribute::simple("display", AttrType::String);
            display.mutability = Mutability::Immutable;
            display.description = "A human-readable name, primarily used for display purposes. \
                 The member's name unless the client gave one when adding it."
                .into();
            let at = a
                .sub_attributes
                .iter()
                .position(|s| s.name == "$ref")
                .map_or(a.sub_attributes.len(), |i| i + 1);
            a.sub_attributes.insert(at, display);
        }
    }
    schema
}

fn read_only(mut a: Attribute) -> Attribute {
    a.mutability = Mutability::ReadOnly;
    a
}

/// The common attributes of every resource (RFC 7643 §3.1): `id`,
/// `externalId`, `meta`, plus `schemas` (RFC 7643 §3).
pub fn common_attributes() -> Vec<Attribute> {
    let mut id = read_only(Attribute::simple("id", AttrType::String));
    id.case_exact = true;
    id.returned = Returned::Always;
    id.uniqueness = Uniqueness::Server;
    id.description =
        "Unique identifier for the SCIM resource as defined by the service provider.".into();

    let mut external_id = Attribute::simple("externalId", AttrType::String);
    external_id.case_exact = true;
    external_id.description =
        "Identifier for the resource as defined by the provisioning client.".into();

    let mut resource_type = read_only(Attribute::simple("resourceType", AttrType::String));
    resource_type.case_exact = true;
    let created = read_only(Attribute::simple("created", AttrType::DateTime));
    let last_modified = read_only(Attribute::simple("lastModified", AttrType::DateTime));
    let mut location = read_only(Attribute::simple("location", AttrType::Reference));
    location.case_exact = true;
    location.reference_types = vec!["uri".into()];
    let mut version = read_only(Attribute::simple("version", AttrType::String));
    version.case_exact = true;

    let mut meta = read_only(Attribute::simple("meta", AttrType::Complex));
    meta.description = "Resource metadata.".into();
    meta.sub_attributes = vec![resource_type, created, last_modified, location, version];

    // `schemas` is not an attribute of any schema, but filters may name it
    // (RFC 7644 §3.4.2.2: `schemas eq "urn:…:enterprise:2.0:User"`).
    let mut schemas = Attribute::simple("schemas", AttrType::Reference);
    schemas.multi_valued = true;
    schemas.returned = Returned::Always;
    schemas.reference_types = vec!["uri".into()];

    vec![id, external_id, meta, schemas]
}
