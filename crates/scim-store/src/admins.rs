//! Admin accounts and console sessions (`docs/admin.md`): the
//! [`AdminStore`] half of every [`crate::Store`].
//!
//! - An account has a unique username, an argon2id password hash (a PHC
//!   string; stores never see passwords), a role, and a tenant scope
//!   (`None`: every tenant, a super-admin).
//! - An account may be disabled (when, by [`AdminStore::set_admin_disabled`]):
//!   it keeps its password but no session and cannot sign in.
//! - Sessions live in the database, so any replica serves any session.
//!   Stores keep only the SHA-256 of a session token, with its CSRF token
//!   and expiry; an expired session is never returned.

use crate::error::StoreResult;
use crate::model::TenantId;
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;

/// What an admin may do within its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdminRole {
    /// Everything.
    Owner,
    /// Read only.
    Viewer,
}

impl AdminRole {
    /// The stored name: `owner` or `viewer`.
    pub fn name(self) -> &'static str {
        match self {
            AdminRole::Owner => "owner",
            AdminRole::Viewer => "viewer",
        }
    }

    /// The role with this stored name.
    pub fn parse(s: &str) -> Option<AdminRole> {
        match s {
            "owner" => Some(AdminRole::Owner),
            "viewer" => Some(AdminRole::Viewer),
            _ => None,
        }
    }
}

/// A stored admin account.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminAccount {
    pub id: i64,
    pub username: String,
    /// The argon2id hash in PHC string format.
    pub password_hash: String,
    pub role: AdminRole,
    /// The tenant this admin is confined to; `None` for a super-admin.
    pub tenant: Option<TenantId>,
    pub created: Timestamp,
    /// When the account was disabled; `None` while it is enabled.
    pub disabled: Option<Timestamp>,
}

/// A new admin account (enabled).
#[derive(Debug, Clone, PartialEq)]
pub struct NewAdmin {
    pub username: String,
    pub password_hash: String,
    pub role: AdminRole,
    pub tenant: Option<TenantId>,
    pub created: Timestamp,
}

/// A console session.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminSession {
    /// SHA-256 of the session token (the cookie's value).
    pub hash: Vec<u8>,
    pub admin: i64,
    /// The synchronizer token every change must carry.
    pub csrf: String,
    pub created: Timestamp,
    pub expires: Timestamp,
}

/// Admin accounts and their sessions.
#[async_trait]
pub trait AdminStore: Send + Sync {
    /// Creates an account; a taken username is [`crate::StoreError::Uniqueness`].
    async fn create_admin(&self, admin: NewAdmin) -> StoreResult<AdminAccount>;
    /// The account with this username.
    async fn find_admin(&self, username: &str) -> StoreResult<Option<AdminAccount>>;
    /// The account with this id.
    async fn admin(&self, id: i64) -> StoreResult<Option<AdminAccount>>;
    /// All accounts, by username.
    async fn list_admins(&self) -> StoreResult<Vec<AdminAccount>>;
    /// Replaces an account's password hash and deletes its sessions, in
    /// one transaction; `false` if there is none.
    async fn set_admin_password(&self, id: i64, password_hash: &str) -> StoreResult<bool>;
    /// Disables an account (`Some(when)`), deleting its sessions in the
    /// same transaction, or enables it (`None`); `false` if there is none.
    async fn set_admin_disabled(&self, id: i64, disabled: Option<Timestamp>) -> StoreResult<bool>;
    /// Deletes an account and its sessions; `false` if there is none.
    async fn delete_admin(&self, id: i64) -> StoreResult<bool>;

    /// Stores a session.
    async fn create_session(&self, session: AdminSession) -> StoreResult<()>;
    /// The session with this token hash, unless it expired at `now`.
    async fn find_session(&self, hash: &[u8], now: Timestamp) -> StoreResult<Option<AdminSession>>;
    /// Deletes a session; `false` if there is none.
    async fn delete_session(&self, hash: &[u8]) -> StoreResult<bool>;
    /// Deletes every session of an account; returns how many.
    async fn delete_admin_sessions(&self, admin: i64) -> StoreResult<u64>;
    /// Deletes sessions that expired at `now`; returns how many.
    async fn purge_sessions(&self, now: Timestamp) -> StoreResult<u64>;
}
