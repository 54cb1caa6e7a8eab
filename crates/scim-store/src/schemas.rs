//! Tenants' schema extensions (RFC 7643 §7): the [`SchemaStore`]
//! supertrait of [`crate::Store`] and the stored [`ExtensionRecord`].
//!
//! A tenant defines extensions of User and Group as schema documents; the
//! service validates them ([`scim_core::schema`]) and builds each tenant's
//! registry from the records, cached until the tenant's
//! [`crate::Tenant::schema_version`] moves. Every change of a tenant's
//! extensions moves that version in its own transaction, together with
//! its audit entry, so every replica sees the change at its next request.
//!
//! Invariant: the index codes of a tenant's extension attributes
//! ([`ExtensionRecord::index`]) never change while the extension exists;
//! removing an extension removes its rows of the lookup index in the same
//! transaction.

use crate::error::{StoreError, StoreResult};
use crate::events::AuditEntry;
use crate::model::{ConnectionId, ResourceKind, TenantId};
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One extension schema of a tenant, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtensionRecord {
    /// The schema's URN as its document spells it.
    pub urn: String,
    /// The resource type it extends.
    pub kind: ResourceKind,
    pub created: Timestamp,
    pub definition: ExtensionDefinition,
}

/// What a stored extension holds besides its URN (kept as JSON text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionDefinition {
    /// Whether every resource of the type must carry it (RFC 7643 §6,
    /// `schemaExtensions.required`).
    #[serde(default)]
    pub required: bool,
    /// The lookup index's attribute code of each indexed attribute, by name.
    #[serde(default)]
    pub index: BTreeMap<String, i64>,
    /// The RFC 7643 §7 schema document as defined.
    pub schema: Value,
}

impl ExtensionDefinition {
    /// The JSON text a store keeps.
    pub fn to_text(&self) -> StoreResult<String> {
        serde_json::to_string(self)
            .map_err(|e| StoreError::Backend(format!("cannot encode a schema extension: {e}")))
    }

    /// A definition from a store's JSON text.
    pub fn from_text(text: &str) -> StoreResult<ExtensionDefinition> {
        serde_json::from_str(text)
            .map_err(|e| StoreError::Backend(format!("a stored schema extension is invalid: {e}")))
    }
}

/// The key a store keeps an extension under: its URN in lower case (URNs
/// are compared without regard to case, RFC 7643 §2.1).
pub fn urn_key(urn: &str) -> String {
    urn.to_ascii_lowercase()
}

/// The most undefined attribute names a store counts per connection.
pub const MAX_UNDEFINED_NAMES: u64 = 1000;

/// An attribute a connection sent that the tenant's schemas do not define.
#[derive(Debug, Clone, PartialEq)]
pub struct UndefinedSeen {
    /// As sent: `name`, `urn:…:name`, `parent.sub`, or a schema URN.
    pub name: String,
    /// How many writes carried it.
    pub count: u64,
    pub last_seen: Timestamp,
    /// One value, redacted by the service (its shape, not its content).
    pub example: String,
}

/// Tenants' schema extensions.
#[async_trait]
pub trait SchemaStore: Send + Sync {
    /// A tenant's extensions, in the order they were added.
    async fn schema_extensions(&self, tenant: TenantId) -> StoreResult<Vec<ExtensionRecord>>;
    /// Adds an extension and moves the tenant's schema version, with
    /// `audit`, in one transaction. A URN the tenant has is
    /// [`StoreError::Uniqueness`]; an index code it uses is too.
    async fn add_schema_extension(
        &self,
        tenant: TenantId,
        ext: &ExtensionRecord,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    /// Removes an extension (by URN, in any case) with its index rows, and
    /// moves the tenant's schema version, with `audit`, in one
    /// transaction; `false` (and nothing written) if the tenant has none.
    /// Values in resources' documents stay; the service removes them first.
    async fn remove_schema_extension(
        &self,
        tenant: TenantId,
        urn: &str,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    /// Counts undefined attributes a connection sent (name and redacted
    /// example each) at `at`: per name, how often, when last, the latest
    /// example. Names beyond [`MAX_UNDEFINED_NAMES`] per connection are not
    /// counted.
    async fn note_undefined(
        &self,
        connection: ConnectionId,
        seen: &[(String, String)],
        at: Timestamp,
    ) -> StoreResult<()>;
    /// The undefined attributes a connection of the tenant sent, by name.
    async fn undefined_attributes(
        &self,
        tenant: TenantId,
        connection: ConnectionId,
    ) -> StoreResult<Vec<UndefinedSeen>>;
}
