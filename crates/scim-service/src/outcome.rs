//! What a SCIM resource operation did, as the domain sees it. The service
//! never chooses status codes or headers: the HTTP crate maps each
//! [`Outcome`] to its status, `ETag` and `Location` (`scim_http::response`),
//! and Bulk to the status of each operation's result (RFC 7644 §3.7.3,
//! where statuses are part of the response body).

use scim_core::resource::{ResourceId, Version};
use scim_store::ResourceKind;
use serde_json::Value;

/// A stored resource's identity and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    pub id: ResourceId,
    pub version: Version,
}

/// What a resource operation did. The representations are as the client
/// asked for them (projected).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A new resource, or a local account adopted by the connection.
    Created(ResourceRef, Value),
    /// The resource as read.
    Found(ResourceRef, Value),
    /// `If-None-Match` matched the current version: nothing to send.
    NotModified(ResourceRef),
    /// The resource after a PUT.
    Replaced(ResourceRef, Value),
    /// The resource after a PATCH.
    Patched(ResourceRef, Value),
    /// A change answered without a representation, as the connection's
    /// IdP profile prefers (Entra's group PATCH).
    Changed(ResourceRef),
    /// The resource is gone from SCIM (deleted, trashed, or disabled as the
    /// connection's delete policy says).
    Deleted(ResourceKind, ResourceId),
}

impl Outcome {
    /// The resource the outcome is about.
    pub fn kind_and_id(&self) -> (ResourceKind, &ResourceId) {
        match self {
            Outcome::Created(r, _)
            | Outcome::Found(r, _)
            | Outcome::Replaced(r, _)
            | Outcome::Patched(r, _)
            | Outcome::NotModified(r)
            | Outcome::Changed(r) => (r.kind, &r.id),
            Outcome::Deleted(kind, id) => (*kind, id),
        }
    }

    /// The version after the operation (none once deleted).
    pub fn version(&self) -> Option<Version> {
        match self {
            Outcome::Created(r, _)
            | Outcome::Found(r, _)
            | Outcome::Replaced(r, _)
            | Outcome::Patched(r, _)
            | Outcome::NotModified(r)
            | Outcome::Changed(r) => Some(r.version),
            Outcome::Deleted(..) => None,
        }
    }

    /// The representation, when the outcome carries one.
    pub fn body(&self) -> Option<&Value> {
        match self {
            Outcome::Created(_, b)
            | Outcome::Found(_, b)
            | Outcome::Replaced(_, b)
            | Outcome::Patched(_, b) => Some(b),
            _ => None,
        }
    }
}
