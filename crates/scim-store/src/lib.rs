//! The storage port of scimd.
//!
//! [`Store`] is what the service needs from a database: tenant, connection
//! and token administration, admin accounts and sessions ([`admins`]), role
//! mappings ([`roles`]), and a tenant-scoped [`ResourceStore`] handle for
//! resources. Backends (SQLite, PostgreSQL, the in-memory [`memory`] fake)
//! implement both and must pass the [`suite`] of storage tests.
//!
//! Invariant: resources are reached only through [`Store::resources`], which
//! binds a tenant into the handle; no resource method takes a tenant.
//!
//! Invariant: a write's [`Journal`] (audit entry and events) commits in the
//! write's own transaction, or not at all.
//!
//! Invariant: no caller code runs inside a store transaction. A change to
//! a stored resource arrives as a [`Plan`] computed outside from the record
//! it read; the store checks the version it was computed from, enforces the
//! seat limit and the circuit breaker, and writes ([`plan`]).
//!
//! Invariant: filters arrive lowered ([`scim_core::filter::Lowered`]); a
//! backend translates them into its own query language and must agree with
//! the in-memory evaluator, which the suite checks.

pub mod admins;
pub mod deadline;
pub mod error;
pub mod events;
pub mod index;
pub mod memory;
pub mod model;
pub mod plan;
pub mod policy;
pub mod provlog;
pub mod query;
pub mod roles;
pub mod schemas;
pub mod scrub;
#[cfg(feature = "suite")]
pub mod suite;

pub use admins::{AdminAccount, AdminRole, AdminSession, AdminStore, NewAdmin};
pub use error::{StoreError, StoreResult, BREAKER_RETRY_AFTER_SECS};
pub use events::{
    AuditEntry, AuditQuery, AuditRecord, ChangeEvent, DeadLetter, DeliveryProgress, EventStore,
    Journal, MemberDelta, MemberDeltas, NewWebhook, StoredEvent, Webhook, WebhookFormat,
};
pub use model::*;
pub use plan::{read_modify_write, Applied, IndexDelta, Outcome, Plan, PreparedJournal, Rewrite};
pub use policy::{
    BreakerPolicy, ConnectionPolicy, DeactivatePolicy, DeletePolicy, Deprovision, MatchAction,
    MatchKey, Ownership, Provenance, TenantSettings, UndefinedPolicy,
};
pub use provlog::{LogCounts, LogEntry, LogQuery, LogRecord, LogStore};
pub use query::{Page, PageRequest, Query};
pub use roles::{
    GroupSelector, RefreshScope, RoleMapping, RoleRefresh, RoleStore, MAX_ROLE_MAPPINGS,
};
pub use schemas::{ExtensionDefinition, ExtensionRecord, SchemaStore, UndefinedSeen};

use async_trait::async_trait;
use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use std::sync::Arc;

/// A database holding every tenant.
#[async_trait]
pub trait Store:
    AdminStore + EventStore + LogStore + RoleStore + SchemaStore + Send + Sync + 'static
{
    /// Creates a tenant; its name is unique.
    async fn create_tenant(&self, name: &str, now: Timestamp) -> StoreResult<Tenant>;
    /// All tenants, by name.
    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>>;
    /// The tenant with this name.
    async fn find_tenant(&self, name: &str) -> StoreResult<Option<Tenant>>;
    /// The tenant with this id.
    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>>;
    /// Replaces a tenant's settings; `false` if there is no such tenant.
    async fn update_tenant(&self, id: TenantId, settings: &TenantSettings) -> StoreResult<bool>;
    /// Deletes a tenant in one transaction: its users, groups, memberships
    /// and trash, connections, tokens, webhooks with their events and dead
    /// letters, and the admin accounts confined to it with their sessions.
    /// Its audit log is kept, and the entry `audit` makes of what was
    /// deleted is appended to it; a later tenant never gets its id. While
    /// it holds users or groups (active or in the trash) and `purge` is
    /// false, nothing changes and the result is [`TenantDeletion::Refused`],
    /// counted in the same transaction.
    async fn delete_tenant(
        &self,
        id: TenantId,
        purge: bool,
        audit: TenantAuditFn,
    ) -> StoreResult<TenantDeletion>;

    /// Creates a connection; its name is unique within the tenant.
    async fn create_connection(
        &self,
        tenant: TenantId,
        name: &str,
        profile: Profile,
        now: Timestamp,
    ) -> StoreResult<Connection>;
    /// A tenant's connections, by name.
    async fn list_connections(&self, tenant: TenantId) -> StoreResult<Vec<Connection>>;
    /// The connection with this id.
    async fn connection(&self, id: ConnectionId) -> StoreResult<Option<Connection>>;
    /// Changes a connection of the tenant; `None` if there is none. A taken
    /// name is [`StoreError::Uniqueness`].
    async fn update_connection(
        &self,
        tenant: TenantId,
        id: ConnectionId,
        change: ConnectionUpdate,
    ) -> StoreResult<Option<Connection>>;
    /// Deletes a connection of the tenant and its tokens; `false` if there
    /// is none. Resources it created keep their provenance.
    async fn delete_connection(&self, tenant: TenantId, id: ConnectionId) -> StoreResult<bool>;

    /// Stores a token's hash.
    async fn insert_token(&self, token: NewToken) -> StoreResult<TokenRecord>;
    /// The token with this SHA-256 hash, revoked or not.
    async fn find_token(&self, hash: &[u8]) -> StoreResult<Option<TokenRecord>>;
    /// The token with this hash together with its connection and tenant:
    /// what authenticating a request needs. The SQL backends answer it with
    /// one statement (this default takes three lookups); `None` when the
    /// token, or its connection or tenant, is gone.
    async fn credential(&self, hash: &[u8]) -> StoreResult<Option<Credential>> {
        let Some(token) = self.find_token(hash).await? else {
            return Ok(None);
        };
        let Some(connection) = self.connection(token.connection).await? else {
            return Ok(None);
        };
        let Some(tenant) = self.tenant(token.tenant).await? else {
            return Ok(None);
        };
        Ok(Some(Credential {
            token,
            connection,
            tenant,
        }))
    }
    /// A value that moves whenever a credential (a token, or the connection
    /// or tenant it names) may have changed, in this process or in another
    /// one sharing the database (the command line, another replica), read
    /// without a query: a caller may keep the credentials it read while
    /// the epoch stays the same. `None` (the default) where the store
    /// cannot tell cheaply: read the credential every time.
    fn credential_epoch(&self) -> Option<u64> {
        None
    }
    /// A tenant's tokens, newest first.
    async fn list_tokens(&self, tenant: TenantId) -> StoreResult<Vec<TokenRecord>>;
    /// Revokes a token of the tenant; `false` if there is no such token.
    async fn revoke_token(&self, tenant: TenantId, token: i64, now: Timestamp)
        -> StoreResult<bool>;
    /// Sets when a token of the tenant expires; `false` if there is none.
    async fn expire_token(&self, tenant: TenantId, token: i64, at: Timestamp) -> StoreResult<bool>;
    /// Records that a token authenticated a request at `at` (never moving
    /// its last use back). The service calls it at most once a minute per
    /// token, so it is no write per request.
    async fn touch_token(&self, token: i64, at: Timestamp) -> StoreResult<()>;

    /// Trips the circuit breaker of a connection: pauses its
    /// deprovisioning (`paused_since` = `at`) unless it is paused already,
    /// and commits `alert` (audit entry and events) in the same
    /// transaction. Returns whether it paused it, so concurrent trips
    /// alert once.
    async fn pause_connection(
        &self,
        connection: ConnectionId,
        at: Timestamp,
        alert: Journal,
    ) -> StoreResult<bool>;

    /// Purges soft-deleted resources of every tenant whose retention ended
    /// at `now`; returns how many. Each purged resource gets an audit
    /// entry, `audit` with its tenant, resource type and id filled in,
    /// in the purge's transaction.
    async fn purge_trash(&self, now: Timestamp, audit: AuditEntry) -> StoreResult<u64>;

    /// The resources of one tenant.
    fn resources(&self, tenant: TenantId) -> Arc<dyn ResourceStore>;
}

