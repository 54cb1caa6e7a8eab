//! Administration of a tenant's webhooks (the CLI's `webhook` commands;
//! `docs/events.md`): create with a random secret shown once (and stored
//! only sealed, [`crate::webhook_keys`]), list with delivery status
//! (pending depth, failures, last error, dead letters), delete, dead
//! letters and their redelivery, the test event, and the sealing of
//! secrets stored in clear or under an older key.
//!
//! Delivery itself is the `scim-webhooks` worker's; this module only reads
//! and changes what the store records.

use crate::console::manage::{audit_change, Audited};
use crate::maintenance::Maintenance;
use crate::tenant::{TenantAdmin, TenantReader};
use scim_core::{ScimError, ScimResult};
use scim_store::{DeadLetter, NewWebhook, Webhook, WebhookFormat};
use serde_json::{json, Value};

/// Pending depths are counted up to this many events.
pub const PENDING_CAP: u64 = 1_000_000;

/// A webhook with its delivery status.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookStatus {
    pub hook: Webhook,
    /// Events of the tenant after the webhook's cursor (at most [`PENDING_CAP`]).
    pub pending: u64,
}

/// Parses `signed` or `set`.
pub fn parse_format(s: &str) -> ScimResult<WebhookFormat> {
    match s.to_ascii_lowercase().as_str() {
        "signed" => Ok(WebhookFormat::Signed),
        "set" => Ok(WebhookFormat::Set),
        _ => Err(ScimError::InvalidValue(format!(
            "unknown webhook format {s:?}: use signed or set"
        ))),
    }
}

/// The name of a format (`signed`, `set`).
pub fn format_name(f: WebhookFormat) -> &'static str {
    match f {
        WebhookFormat::Signed => "signed",
        WebhookFormat::Set => "set",
    }
}

/// Checks that a webhook URL is an absolute http(s) URL with a host.
pub fn check_url(url: &str) -> ScimResult<()> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    let ok = host
        .is_some_and(|h| !h.is_empty() && !h.contains('@') && !h.chars().any(char::is_whitespace))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(())
    } else {
        Err(ScimError::InvalidValue(format!(
            "invalid webhook URL {url:?}: use http://host/… or https://host/…"
        )))
    }
}

/// A new webhook secret: `whsec_` and 256 random bits in hex.
fn new_secret() -> ScimResult<String> {
    let mut b = [0u8; 32];
    crate::ids::random_bytes(&mut b).map_err(ScimError::Internal)?;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!("whsec_{hex}"))
}

/// A tenant's webhooks, to read ([`TenantReader::hooks`]).
pub struct Hooks<'r, 'a> {
    r: &'r TenantReader<'a>,
}

impl<'a> TenantReader<'a> {
    /// Its webhooks.
    pub fn hooks(&self) -> Hooks<'_, 'a> {
        Hooks { r: self }
    }
}

impl Hooks<'_, '_> {
    /// The tenant's webhook by id, or 404.
    pub async fn get(&self, id: i64) -> ScimResult<Webhook> {
        self.r
            .core
            .store
            .list_webhooks(Some(self.r.tenant.id))
            .await?
            .into_iter()
            .find(|h| h.id == id)
            .ok_or_else(|| {
                ScimError::NotFound(format!(
                    "tenant {:?} has no webhook {id}",
                    self.r.tenant.name
                ))
            })
    }

    /// The tenant's webhooks with their delivery status.
    pub async fn list(&self) -> ScimResult<Vec<WebhookStatus>> {
        let store = &self.r.core.store;
        let hooks = store.list_webhooks(Some(self.r.tenant.id)).await?;
        let mut out = Vec::with_capacity(hooks.len());
        for hook in hooks {
            let pending = store
                .count_events(hook.tenant, hook.cursor, PENDING_CAP)
                .await?;
            out.push(WebhookStatus { hook, pending });
        }
        Ok(out)
    }

