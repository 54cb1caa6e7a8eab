//! JSON of webhooks (never their secret, except once on creation), admin
//! accounts, the outcomes of changes, and errors.

use super::opt_at;
use scim_service::admin_webhooks::{format_name, WebhookStatus};
use scim_service::console::AdminView;
use scim_store::Webhook;
use serde::Serialize;
use utoipa::ToSchema;

/// A webhook with its delivery status (never its secret).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookJson {
    pub id: i64,
    pub url: String,
    /// `signed` or `set`.
    pub format: String,
    /// Whether SETs carry the resource.
    pub full: bool,
    pub created: String,
    /// Since when its deliveries are stopped (`null`: enabled).
    pub disabled: Option<String>,
    /// Events waiting for it.
    pub pending: u64,
    pub failures: u32,
    pub last_error: Option<String>,
    pub next_attempt: Option<String>,
    pub dead_letters: u64,
}

impl WebhookJson {
    pub fn of(h: &Webhook, pending: u64) -> Self {
        WebhookJson {
            id: h.id,
            url: h.url.clone(),
            format: format_name(h.format).into(),
            full: h.full,
            created: h.created.to_string(),
            disabled: opt_at(h.disabled),
            pending,
            failures: h.failures,
            last_error: h.last_error.clone(),
            next_attempt: opt_at(h.next_attempt),
            dead_letters: h.dead,
        }
    }
}

impl From<&WebhookStatus> for WebhookJson {
    fn from(w: &WebhookStatus) -> Self {
        WebhookJson::of(&w.hook, w.pending)
    }
}

/// A new webhook with its signing secret, shown in this response only.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreatedJson {
    #[serde(flatten)]
    pub webhook: WebhookJson,
    /// The HMAC key receivers verify signatures with (never shown again).
    pub secret: String,
}

/// An admin account (never its password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminJson {
    pub username: String,
    /// `super`, `owner` or `viewer`.
    pub role: String,
    pub tenant: Option<String>,
    pub created: String,
    pub disabled: Option<String>,
}

impl From<&AdminView> for AdminJson {
    fn from(a: &AdminView) -> Self {
        AdminJson {
            username: a.username.clone(),
            role: a.kind.into(),
            tenant: a.tenant.clone(),
            created: a.created.to_string(),
            disabled: opt_at(a.disabled),
        }
    }
}

/// What an account change did.
#[derive(Debug, Serialize, ToSchema)]
pub struct DoneJson {
    pub done: String,
}

/// How many dead letters were queued again.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequeuedJson {
    pub requeued: u64,
}

/// A user the breaker's rejection could not re-enable.
#[derive(Debug, Serialize, ToSchema)]
pub struct FailedJson {
    pub id: String,
    pub reason: String,
}

/// A breaker decision's outcome.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleasedJson {
    /// `confirm` or `reject`.
    pub decision: String,
    /// Users re-enabled (on reject).
    pub reenabled: Vec<String>,
    pub failed: Vec<FailedJson>,
}

/// An error: the HTTP status and what went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorJson {
    pub status: u16,
    pub detail: String,
}
