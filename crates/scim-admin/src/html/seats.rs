//! Console seats and tenant settings: `GET /admin/t/{tenant}/seats` (usage
//! against the limit, the settings) and `POST /admin/t/{tenant}/settings`
//! (seat limit, retention, circuit breaker).

use super::{ok, see_other, url, Layout, Nav};
use crate::error::PageError;
use crate::session::{Form, PageAdmin, PageForm};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::{ScimError, ScimResult};
use scim_http::AppState;
use scim_store::{BreakerPolicy, TenantSettings};

fn num<T: std::str::FromStr>(f: &Form, name: &str, label: &str) -> ScimResult<Option<T>> {
    match f.text(name).as_str() {
        "" | "none" => Ok(None),
        v => v
            .parse()
            .map(Some)
            .map_err(|_| ScimError::InvalidValue(format!("{label} must be a whole number"))),
    }
}

/// Applies the settings form to the current settings.
fn apply(f: &Form, s: &mut TenantSettings) -> ScimResult<()> {
    s.seat_limit = num(f, "seat_limit", "the seat limit")?;
    if let Some(d) = num(f, "retention_days", "retention days")? {
        s.retention_days = d;
    }
    s.breaker.enabled = f.get("breaker") == Some("on");
    if let Some(p) = num(f, "breaker_percent", "the breaker's percentage")? {
        s.breaker.percent = p;
    }
    if let Some(w) = num(f, "breaker_window", "the breaker's window")? {
        s.breaker.window_minutes = w;
    }
    if let Some(m) = num(f, "breaker_minimum", "the breaker's minimum")? {
        s.breaker.minimum = m;
    }
    Ok(())
}

/// The seats and settings page.
#[derive(Template)]
#[template(path = "seats.html")]
pub struct SeatsPage {
    pub layout: Layout,
    pub csrf: String,
    pub action: String,
    pub used: u64,
    pub seat_limit: Option<u64>,
    /// Where the meter turns to "high" (90 % of the limit).
    pub high: u64,
    pub can_change: bool,
    pub retention_days: u32,
    pub breaker: BreakerPolicy,
}

/// `GET /admin/t/{tenant}/seats`.
pub async fn show(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path(tenant): Path<String>,
) -> Result<Response, PageError> {
    let v = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .overview()
        .await?;
    let s = &v.tenant.settings;
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "seats",
    };
    Ok(ok(&SeatsPage {
        layout: Layout::new("Seats", &nav),
        csrf: who.csrf().to_string(),
        action: format!("/admin/t/{}/settings", url(&tenant)),
        used: v.seats.used,
        seat_limit: v.seats.limit,
        high: v.seats.limit.unwrap_or(0).saturating_mul(9) / 10,
        can_change: who.may_change(&tenant),
        retention_days: s.retention_days,
        breaker: s.breaker.clone(),
    }))
}

/// `POST /admin/t/{tenant}/settings`.
pub async fn update(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .update_settings(|s| apply(&form, s))
        .await?;
    Ok(see_other(&format!("/admin/t/{}/seats", url(&tenant))))
}
