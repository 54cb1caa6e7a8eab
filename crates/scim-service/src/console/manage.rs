//! Console management that the command line had alone before: webhooks
//! (create with the secret shown once, disable, enable, delete), admin
//! accounts (created by a super-admin), the trash (list, restore, purge
//! one resource), and the audit entry every console change leaves in the
//! tenant's log, naming the admin ([`Console::audit`]).

use super::accounts::AdminKind;
use super::AdminView;
use super::Console;
use crate::admin_webhooks::WebhookStatus;
use scim_core::{ScimError, ScimResult};
use scim_store::{Record, ResourceKind, Trashed, Webhook, WebhookFormat};
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

impl Console<'_> {
    /// Records a console change in the tenant's audit log: `action` on
    /// `kind` `id`, by this admin with the request's id, with a summary
    /// and a diff (never a secret).
    pub(crate) async fn audit(
        &self,
        tenant: &str,
        action: &str,
        (kind, id): (&str, &str),
        summary: String,
        diff: Vec<Value>,
    ) -> ScimResult<()> {
        let t = self.svc.tenant_named(tenant).await?;
        let mut entry = self.actor().origin(action).entry(
            self.svc.clock.now(),
            200,
            action,
            None,
            None,
            Some(summary),
            diff,
        );
        entry.resource_type = Some(kind.into());
        entry.resource_id = Some(id.into());
        self.svc.store.append_audit(t.id, entry).await?;
        Ok(())
    }

    /// Adds a webhook; the result carries its secret in clear, to be
    /// shown once. Only a super-admin may let it reach private addresses.
    pub async fn create_webhook(&self, tenant: &str, form: WebhookForm) -> ScimResult<Webhook> {
        self.who.check_change(tenant)?;
        if form.allow_private {
            self.who.check_super().map_err(|_| {
                ScimError::Forbidden(
                    "only a super-admin may let a webhook reach private addresses".into(),
                )
            })?;
        }
        let hook = self
            .svc
            .create_webhook(
                tenant,
                &form.url,
                form.format,
                form.full,
                form.allow_private,
            )
            .await?;
        self.audit(
            tenant,
            "webhook-create",
            ("Webhook", &hook.id.to_string()),
            format!("webhook {} created for {}", hook.id, hook.url),
            vec![
                serde_json::json!({"op": "add", "path": "url", "new": hook.url}),
                serde_json::json!({"op": "add", "path": "format", "new": crate::admin_webhooks::format_name(hook.format)}),
            ],
        )
        .await?;
        Ok(hook)
    }

    /// Stops or resumes a webhook's deliveries; the webhook with its
    /// delivery status.
    pub async fn set_webhook_enabled(
        &self,
        tenant: &str,
        id: i64,
        enabled: bool,
    ) -> ScimResult<WebhookStatus> {
        self.who.check_change(tenant)?;
        self.svc.set_webhook_enabled(tenant, id, enabled).await?;
        let (action, what) = if enabled {
            ("webhook-enable", "enabled")
        } else {
            ("webhook-disable", "disabled")
        };
        self.audit(
            tenant,
            action,
            ("Webhook", &id.to_string()),
            format!("webhook {id} {what}"),
            vec![serde_json::json!({"op": "replace", "path": "disabled", "new": !enabled})],
        )
        .await?;
        self.webhook(tenant, id).await
    }

    /// Deletes a webhook and its dead letters.
    pub async fn delete_webhook(&self, tenant: &str, id: i64) -> ScimResult<()> {
        self.who.check_change(tenant)?;
        let hook = self.svc.webhook(tenant, id).await?;
        self.svc.delete_webhook(tenant, id).await?;
        self.audit(
            tenant,
            "webhook-delete",
            ("Webhook", &id.to_string()),
            format!("webhook {id} ({}) deleted with its dead letters", hook.url),
            Vec::new(),
        )
        .await
    }

    /// One webhook with its delivery status.
    pub async fn webhook(&self, tenant: &str, id: i64) -> ScimResult<WebhookStatus> {
        self.webhooks(tenant)
            .await?
            .into_iter()
            .find(|w| w.hook.id == id)
            .ok_or_else(|| ScimError::NotFound(format!("tenant {tenant:?} has no webhook {id}")))
    }

    /// Creates an admin account (super-admins only); audited in every
    /// tenant the account reaches.
    pub async fn create_admin(&self, form: AdminForm) -> ScimResult<AdminView> {
        self.who.check_super()?;
        let account = self
            .svc
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
        self.svc
            .audit_account(&self.actor(), &account, "admin-create", &summary, diff)
            .await?;
        self.svc.admin_view(account).await
    }

    /// The tenant's soft-deleted users and groups.
    pub async fn trash(&self, tenant: &str) -> ScimResult<Trash> {
        self.who.check_read(tenant)?;
        Ok(Trash {
            users: self.svc.list_trash(tenant, "user").await?,
            groups: self.svc.list_trash(tenant, "group").await?,
        })
    }

    /// Restores a soft-deleted user or group.
    pub async fn restore(&self, tenant: &str, kind: ResourceKind, id: &str) -> ScimResult<Record> {
        self.who.check_change(tenant)?;
        self.svc
            .restore_by(&self.actor(), tenant, &kind.name().to_lowercase(), id)
            .await
    }

    /// Removes a soft-deleted user or group for good, now.
    pub async fn purge(&self, tenant: &str, kind: ResourceKind, id: &str) -> ScimResult<()> {
        self.who.check_change(tenant)?;
        self.svc
            .purge_trashed_by(&self.actor(), tenant, &kind.name().to_lowercase(), id)
            .await
    }
}

#[cfg(test)]
mod tests;
