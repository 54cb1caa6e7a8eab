//! Console seats and tenant settings: `GET /admin/t/{tenant}/seats` (usage
//! against the limit, the settings) and `POST /admin/t/{tenant}/settings`
//! (seat limit, retention, circuit breaker).

use super::{csrf, esc, input, ok, see_other, url, Nav};
use crate::error::PageError;
use crate::session::{Form, PageAdmin, PageForm};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::{ScimError, ScimResult};
use scim_http::AppState;
use scim_store::TenantSettings;

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
    let usage = match v.seats.limit {
        Some(limit) => format!(
            r#"<p><label for="seat-meter">{} of {} seats in use</label><br><meter id="seat-meter" min="0" max="{limit}" value="{}" high="{}">{} of {limit}</meter></p>"#,
            v.seats.used,
            limit,
            v.seats.used,
            limit.saturating_mul(9) / 10,
            v.seats.used
        ),
        None => format!("<p>{} active users; no seat limit.</p>", v.seats.used),
    };
    let settings = if who.may_change(&tenant) {
        format!(
            r#"<form class="card" method="post" action="/admin/t/{}/settings"><h2>Settings</h2>{}<div class="fields">{}{}</div><fieldset><legend>Mass-deprovisioning circuit breaker</legend><div class="fields"><div class="field"><label><input type="checkbox" name="breaker" value="on"{}> Enabled</label></div>{}{}{}</div></fieldset><p><button type="submit">Save settings</button></p></form>"#,
            url(&tenant),
            csrf(&who),
            input(
                "text",
                "seat_limit",
                "Seat limit (empty: none)",
                &s.seat_limit.map(|l| l.to_string()).unwrap_or_default(),
                r#"inputmode="numeric""#
            ),
            input(
                "number",
                "retention_days",
                "Trash retention (days)",
                &s.retention_days.to_string(),
                r#"min="0""#
            ),
            if s.breaker.enabled { " checked" } else { "" },
            input(
                "number",
                "breaker_percent",
                "Share of users (%)",
                &s.breaker.percent.to_string(),
                r#"min="1" max="100""#
            ),
            input(
                "number",
                "breaker_window",
                "Window (minutes)",
                &s.breaker.window_minutes.to_string(),
                r#"min="1""#
            ),
            input(
                "number",
                "breaker_minimum",
                "At least (users)",
                &s.breaker.minimum.to_string(),
                r#"min="0""#
            ),
        )
    } else {
        format!(
            r#"<dl class="props"><dt>Seat limit</dt><dd>{}</dd><dt>Trash retention</dt><dd>{} days</dd><dt>Circuit breaker</dt><dd>{}</dd></dl>"#,
            s.seat_limit
                .map_or_else(|| "none".into(), |l| l.to_string()),
            s.retention_days,
            if s.breaker.enabled {
                esc(&format!(
                    "on: {}% of users within {} minutes (at least {})",
                    s.breaker.percent, s.breaker.window_minutes, s.breaker.minimum
                ))
            } else {
                "off".into()
            }
        )
    };
    let body = format!(r#"<h1>Seats and settings</h1>{usage}{settings}"#);
    Ok(ok(
        "Seats",
        &Nav {
            who: &who,
            tenant: Some(&tenant),
            section: "seats",
        },
        &body,
    ))
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
