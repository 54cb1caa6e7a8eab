//! The console's circuit breaker page: `GET /admin/t/{tenant}/breaker`
//! (connections whose deprovisioning is paused) and
//! `POST /admin/t/{tenant}/breaker/{name}` with `decision=confirm|reject`.

use super::{csrf, esc, note, ok, see_other, url, Nav};
use crate::error::PageError;
use crate::session::{PageAdmin, PageForm};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::timestamp::Timestamp;
use scim_core::ScimError;
use scim_http::AppState;

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
    let can = who.may_change(&tenant);
    let list = if paused.is_empty() {
        note("ok", "No deprovisioning is paused.")
    } else {
        paused
            .iter()
            .map(|c| {
                let since = c
                    .policy
                    .paused_since
                    .and_then(Timestamp::from_unix_millis)
                    .map(|t| t.to_string())
                    .unwrap_or_default();
                let buttons = if can {
                    format!(
                        r#"<form class="inline" method="post" action="/admin/t/{t}/breaker/{n}">{csrf}<input type="hidden" name="decision" value="confirm"><button type="submit">Confirm: resume deprovisioning</button></form> <form class="inline" method="post" action="/admin/t/{t}/breaker/{n}" data-confirm="Re-enable the users this connection deactivated?">{csrf}<input type="hidden" name="decision" value="reject"><button class="danger" type="submit">Reject: re-enable the users</button></form>"#,
                        t = url(&tenant),
                        n = url(&c.name),
                        csrf = csrf(&who)
                    )
                } else {
                    String::new()
                };
                format!(
                    r#"<section class="card" aria-label="Connection {0}"><h2>Connection {0}</h2><p>Deprovisioning paused since {1}: the connection deprovisioned more users than the tenant's circuit breaker allows. Its deactivations and deletions answer 503 until you decide.</p>{buttons}</section>"#,
                    esc(&c.name),
                    esc(&since)
                )
            })
            .collect()
    };
    let body = format!(
        r#"<h1>Circuit breaker</h1><p class="muted">When one connection deprovisions a large share of users in a short time, scimd pauses it. Confirm to let it go on, or reject to re-enable the users it deactivated.</p>{list}"#
    );
    Ok(ok(
        "Circuit breaker",
        &Nav {
            who: &who,
            tenant: Some(&tenant),
            section: "breaker",
        },
        &body,
    ))
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
