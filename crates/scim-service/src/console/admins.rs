//! Managing admin accounts: delete, disable, enable, set a new password,
//! revoke every session ([`SystemAdmin::change_admin`]). The operator
//! does it with `scimd admin …`; a super-admin in the console and the
//! admin API, never on its own account's existence (no deleting or
//! disabling oneself).
//!
//! - Disabling, a new password and deleting end every session of the
//!   account (in the store's transaction); revoking ends them and changes
//!   nothing else. A disabled account keeps its password and cannot sign in.
//! - Every change is audited, as action `admin-<change>` on resource type
//!   `Admin` with the username as id, in the audit log of each tenant the
//!   account reaches: its own, or every tenant for a super-admin or a
//!   viewer of all tenants. The entry names the console admin who made it
//!   (none: the command line).

use super::accounts::{check_password, hash_password_blocking, normalize_username};
use crate::journal::Entry;
use crate::system::SystemAdmin;
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_store::{AdminAccount, AdminRole, TenantId};
use serde_json::json;

/// What to do to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    Delete,
    Disable,
    Enable,
    /// A new password (at least `MIN_PASSWORD` characters).
    Password(String),
    RevokeSessions,
}

impl AccountChange {
    /// The audit action.
    pub fn action(&self) -> &'static str {
        match self {
            AccountChange::Delete => "admin-delete",
            AccountChange::Disable => "admin-disable",
            AccountChange::Enable => "admin-enable",
            AccountChange::Password(_) => "admin-password",
            AccountChange::RevokeSessions => "admin-revoke-sessions",
        }
    }
}

/// An admin account as the console lists it (never its password hash).
#[derive(Debug, Clone, PartialEq)]
pub struct AdminView {
    pub username: String,
    /// `super`, `owner` or `viewer`.
    pub kind: &'static str,
    /// The tenant a scoped account is confined to.
    pub tenant: Option<String>,
    pub created: Timestamp,
    pub disabled: Option<Timestamp>,
}

fn kind_of(a: &AdminAccount) -> &'static str {
    match (a.role, a.tenant) {
        (AdminRole::Owner, None) => "super",
        (role, _) => role.name(),
    }
}

fn no_such(username: &str) -> ScimError {
    ScimError::NotFound(format!("no admin account {username:?}"))
}

impl SystemAdmin<'_> {
    /// Applies `change` to the account `username`; returns what was done.
    /// A console admin may give its own account a new password or end its
    /// sessions, but not delete or disable it (another super-admin or the
    /// command line can).
    pub async fn change_admin(&self, username: &str, change: AccountChange) -> ScimResult<String> {
        let own = self.actor.admin.as_deref() == Some(normalize_username(username).as_str());
        if own && matches!(change, AccountChange::Delete | AccountChange::Disable) {
            return Err(ScimError::Conflict(
                "you cannot delete or disable your own account; another super-admin or `scimd admin` can"
                    .into(),
            ));
        }
        let actor = &self.actor;
        let store = &self.core.store;
        let account = store
            .find_admin(&normalize_username(username))
            .await?
            .ok_or_else(|| no_such(username))?;
        let id = account.id;
        let name = &account.username;
        let (found, summary, diff) = match &change {
            AccountChange::Delete => (
                store.delete_admin(id).await?,
                format!("admin {name:?} deleted, with its sessions"),
                vec![json!({"op": "remove", "path": "account"})],
            ),
            AccountChange::Disable => (
                store
                    .set_admin_disabled(id, Some(self.core.clock.now()))
                    .await?,
                format!("admin {name:?} disabled; its sessions ended"),
                vec![
                    json!({"op": "replace", "path": "disabled", "old": account.disabled.is_some(), "new": true}),
                ],
            ),
            AccountChange::Enable => (
                store.set_admin_disabled(id, None).await?,
                format!("admin {name:?} enabled"),
                vec![
                    json!({"op": "replace", "path": "disabled", "old": account.disabled.is_some(), "new": false}),
                ],
            ),
            AccountChange::Password(p) => {
                check_password(p)?;
                let hash = hash_password_blocking(p.clone()).await?;
                (
                    store.set_admin_password(id, &hash).await?,
                    format!("admin {name:?} has a new password; its sessions ended"),
                    vec![json!({"op": "replace", "path": "password"})],
                )
            }
            AccountChange::RevokeSessions => {
                let n = store.delete_admin_sessions(id).await?;
                (
                    true,
                    format!("admin {name:?}: {n} session(s) ended"),
                    Vec::new(),
                )
            }
        };
        if !found {
            return Err(no_such(username));
        }
        tracing::info!(admin = %name, by = ?actor.admin, action = change.action(), "admin account changed");
        self.audit_account(&account, change.action(), &summary, diff)
            .await?;
        Ok(summary)
    }

    /// Records an account change in the audit log of every tenant the
    /// account reaches.
    async fn audit_account(
        &self,
        account: &AdminAccount,
        action: &str,
        summary: &str,
        diff: Vec<serde_json::Value>,
    ) -> ScimResult<()> {
        let store = &self.core.store;
        let tenants: Vec<TenantId> = match account.tenant {
            Some(t) => vec![t],
            None => store
                .list_tenants()
                .await?
                .into_iter()
                .map(|t| t.id)
                .collect(),
        };
        let mut entry = self.actor.origin(action).entry(
            Entry::new(self.core.clock.now(), 200, action)
                .detail(summary.to_string())
                .diff(diff),
        );
        entry.resource_type = Some("Admin".into());
        entry.resource_id = Some(account.username.clone());
        for t in tenants {
            store.append_audit(t, entry.clone()).await?;
        }
        Ok(())
    }

    /// Every admin account, for the console (names of tenants resolved).
    pub async fn admins(&self) -> ScimResult<Vec<AdminView>> {
        let store = &self.core.store;
        let tenants = store.list_tenants().await?;
        Ok(store
            .list_admins()
            .await?
            .into_iter()
            .map(|a| AdminView {
                kind: kind_of(&a),
                tenant: a.tenant.map(|id| {
                    tenants
                        .iter()
                        .find(|t| t.id == id)
                        .map_or_else(|| "(deleted tenant)".to_string(), |t| t.name.clone())
                }),
                username: a.username,
                created: a.created,
                disabled: a.disabled,
            })
            .collect())
    }
}
