//! Records the stores keep: tenants, connections, tokens and resources.

use crate::error::{StoreError, StoreResult};
use crate::events::Journal;
use crate::policy::{ConnectionPolicy, Provenance, TenantSettings};
pub use scim_core::profile::Profile;
use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use serde_json::{Map, Value};
use std::fmt;

/// A tenant's database key. Only stores create these, from their own rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(i64);

impl TenantId {
    /// For storage backends: wraps a key read from the database.
    pub fn from_db(key: i64) -> TenantId {
        TenantId(key)
    }

    /// For storage backends: the database key.
    pub fn db_key(self) -> i64 {
        self.0
    }
}

/// A connection's database key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(i64);

impl ConnectionId {
    /// For storage backends: wraps a key read from the database.
    pub fn from_db(key: i64) -> ConnectionId {
        ConnectionId(key)
    }

    /// For storage backends: the database key.
    pub fn db_key(self) -> i64 {
        self.0
    }
}

/// A tenant (workspace).
#[derive(Debug, Clone, PartialEq)]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub created: Timestamp,
    pub settings: TenantSettings,
    /// Moves with every change of the tenant's schema extensions
    /// ([`crate::schemas`]): what a cache of its schemas compares.
    pub schema_version: i64,
}

/// An IdP connection of a tenant. Tokens belong to connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub id: ConnectionId,
    pub tenant: TenantId,
    pub name: String,
    /// The IdP profile (stored as its name: `auto`, `entra`, `okta`,
    /// `onelogin`, `jumpcloud`, `strict`; see [`profile_of`]).
    pub profile: Profile,
    pub policy: ConnectionPolicy,
    pub created: Timestamp,
}

/// For storage backends: the profile a connection row names in its text
/// column. A name that is no profile (a newer release's, or a corrupted
/// row) is refused, never read as another profile.
pub fn profile_of(text: &str) -> StoreResult<Profile> {
    Profile::parse(text).map_err(|_| {
        StoreError::Backend(format!(
            "a connection names the unknown IdP profile {text:?}"
        ))
    })
}

/// A connection's changeable fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionUpdate {
    pub name: String,
    pub profile: Profile,
    pub policy: ConnectionPolicy,
}

/// A bearer token as stored: only its hash, never the secret.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub id: i64,
    pub tenant: TenantId,
    pub connection: ConnectionId,
    pub name: String,
    /// The first characters of the token, to recognise it in listings.
    pub prefix: String,
    /// SHA-256 of the token.
    pub hash: Vec<u8>,
    pub created: Timestamp,
    pub expires: Option<Timestamp>,
    pub revoked: Option<Timestamp>,
    /// When it last authenticated a request, to the minute: the service
    /// records a use at most once a minute per token ([`crate::Store::touch_token`]).
    pub last_used: Option<Timestamp>,
}

/// A token with the connection and tenant it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    pub token: TokenRecord,
    pub connection: Connection,
    pub tenant: Tenant,
}

/// A new token to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewToken {
    pub tenant: TenantId,
    pub connection: ConnectionId,
    pub name: String,
    pub prefix: String,
    pub hash: Vec<u8>,
    pub created: Timestamp,
    pub expires: Option<Timestamp>,
}

/// The resource types scimd stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    User,
    Group,
}

impl ResourceKind {
    /// The resource type name (`User`, `Group`).
    pub fn name(self) -> &'static str {
        match self {
            ResourceKind::User => "User",
            ResourceKind::Group => "Group",
        }
    }

    /// The endpoint (`/Users`, `/Groups`).
    pub fn endpoint(self) -> &'static str {
        match self {
            ResourceKind::User => "/Users",
            ResourceKind::Group => "/Groups",
        }
    }

    /// A small integer for database columns.
    pub fn code(self) -> i64 {
        match self {
            ResourceKind::User => 0,
            ResourceKind::Group => 1,
        }
    }

    /// The inverse of [`ResourceKind::code`].
    pub fn from_code(code: i64) -> Option<ResourceKind> {
        match code {
            0 => Some(ResourceKind::User),
            1 => Some(ResourceKind::Group),
            _ => None,
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A member of a group, as the store resolves it.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRef {
    pub id: ResourceId,
    pub kind: ResourceKind,
    /// The `display` the client gave when it added the member, else the
    /// member's current name (`displayName`, else `userName`).
    pub display: Option<String>,
}

/// A member to add to a group, with the `display` the client gave, if any
/// (RFC 7643 §2.4: immutable, defined when the member is added). A member
/// already in the group keeps the display it was added with.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMember {
    pub id: ResourceId,
    pub display: Option<String>,
}

impl From<ResourceId> for NewMember {
    fn from(id: ResourceId) -> NewMember {
        NewMember { id, display: None }
    }
}

/// A group a user belongs to, directly or through nested groups.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRef {
    pub id: ResourceId,
    pub display: Option<String>,
    pub direct: bool,
}

/// What to load with a resource besides its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Load {
    /// A group's members.
    pub members: bool,
    /// A user's (or group's) groups, direct and indirect.
    pub groups: bool,
}