/// The resources of one tenant.
#[async_trait]
pub trait ResourceStore: Send + Sync {
    /// Inserts a resource; a taken unique key is [`StoreError::Uniqueness`],
    /// an unknown initial member [`StoreError::MissingMember`], an active
    /// user beyond the tenant's seat limit [`StoreError::NoSeat`].
    async fn insert(&self, record: NewRecord) -> StoreResult<Record>;
    /// The resource with this id.
    async fn get(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        load: Load,
    ) -> StoreResult<Option<Record>>;
    /// Executes a plan computed from the record at `plan.base`, in one
    /// short transaction; `None` if there is no such resource. A resource
    /// whose version is no longer `plan.base` is [`StoreError::Stale`]
    /// (nothing changed; compute the plan again, see
    /// [`plan::read_modify_write`]). Activating a user beyond the seat
    /// limit is [`StoreError::NoSeat`]; a change whose journal carries a
    /// [`Deprovision`] the circuit breaker holds is [`StoreError::Breaker`]
    /// (and changes nothing). Runs no caller code.
    async fn apply(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        plan: Plan,
    ) -> StoreResult<Option<Applied>>;
    /// Deletes a resource and its memberships; `false` if there is none.
    /// With `base`, only while the resource has that version
    /// ([`StoreError::Stale`] otherwise). [`StoreError::Breaker`] as for
    /// [`ResourceStore::apply`].
    async fn delete(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        base: Option<Version>,
        journal: Journal,
    ) -> StoreResult<bool>;
    /// A page of resources matching a query.
    async fn query(&self, kind: ResourceKind, query: &Query) -> StoreResult<Page>;
    /// How many resources of this kind exist (active ones only when `active_only`).
    async fn count(&self, kind: ResourceKind, active_only: bool) -> StoreResult<u64>;
    /// Whether the tenant holds a resource of this kind that no connection
    /// manages (a local account: `Provenance::managed` false), so that
    /// account matching can skip its lookups when there is none. One
    /// probe of an index that holds local accounts only.
    async fn any_local(&self, kind: ResourceKind) -> StoreResult<bool>;

    /// Soft-deletes a resource: removes it (and its memberships) from SCIM
    /// and keeps it in the trash until `purge_after`; `false` if there is none.
    /// `base` and errors as for [`ResourceStore::delete`].
    #[allow(clippy::too_many_arguments)]
    async fn trash(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        base: Option<Version>,
        deleted: Timestamp,
        purge_after: Timestamp,
        journal: Journal,
    ) -> StoreResult<bool>;
    /// The soft-deleted resources, newest first.
    async fn list_trash(&self, kind: ResourceKind) -> StoreResult<Vec<Trashed>>;
    /// Brings a soft-deleted resource back with the given keys and
    /// provenance, its version moved on; `None` if it is not in the trash.
    /// Its old group memberships are not restored.
    async fn restore(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        keys: IndexKeys,
        provenance: Provenance,
        now: Timestamp,
        journal: Journal,
    ) -> StoreResult<Option<Record>>;
    /// Removes one soft-deleted resource from the trash for good, before
    /// its retention ends, and commits `journal` in the same transaction;
    /// `false` if it is not in the trash.
    async fn purge_trashed(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        journal: Journal,
    ) -> StoreResult<bool>;
}
