//! The console's webhooks page: `GET /admin/t/{tenant}/webhooks` (each
//! endpoint's delivery status: pending events, failures, last error, next
//! attempt, dead letters; never its secret; the create form for owners),
//! `POST /admin/t/{tenant}/webhooks` (`url`, `format`, `full`,
//! `allow_private`: the new webhook's secret, shown once),
//! `POST /admin/t/{tenant}/webhooks/{id}/active` (`active`: enable or
//! disable), `POST /admin/t/{tenant}/webhooks/{id}/delete` and
//! `POST /admin/t/{tenant}/webhooks/{id}/redeliver` (queue its dead
//! letters for delivery again).

use super::{ok, see_other, url, when, Layout, Nav, Select};
use crate::error::PageError;
use crate::session::{PageAdmin, PageForm};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::AppState;
use scim_service::admin_webhooks::{format_name, parse_format, WebhookStatus};
use scim_service::console::WebhookForm;

/// A webhook's row.
pub struct HookRow {
    pub id: i64,
    /// Its form actions start here.
    pub base: String,
    pub url: String,
    pub format: &'static str,
    pub state: &'static str,
    pub state_class: &'static str,
    pub disabled: bool,
    pub pending: u64,
    pub failures: u32,
    pub last_error: Option<String>,
    pub next_attempt: Option<String>,
    pub dead: u64,
}

impl HookRow {
    pub(crate) fn of(tenant: &str, w: &WebhookStatus) -> HookRow {
        let h = &w.hook;
        let (state, state_class) = if h.disabled.is_some() {
            ("disabled", "warn")
        } else if h.dead > 0 {
            ("dead letters", "bad")
        } else if h.failures > 0 {
            ("retrying", "warn")
        } else {
            ("healthy", "ok")
        };
        HookRow {
            id: h.id,
            base: format!("/admin/t/{}/webhooks/{}", url(tenant), h.id),
            url: h.url.clone(),
            format: format_name(h.format),
            state,
            state_class,
            disabled: h.disabled.is_some(),
            pending: w.pending,
            failures: h.failures,
            last_error: h.last_error.clone(),
            next_attempt: when(h.next_attempt),
            dead: h.dead,
        }
    }
}

/// The webhooks page.
#[derive(Template)]
#[template(path = "webhooks.html")]
pub struct WebhooksPage {
    pub layout: Layout,
    pub csrf: String,
    pub can_change: bool,
    /// Only a super-admin lets a webhook reach private addresses.
    pub may_allow_private: bool,
    pub create_action: String,
    pub format: Select,
    pub rows: Vec<HookRow>,
}

/// `GET /admin/t/{tenant}/webhooks`.
pub async fn show(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path(tenant): Path<String>,
) -> Result<Response, PageError> {
    let hooks = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .hooks()
        .list()
        .await?;
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "webhooks",
    };
    Ok(ok(&WebhooksPage {
        layout: Layout::new("Webhooks", &nav),
        csrf: who.csrf().to_string(),
        can_change: who.may_change(&tenant),
        may_allow_private: who.is_super() && who.can_change(),
        create_action: format!("/admin/t/{}/webhooks", url(&tenant)),
        format: Select::labelled(
            "format",
            "Format",
            [
                ("signed", "signed (JSON batch, HMAC signature)"),
                ("set", "set (RFC 8935 Security Event Tokens)"),
            ]
            .map(|(v, l)| (v.to_string(), l.to_string())),
            "signed",
        ),
        rows: hooks.iter().map(|w| HookRow::of(&tenant, w)).collect(),
    }))
}

/// The page that shows a new webhook's secret once.
#[derive(Template)]
#[template(path = "webhook_created.html")]
pub struct WebhookCreatedPage {
    pub layout: Layout,
    pub back_href: String,
    pub id: i64,
    pub url: String,
    pub format: &'static str,
    pub secret: String,
}

/// `POST /admin/t/{tenant}/webhooks` with `url`, `format`, `full`,
/// `allow_private`.
pub async fn create(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let format = parse_format(
        &Some(form.text("format"))
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| "signed".into()),
    )?;
    let hook = state
        .service
        .console(&who)
        .create_webhook(
            &tenant,
            WebhookForm {
                url: form.text("url"),
                format,
                full: form.get("full") == Some("on"),
                allow_private: form.get("allow_private") == Some("on"),
            },
        )
        .await?;
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "webhooks",
    };
    Ok(ok(&WebhookCreatedPage {
        layout: Layout::new("New webhook", &nav),
        back_href: format!("/admin/t/{}/webhooks", url(&tenant)),
        id: hook.id,
        url: hook.url.clone(),
        format: format_name(hook.format),
        secret: hook.secret.clone(),
    }))
}

/// `POST /admin/t/{tenant}/webhooks/{id}/active` with `active=true|false`.
pub async fn set_active(
    State(state): State<AppState>,
    Path((tenant, id)): Path<(String, i64)>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .set_webhook_enabled(id, form.get("active") == Some("true"))
        .await?;
    Ok(see_other(&format!("/admin/t/{}/webhooks", url(&tenant))))
}

/// `POST /admin/t/{tenant}/webhooks/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    Path((tenant, id)): Path<(String, i64)>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .delete_webhook(id)
        .await?;
    Ok(see_other(&format!("/admin/t/{}/webhooks", url(&tenant))))
}

/// `POST /admin/t/{tenant}/webhooks/{id}/redeliver`.
pub async fn redeliver(
    State(state): State<AppState>,
    Path((tenant, id)): Path<(String, i64)>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .redeliver(id, None)
        .await?;
    Ok(see_other(&format!("/admin/t/{}/webhooks", url(&tenant))))
}
