//! In-memory admin accounts and console sessions.

use super::{lock, MemoryStore};
use crate::admins::*;
use crate::error::{StoreError, StoreResult};
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;

/// The admin part of the in-memory state.
#[derive(Debug, Default)]
pub(super) struct Admins {
    next: i64,
    accounts: Vec<AdminAccount>,
    sessions: Vec<AdminSession>,
}

impl Admins {
    /// Forgets the accounts confined to a deleted tenant, and their sessions.
    pub(super) fn forget_tenant(&mut self, tenant: crate::model::TenantId) {
        let gone: Vec<i64> = self
            .accounts
            .iter()
            .filter(|a| a.tenant == Some(tenant))
            .map(|a| a.id)
            .collect();
        self.accounts.retain(|a| a.tenant != Some(tenant));
        self.sessions.retain(|s| !gone.contains(&s.admin));
    }
}

#[async_trait]
impl AdminStore for MemoryStore {
    async fn create_admin(&self, a: NewAdmin) -> StoreResult<AdminAccount> {
        let mut s = lock(&self.state)?;
        let admins = &mut s.admins;
        if admins.accounts.iter().any(|x| x.username == a.username) {
            return Err(StoreError::Uniqueness(format!(
                "admin {:?} exists",
                a.username
            )));
        }
        admins.next += 1;
        let account = AdminAccount {
            id: admins.next,
            username: a.username,
            password_hash: a.password_hash,
            role: a.role,
            tenant: a.tenant,
            created: a.created,
            disabled: None,
        };
        admins.accounts.push(account.clone());
        Ok(account)
    }

    async fn find_admin(&self, username: &str) -> StoreResult<Option<AdminAccount>> {
        let s = lock(&self.state)?;
        Ok(s.admins
            .accounts
            .iter()
            .find(|a| a.username == username)
            .cloned())
    }

    async fn admin(&self, id: i64) -> StoreResult<Option<AdminAccount>> {
        let s = lock(&self.state)?;
        Ok(s.admins.accounts.iter().find(|a| a.id == id).cloned())
    }

    async fn list_admins(&self) -> StoreResult<Vec<AdminAccount>> {
        let mut v = lock(&self.state)?.admins.accounts.clone();
        v.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(v)
    }

    async fn set_admin_password(&self, id: i64, password_hash: &str) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        match s.admins.accounts.iter_mut().find(|a| a.id == id) {
            Some(a) => a.password_hash = password_hash.to_string(),
            None => return Ok(false),
        }
        s.admins.sessions.retain(|x| x.admin != id);
        Ok(true)
    }

    async fn set_admin_disabled(&self, id: i64, disabled: Option<Timestamp>) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        match s.admins.accounts.iter_mut().find(|a| a.id == id) {
            Some(a) => a.disabled = disabled,
            None => return Ok(false),
        }
        if disabled.is_some() {
            s.admins.sessions.retain(|x| x.admin != id);
        }
        Ok(true)
    }

    async fn delete_admin(&self, id: i64) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        let before = s.admins.accounts.len();
        s.admins.accounts.retain(|a| a.id != id);
        if s.admins.accounts.len() == before {
            return Ok(false);
        }
        s.admins.sessions.retain(|x| x.admin != id);
        Ok(true)
    }

    async fn create_session(&self, session: AdminSession) -> StoreResult<()> {
        let mut s = lock(&self.state)?;
        if s.admins.sessions.iter().any(|x| x.hash == session.hash) {
            return Err(StoreError::Uniqueness("session exists".into()));
        }
        s.admins.sessions.push(session);
        Ok(())
    }

    async fn find_session(&self, hash: &[u8], now: Timestamp) -> StoreResult<Option<AdminSession>> {
        let s = lock(&self.state)?;
        Ok(s.admins
            .sessions
            .iter()
            .find(|x| x.hash == hash && x.expires > now)
            .cloned())
    }

    async fn delete_session(&self, hash: &[u8]) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        let before = s.admins.sessions.len();
        s.admins.sessions.retain(|x| x.hash != hash);
        Ok(s.admins.sessions.len() != before)
    }

    async fn delete_admin_sessions(&self, admin: i64) -> StoreResult<u64> {
        let mut s = lock(&self.state)?;
        let before = s.admins.sessions.len();
        s.admins.sessions.retain(|x| x.admin != admin);
        Ok((before - s.admins.sessions.len()) as u64)
    }

    async fn purge_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        let mut s = lock(&self.state)?;
        let before = s.admins.sessions.len();
        s.admins.sessions.retain(|x| x.expires > now);
        Ok((before - s.admins.sessions.len()) as u64)
    }
}