    /// A webhook's dead letters, oldest event first.
    pub async fn dead_letters(&self, id: i64) -> ScimResult<Vec<DeadLetter>> {
        let hook = self.get(id).await?;
        Ok(self.r.core.store.dead_letters(hook.id).await?)
    }

    /// One webhook with its delivery status.
    pub async fn status(&self, id: i64) -> ScimResult<WebhookStatus> {
        self.list()
            .await?
            .into_iter()
            .find(|w| w.hook.id == id)
            .ok_or_else(|| {
                ScimError::NotFound(format!(
                    "tenant {:?} has no webhook {id}",
                    self.r.tenant.name
                ))
            })
    }
}

impl TenantAdmin<'_> {
    /// Adds a webhook to the tenant; the returned record carries the
    /// secret in clear, which is shown only now (the store keeps it
    /// sealed). It receives events from now on. Its URL may reach
    /// loopback, link-local and private addresses only with
    /// `allow_private` (`webhook_target`).
    pub async fn create_webhook(
        &self,
        url: &str,
        format: WebhookFormat,
        full: bool,
        allow_private: bool,
    ) -> ScimResult<Webhook> {
        check_url(url)?;
        crate::webhook_target::check(url, allow_private).await?;
        let secret = new_secret()?;
        let sealed = self
            .core
            .config
            .webhook_keys
            .seal(self.tenant.id.db_key(), &secret)
            .map_err(ScimError::InvalidValue)?;
        let mut hook = self
            .core
            .store
            .create_webhook(NewWebhook {
                tenant: self.tenant.id,
                url: url.to_string(),
                secret: sealed,
                format,
                full,
                created: self.core.clock.now(),
                allow_private,
            })
            .await?;
        audit_change(
            self,
            Audited {
                action: "webhook-create",
                on: ("Webhook", &hook.id.to_string()),
                summary: format!("webhook {} created for {}", hook.id, hook.url),
                diff: vec![
                    json!({"op": "add", "path": "url", "new": hook.url}),
                    json!({"op": "add", "path": "format", "new": format_name(hook.format)}),
                ],
            },
        )
        .await?;
        hook.secret = secret;
        Ok(hook)
    }

    /// A webhook's secret in clear (to sign a test delivery).
    pub fn webhook_secret(&self, hook: &Webhook) -> ScimResult<String> {
        self.core
            .config
            .webhook_keys
            .open(hook.tenant.db_key(), &hook.secret)
            .map_err(ScimError::Internal)
    }

    /// Deletes a webhook and its dead letters.
    pub async fn delete_webhook(&self, id: i64) -> ScimResult<()> {
        let url = self
            .hooks()
            .get(id)
            .await
            .map(|h| h.url)
            .unwrap_or_default();
        if self.core.store.delete_webhook(self.tenant.id, id).await? {
            audit_change(
                self,
                Audited {
                    action: "webhook-delete",
                    on: ("Webhook", &id.to_string()),
                    summary: format!("webhook {id} ({url}) deleted with its dead letters"),
                    diff: Vec::new(),
                },
            )
            .await
        } else {
            Err(ScimError::NotFound(format!(
                "tenant {:?} has no webhook {id}",
                self.tenant.name
            )))
        }
    }

    /// Stops (`enabled` false) or resumes a webhook's deliveries. While
    /// it is disabled its events wait for it (pending), except those the
    /// event retention removes meanwhile.
    /// Returns the webhook with its delivery status.
    pub async fn set_webhook_enabled(&self, id: i64, enabled: bool) -> ScimResult<WebhookStatus> {
        let at = (!enabled).then(|| self.core.clock.now());
        let store = &self.core.store;
        if !store.set_webhook_disabled(self.tenant.id, id, at).await? {
            return Err(ScimError::NotFound(format!(
                "tenant {:?} has no webhook {id}",
                self.tenant.name
            )));
        }
        let (action, what) = if enabled {
            ("webhook-enable", "enabled")
        } else {
            ("webhook-disable", "disabled")
        };
        audit_change(
            self,
            Audited {
                action,
                on: ("Webhook", &id.to_string()),
                summary: format!("webhook {id} {what}"),
                diff: vec![json!({"op": "replace", "path": "disabled", "new": !enabled})],
            },
        )
        .await?;
        self.hooks().status(id).await
    }

    /// Queues dead letters for redelivery (one event, or all of the
    /// webhook's); returns how many. The worker delivers them before the
    /// queue and removes each once delivered.
    pub async fn redeliver(&self, id: i64, event: Option<i64>) -> ScimResult<u64> {
        let hook = self.hooks().get(id).await?;
        let n = self
            .core
            .store
            .requeue_dead_letters(hook.tenant, hook.id, event)
            .await?;
        if let (0, Some(seq)) = (n, event) {
            return Err(ScimError::NotFound(format!(
                "webhook {id} has no dead letter for event {seq}"
            )));
        }
        audit_change(
            self,
            Audited {
                action: "webhook-redeliver",
                on: ("Webhook", &id.to_string()),
                summary: format!("{n} dead letter(s) of webhook {id} queued again"),
                diff: Vec::new(),
            },
        )
        .await?;
        Ok(n)
    }

    /// The SET of a test event for a webhook (`webhook test`): it names no
    /// resource and its `jti` is fresh, so receivers can tell it apart.
    pub fn test_event(&self, hook: &Webhook, issuer: &str) -> ScimResult<Value> {
        let mut b = [0u8; 8];
        crate::ids::random_bytes(&mut b).map_err(ScimError::Internal)?;
        let nonce: String = b.iter().map(|x| format!("{x:02x}")).collect();
        let now = self.core.clock.now().unix_millis();
        Ok(json!({
            "jti": format!("scimd-test-{nonce}"),
            "iat": now / 1000,
            "iss": issuer,
            "aud": [hook.url],
            "events": {(crate::set::TEST_EVENT): {}},
        }))
    }
}