impl Load {
    /// Nothing beyond the document.
    pub const NONE: Load = Load {
        members: false,
        groups: false,
    };
    /// Members and groups.
    pub const ALL: Load = Load {
        members: true,
        groups: true,
    };
}

/// The values a store indexes for lookups and uniqueness, computed by the
/// service from the canonical document (see [`crate::index`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexKeys {
    /// The per-tenant unique key: folded `userName` for users, folded
    /// `displayName` for groups when group names are unique. Enforced by the
    /// database.
    pub unique: Option<String>,
    /// `(attribute path, value)` pairs for indexed lookups; values of
    /// case-insensitive attributes are folded.
    pub entries: Vec<(String, String)>,
    /// The tenant's indexed extension attributes these keys were computed
    /// with (so that the keys of the document as read are computed alike).
    pub spec: crate::index::ExtIndex,
    /// The text shown as `display` where this resource is referenced.
    pub display: Option<String>,
    /// Whether the resource is active (users; groups are always active).
    pub active: bool,
}

/// A stored resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub kind: ResourceKind,
    pub id: ResourceId,
    pub version: Version,
    pub created: Timestamp,
    pub last_modified: Timestamp,
    /// Who created and who last changed it.
    pub provenance: Provenance,
    /// The canonical document (without `id`, `meta` and external attributes).
    pub doc: Map<String, Value>,
    /// A group's members, when loaded.
    pub members: Option<Vec<MemberRef>>,
    /// A resource's groups, when loaded.
    pub groups: Option<Vec<GroupRef>>,
}

/// A resource to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    pub kind: ResourceKind,
    pub id: ResourceId,
    pub created: Timestamp,
    pub provenance: Provenance,
    pub doc: Map<String, Value>,
    pub keys: IndexKeys,
    /// Initial members of a group.
    pub members: Vec<NewMember>,
    /// The audit entry and events committed with the insert.
    pub journal: Journal,
}

/// A change to a group's membership, applied in O(Δ).
#[derive(Debug, Clone, PartialEq)]
pub enum MemberChange {
    /// Adds members not yet in the group, with their displays.
    Add(Vec<NewMember>),
    Remove(Vec<ResourceId>),
    RemoveAll,
    /// Makes the group's members exactly these; members already in the
    /// group stay, with the display they were added with.
    ReplaceAll(Vec<NewMember>),
}

/// The outcome of an update function: a new document (or none when it is
/// unchanged) and membership changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub doc: Option<(Map<String, Value>, IndexKeys)>,
    pub members: Vec<MemberChange>,
    /// The time to record as `lastModified` if anything changed.
    pub now: Timestamp,
    /// The provenance to record if anything changed (who changed it).
    pub provenance: Option<Provenance>,
    /// Record `provenance` (and move the version) even if nothing else
    /// changed: adoption and unmanaging change only the provenance.
    pub force: bool,
    /// Committed with the update: the audit entry always, the events only
    /// if something changed.
    pub journal: Journal,
}

impl Update {
    /// An update that changes nothing.
    pub fn none(now: Timestamp) -> Update {
        Update {
            doc: None,
            members: Vec::new(),
            now,
            provenance: None,
            force: false,
            journal: Journal::default(),
        }
    }
}

/// A soft-deleted resource, hidden from SCIM until restored or purged.
#[derive(Debug, Clone, PartialEq)]
pub struct Trashed {
    pub kind: ResourceKind,
    pub id: ResourceId,
    pub display: Option<String>,
    pub created: Timestamp,
    /// The version it had when it was deleted.
    pub version: Version,
    pub deleted: Timestamp,
    /// When the purge may remove it for good.
    pub purge_after: Timestamp,
    /// The document as it was, with its provenance.
    pub doc: Map<String, Value>,
    pub provenance: Provenance,
}

/// The result of a read-modify-write ([`crate::plan::read_modify_write`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Updated {
    /// The record after the update, loaded as requested.
    pub record: Record,
    /// Whether anything changed (and so the version moved).
    pub changed: bool,
}

/// What [`crate::Store::delete_tenant`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantDeletion {
    /// There is no such tenant.
    Missing,
    /// The tenant holds resources and `purge` was not given: nothing changed.
    Refused(ResourceCounts),
    /// The tenant is gone, with these resources.
    Deleted(ResourceCounts),
}

/// Makes the audit entry of a tenant's deletion from what it deleted.
pub type TenantAuditFn = Box<dyn FnOnce(ResourceCounts) -> crate::events::AuditEntry + Send>;

/// The resources of a tenant: users and groups, and those in the trash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResourceCounts {
    pub users: u64,
    pub groups: u64,
    pub trashed: u64,
}

impl ResourceCounts {
    /// Whether there is nothing at all.
    pub fn is_empty(&self) -> bool {
        self.users == 0 && self.groups == 0 && self.trashed == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_profiles_are_read_by_name_and_unknown_ones_refused() {
        for p in Profile::ALL {
            assert_eq!(profile_of(p.name()).unwrap(), p);
        }
        assert!(matches!(profile_of("azure"), Err(StoreError::Backend(_))));
        assert!(matches!(profile_of(""), Err(StoreError::Backend(_))));
    }
}
