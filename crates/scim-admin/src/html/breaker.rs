//! The console's circuit breaker page: `GET /admin/t/{tenant}/breaker`
//! (connections whose deprovisioning is paused) and
//! `POST /admin/t/{tenant}/breaker/{name}` with `decision=confirm|reject`.

use super::{ok, see_other, url, Layout, Nav};
use crate::error::PageError;
use crate::session::{PageAdmin, PageForm};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::timestamp::Timestamp;
use scim_core::ScimError;
use scim_http::AppState;

/// A paused connection.
pub struct PausedView {
    pub name: String,
    pub since: String,
    /// Its decision form's action.
    pub action: String,
}

/// The circuit breaker page.
#[derive(Template)]
#[template(path = "breaker.html")]
pub struct BreakerPage {
    pub layout: Layout,
    pub csrf: String,
    pub can_change: bool,
    pub paused: Vec<PausedView>,
}

/// `GET /admin/t/{tenant}/breaker`.
pub async fn show(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path(tenant): Path<String>,
) -> Result<Response, PageError> {
    let paused = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .paused()
        .await?;
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "breaker",
    };
    Ok(ok(&BreakerPage {
        layout: Layout::new("Circuit breaker", &nav),
        csrf: who.csrf().to_string(),
        can_change: who.may_change(&tenant),
        paused: paused
            .iter()
            .map(|c| PausedView {
                name: c.name.clone(),
                since: c
                    .policy
                    .paused_since
                    .and_then(Timestamp::from_unix_millis)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
                action: format!("/admin/t/{}/breaker/{}", url(&tenant), url(&c.name)),
            })
            .collect(),
    }))
}

/// `POST /admin/t/{tenant}/breaker/{name}`.
pub async fn decide(
    State(state): State<AppState>,
    Path((tenant, name)): Path<(String, String)>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let confirm = match form.get("decision") {
        Some("confirm") => true,
        Some("reject") => false,
        _ => {
            return Err(PageError(ScimError::InvalidValue(
                "choose confirm or reject".into(),
            )))
        }
    };
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .release_breaker(&name, confirm)
        .await?;
    Ok(see_other(&format!("/admin/t/{}/breaker", url(&tenant))))
}
