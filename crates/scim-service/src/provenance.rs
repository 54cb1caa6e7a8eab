//! The provenance extension: every user carries, read-only, the IdP that
//! provisioned it (`authProvider`, or `local`), the connection
//! (`provisionedBy`), when and through which connection it was last
//! changed by SCIM (`lastSyncedAt`, `lastSyncedBy`) and whether SCIM
//! manages it (`managed`). The schema is published in
//! `/Schemas` (RFC 7643 §7). A response carries it (and its URN in
//! `schemas`) when the client asks for it by name, e.g.
//! `?attributes=userName,urn:scimd:schemas:extension:provenance:2.0:User`
//! (RFC 7644 §3.9); it is not among the User resource type's
//! `schemaExtensions` (§6), which clients may write, since its values come
//! only from the record's [`scim_store::Provenance`] (a client's copy is
//! stripped from request bodies).

use scim_store::Provenance;
use serde_json::{Map, Value};

/// The schema URN of the extension.
pub const PROVENANCE_SCHEMA: &str = "urn:scimd:schemas:extension:provenance:2.0:User";

/// The `authProvider` of an account created locally (import, admin CLI).
pub const LOCAL_PROVIDER: &str = "local";

/// The schema document.
pub fn schema_json() -> Result<Value, serde_json::Error> {
    serde_json::from_str(include_str!("../schemas/provenance.json"))
}

/// The extension object of a user.
pub fn extension(p: &Provenance) -> Value {
    let mut m = Map::new();
    let provider = if p.auth_provider.is_empty() {
        LOCAL_PROVIDER
    } else {
        p.auth_provider.as_str()
    };
    m.insert("authProvider".into(), Value::String(provider.to_string()));
    if let Some(by) = &p.provisioned_by {
        m.insert("provisionedBy".into(), Value::String(by.clone()));
    }
    if let Some(at) = p.last_synced_at() {
        m.insert("lastSyncedAt".into(), Value::String(at.to_string()));
    }
    if let Some(by) = p.last_synced_by() {
        m.insert("lastSyncedBy".into(), Value::String(by.to_string()));
    }
    m.insert("managed".into(), Value::Bool(p.managed));
    Value::Object(m)
}
