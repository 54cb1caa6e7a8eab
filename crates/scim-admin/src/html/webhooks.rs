//! The console's webhooks page: `GET /admin/t/{tenant}/webhooks` (each
//! endpoint's delivery status: pending events, failures, last error, next
//! attempt, dead letters; never its secret) and
//! `POST /admin/t/{tenant}/webhooks/{id}/redeliver` (queue its dead letters
//! for delivery again). Webhooks are created with `scimd webhook create`.

use super::{csrf, esc, note, ok, or_dash, see_other, url, Nav};
use crate::error::PageError;
use crate::session::{PageAdmin, PageForm};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::AppState;
use scim_service::admin_webhooks::format_name;

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
        .webhooks()
        .await?;
    let can = who.may_change(&tenant);
    let list = if hooks.is_empty() {
        note(
            "info",
            "No webhooks. Create one with `scimd webhook create --tenant T --url URL`.",
        )
    } else {
        let rows: String = hooks
            .iter()
            .map(|w| {
                let h = &w.hook;
                let state = if h.dead > 0 {
                    r#"<span class="badge bad">dead letters</span>"#
                } else if h.failures > 0 {
                    r#"<span class="badge warn">retrying</span>"#
                } else {
                    r#"<span class="badge ok">healthy</span>"#
                };
                let action = if can && h.dead > 0 {
                    format!(
                        r#"<form class="inline" method="post" action="/admin/t/{}/webhooks/{}/redeliver">{}<button type="submit">Redeliver {} dead letter(s)</button></form>"#,
                        url(&tenant),
                        h.id,
                        csrf(&who),
                        h.dead
                    )
                } else {
                    String::new()
                };
                format!(
                    r#"<tr><td class="num">{}</td><td>{}</td><td>{}</td><td>{state}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td>{action}</td></tr>"#,
                    h.id,
                    esc(&h.url),
                    format_name(h.format),
                    w.pending,
                    h.failures,
                    or_dash(h.last_error.clone()),
                    or_dash(h.next_attempt.map(|t| t.to_string())),
                    h.dead
                )
            })
            .collect();
        format!(
            r#"<table><thead><tr><th scope="col">Id</th><th scope="col">URL</th><th scope="col">Format</th><th scope="col">Status</th><th scope="col">Pending</th><th scope="col">Failures</th><th scope="col">Last error</th><th scope="col">Next attempt</th><th scope="col">Dead letters</th><th scope="col"><span class="skip">Actions</span></th></tr></thead><tbody>{rows}</tbody></table>"#
        )
    };
    let body = format!("<h1>Webhooks</h1>{list}");
    Ok(ok(
        "Webhooks",
        &Nav {
            who: &who,
            tenant: Some(&tenant),
            section: "webhooks",
        },
        &body,
    ))
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