impl Maintenance<'_> {
    /// Seals every webhook secret stored in clear (by an earlier release)
    /// or under a key other than the sealing one, then has the store
    /// overwrite what the old values left in its files; returns how many.
    /// `serve` runs it when a key is configured. A secret that no
    /// configured key opens is left as it is (and logged).
    pub async fn seal_webhook_secrets(&self) -> ScimResult<u64> {
        let keys = &self.core.config.webhook_keys;
        if !keys.can_seal() {
            return Ok(0);
        }
        let store = &self.core.store;
        let mut n = 0;
        for hook in store.list_webhooks(None).await? {
            if keys.is_current(&hook.secret) {
                continue;
            }
            let tenant = hook.tenant.db_key();
            let clear = match keys.open(tenant, &hook.secret) {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(webhook = hook.id, error = %e, "cannot re-seal a webhook secret");
                    continue;
                }
            };
            let sealed = keys.seal(tenant, &clear).map_err(ScimError::Internal)?;
            if store
                .set_webhook_secret(hook.id, &hook.secret, &sealed)
                .await?
            {
                n += 1;
            }
        }
        if n > 0 {
            store.scrub_free_space().await?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_formats() {
        assert!(check_url("http://127.0.0.1:8080/hook").is_ok());
        assert!(check_url("https://example.com").is_ok());
        assert!(check_url("ftp://example.com").is_err());
        assert!(check_url("https://").is_err());
        assert!(check_url("https://a b/").is_err());
        assert!(check_url("example.com/hook").is_err());
        assert_eq!(parse_format("SET").ok(), Some(WebhookFormat::Set));
        assert!(parse_format("xml").is_err());
        assert_eq!(format_name(WebhookFormat::Signed), "signed");
        let s = new_secret().unwrap_or_default();
        assert_eq!(s.len(), 6 + 64);
    }
}
