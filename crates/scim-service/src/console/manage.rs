//! Console management that the command line had alone before: webhooks
//! (create with the secret shown once, disable, enable, delete), admin
//! accounts (created by a super-admin), the trash (list, restore, purge
//! one resource), and the audit entry every console change leaves in the
//! tenant's log, naming the admin ([`audit_console`]).
//!
//! The changes themselves are methods of [`TenantAdmin`] and
//! [`SystemAdmin`], which record the entry when their actor is a console
//! admin; the command line's changes are the operator's and stay out of
//! the tenant's log, as before. [`Console::create_webhook`] is the one
//! check beyond role and scope: only a super-admin lets a webhook reach
//! private addresses.

use super::accounts::AdminKind;
use super::{AdminView, Console};
use crate::journal::{Entry, LocalActor};
use crate::state::Core;
use crate::system::SystemAdmin;
use crate::tenant::{TenantAdmin, TenantReader};
use scim_core::{ScimError, ScimResult};
use scim_store::{ResourceKind, TenantId, Trashed, Webhook, WebhookFormat};
use serde_json::Value;

/// A webhook to create from the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookForm {
    pub url: String,
    pub format: WebhookFormat,
    /// Whether SETs carry the resource (`true`) or only attribute names.
    pub full: bool,
    /// Deliveries may reach loopback, link-local and private addresses:
    /// an operator's decision, so a super-admin's only.
    pub allow_private: bool,
}

/// An admin account to create from the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminForm {
    pub username: String,
    pub password: String,
    pub kind: AdminKind,
    /// The tenant an owner or a viewer is confined to.
    pub tenant: Option<String>,
}

/// A tenant's trash: soft-deleted users and groups, newest first.
#[derive(Debug, Clone, Default)]
pub struct Trash {
    pub users: Vec<Trashed>,
    pub groups: Vec<Trashed>,
}

/// What a console change audits: the action, the thing it acted on (a
/// type such as `Webhook` and its id or name), a summary and a diff
/// (never a secret).
pub(crate) struct Audited<'a> {
    pub action: &'a str,
    pub on: (&'a str, &'a str),
    pub summary: String,
    pub diff: Vec<Value>,
}

/// Records a console admin's change in the tenant's audit log, naming the
/// admin and the request's id; nothing for the command line's changes.
pub(crate) async fn audit_console(
    core: &Core,
    actor: &LocalActor,
    tenant: TenantId,
    a: Audited<'_>,
) -> ScimResult<()> {
    if actor.admin.is_none() {
        return Ok(());
    }
    let mut entry = actor.origin(a.action).entry(
        Entry::new(core.clock.now(), 200, a.action)
            .detail(a.summary)
            .diff(a.diff),
    );
    entry.resource_type = Some(a.on.0.into());
    entry.resource_id = Some(a.on.1.into());
    core.store.append_audit(tenant, entry).await?;
    Ok(())
}

impl TenantReader<'_> {
    /// The tenant's soft-deleted users and groups.
    pub async fn trash_all(&self) -> ScimResult<Trash> {
        Ok(Trash {
            users: self.trash(ResourceKind::User).await?,
            groups: self.trash(ResourceKind::Group).await?,
        })
    }
}

/// Records a console change in the log of the tenant `t` administers
/// ([`audit_console`]).
pub(crate) async fn audit_change(t: &TenantAdmin<'_>, a: Audited<'_>) -> ScimResult<()> {
    audit_console(t.core, &t.actor, t.tenant.id, a).await
}

impl SystemAdmin<'_> {
    /// Creates an admin account from a form; audited in every tenant the
    /// account reaches, naming the admin who made it.
    pub async fn create_admin_from(&self, form: AdminForm) -> ScimResult<AdminView> {
        let account = self
            .create_admin(
                &form.username,
                &form.password,
                form.kind,
                form.tenant.as_deref(),
            )
            .await?;
        let role = match form.kind {
            AdminKind::Owner => "owner",
            AdminKind::Viewer => "viewer",
            AdminKind::Super => "super",
        };
        let summary = format!(
            "admin {:?} created ({role}{})",
            account.username,
            form.tenant
                .as_deref()
                .map(|t| format!(" of tenant {t:?}"))
                .unwrap_or_default()
        );
        let diff = vec![serde_json::json!({"op": "add", "path": "role", "new": role})];
        self.audit_account(&account, "admin-create", &summary, diff)
            .await?;
        self.admin_view(account).await
    }
}

impl Console<'_> {
    /// Adds a webhook; the result carries its secret in clear, to be
    /// shown once. Only a super-admin may let it reach private addresses.
    pub async fn create_webhook(&self, tenant: &str, form: WebhookForm) -> ScimResult<Webhook> {
        let admin = self.change(tenant).await?;
        if form.allow_private {
            self.who.check_super().map_err(|_| {
                ScimError::Forbidden(
                    "only a super-admin may let a webhook reach private addresses".into(),
                )
            })?;
        }
        admin
            .create_webhook(&form.url, form.format, form.full, form.allow_private)
            .await
    }
}
