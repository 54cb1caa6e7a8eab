//! Console connections of a tenant: `GET /admin/t/{tenant}/connections`
//! (profile, policies, live tokens and health: last request, circuit
//! breaker, last error; the create form for owners) and
//! `POST /admin/t/{tenant}/connections`.

use super::{choice_name, ok, see_other, url, when, Layout, Nav, Select};
use crate::error::PageError;
use crate::params::connection_form;
use crate::session::{PageAdmin, PageForm};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::timestamp::Timestamp;
use scim_http::AppState;
use scim_service::console::{BreakerState, ConnectionHealth, ConnectionView};
use scim_store::{AuditRecord, Connection};

/// Profiles a connection may have.
pub const PROFILES: &[&str] = &[
    "auto",
    "entra",
    "okta",
    "onelogin",
    "jumpcloud",
    "strict",
    "interop",
];

/// A connection's editable fields (empty for a new one).
pub struct PolicyForm {
    pub name: String,
    pub profile: Select,
    pub deactivate: Select,
    pub delete: Select,
    pub ownership: Select,
    /// What happens to attributes the tenant's schemas do not define.
    pub undefined: Select,
    pub max_tokens: u32,
}

impl PolicyForm {
    pub fn of(c: Option<&Connection>) -> PolicyForm {
        let p = c.map(|c| c.policy.clone()).unwrap_or_default();
        PolicyForm {
            name: c.map(|c| c.name.clone()).unwrap_or_default(),
            profile: Select::of(
                "profile",
                "IdP profile",
                PROFILES,
                c.map_or("auto", |c| c.profile.name()),
            ),
            deactivate: Select::of(
                "deactivate",
                "On active=false",
                &["disable", "acknowledge"],
                &choice_name(&p.deactivate),
            ),
            delete: Select::of(
                "delete",
                "On DELETE",
                &["delete", "soft-delete", "disable"],
                &choice_name(&p.delete),
            ),
            ownership: Select::of(
                "ownership",
                "Ownership",
                &["shared", "exclusive"],
                &choice_name(&p.ownership),
            ),
            undefined: Select::of(
                "undefined",
                "Undefined attributes",
                &["keep", "drop", "reject"],
                &choice_name(&p.undefined),
            ),
            max_tokens: p.max_active_tokens,
        }
    }
}

/// A refused request as the health column shows it.
pub struct ErrorView {
    /// The audit log, filtered to the connection's refusals.
    pub href: String,
    pub status: u16,
    pub at: String,
    pub detail: String,
}

/// A connection's health at a glance.
pub struct HealthView {
    pub last_used: Option<String>,
    pub breaker: &'static str,
    pub breaker_class: &'static str,
    pub paused_since: Option<String>,
    pub last_error: Option<ErrorView>,
    /// Requests and errors over the last hour and day: `12 (1 error)`.
    pub hour: String,
    pub day: String,
    /// The connection's provisioning log, and its errors.
    pub log_href: String,
    pub errors_href: String,
}

fn counts(c: scim_store::LogCounts) -> String {
    match c.errors {
        0 => c.requests.to_string(),
        1 => format!("{} (1 error)", c.requests),
        n => format!("{} ({n} errors)", c.requests),
    }
}

impl HealthView {
    pub fn of(tenant: &str, name: &str, h: &ConnectionHealth) -> HealthView {
        let (breaker_class, paused_since) = match h.breaker {
            BreakerState::Paused(at) => ("bad", Some(at.to_string())),
            BreakerState::Armed => ("ok", None),
            BreakerState::Off => ("", None),
        };
        HealthView {
            last_used: when(h.last_used),
            breaker: h.breaker.name(),
            breaker_class,
            paused_since,
            last_error: h.last_error.as_ref().map(|r| error_view(tenant, name, r)),
            hour: counts(h.hour),
            day: counts(h.day),
            log_href: format!("/admin/t/{}/connections/{}/log", url(tenant), url(name)),
            errors_href: format!(
                "/admin/t/{}/connections/{}/log?status=4xx",
                url(tenant),
                url(name)
            ),
        }
    }
}

fn error_view(tenant: &str, name: &str, r: &AuditRecord) -> ErrorView {
    let e = &r.entry;
    ErrorView {
        href: format!(
            "/admin/t/{}/audit?connection={}&outcome=refused",
            url(tenant),
            url(name)
        ),
        status: e.status,
        at: Timestamp::from_unix_millis(e.at).map_or_else(String::new, |t| t.to_string()),
        detail: e
            .detail
            .clone()
            .unwrap_or_else(|| format!("{} {}", e.method, e.path)),
    }
}

/// A connection's row.
pub struct ConnectionRow {
    pub href: String,
    pub name: String,
    pub profile: String,
    pub deactivate: String,
    pub delete: String,
    pub ownership: String,
    pub live: usize,
    pub max: u32,
    pub paused: bool,
    pub last_used: Option<String>,
    pub breaker: &'static str,
    pub breaker_class: &'static str,
    pub last_error: Option<ErrorView>,
    pub hour: String,
    pub day: String,
    pub log_href: String,
}

impl ConnectionRow {
    pub(crate) fn of(tenant: &str, v: &ConnectionView) -> ConnectionRow {
        let c = &v.connection;
        let p = &c.policy;
        let h = HealthView::of(tenant, &c.name, &v.health);
        ConnectionRow {
            href: format!("/admin/t/{}/connections/{}", url(tenant), url(&c.name)),
            name: c.name.clone(),
            profile: c.profile.to_string(),
            deactivate: choice_name(&p.deactivate),
            delete: choice_name(&p.delete),
            ownership: choice_name(&p.ownership),
            live: v.live_tokens(),
            max: p.max_active_tokens,
            paused: p.paused_since.is_some(),
            last_used: h.last_used,
            breaker: h.breaker,
            breaker_class: h.breaker_class,
            last_error: h.last_error,
            hour: h.hour,
            day: h.day,
            log_href: h.log_href,
        }
    }
}

/// The connections page.
#[derive(Template)]
#[template(path = "connections.html")]
pub struct ConnectionsPage {
    pub layout: Layout,
    pub csrf: String,
    pub rows: Vec<ConnectionRow>,
    pub breaker_href: String,
    pub create_action: String,
    /// The create form, for owners.
    pub form: Option<PolicyForm>,
}

/// `GET /admin/t/{tenant}/connections`.
pub async fn list(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path(tenant): Path<String>,
) -> Result<Response, PageError> {
    let views = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .connection_views()
        .await?;
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "connections",
    };
    Ok(ok(&ConnectionsPage {
        layout: Layout::new("Connections", &nav),
        csrf: who.csrf().to_string(),
        rows: views
            .iter()
            .map(|v| ConnectionRow::of(&tenant, v))
            .collect(),
        breaker_href: format!("/admin/t/{}/breaker", url(&tenant)),
        create_action: format!("/admin/t/{}/connections", url(&tenant)),
        form: who.may_change(&tenant).then(|| PolicyForm::of(None)),
    }))
}

/// `POST /admin/t/{tenant}/connections`.
pub async fn create(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let f = connection_form(&form)?;
    let t = state.service.console(&who).change(&tenant).await?;
    let c = t.create_connection(&f.name, &f.profile, f.policy()).await?;
    Ok(see_other(&format!(
        "/admin/t/{}/connections/{}",
        url(&tenant),
        url(&c.name)
    )))
}
