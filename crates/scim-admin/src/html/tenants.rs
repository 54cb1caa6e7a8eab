//! Console tenants: `GET /admin/tenants` (the tenants this admin reaches;
//! a super-admin also gets the create form), `POST /admin/tenants`.

use super::{csrf, esc, input, ok, see_other, url, Nav};
use crate::error::PageError;
use crate::session::{PageAdmin, PageForm};
use axum::extract::State;
use axum::response::Response;
use scim_http::AppState;

/// `GET /admin/tenants`.
pub async fn list(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
) -> Result<Response, PageError> {
    let tenants = state.service.console(&who).tenants().await?;
    let rows: String = tenants
        .iter()
        .map(|t| {
            let s = &t.settings;
            format!(
                r#"<tr><td><a href="/admin/t/{}/connections">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                url(&t.name),
                esc(&t.name),
                esc(&t.created.to_string()),
                s.seat_limit.map_or_else(|| "none".into(), |l| l.to_string()),
                if s.breaker.enabled { "on" } else { "off" }
            )
        })
        .collect();
    let create = if who.is_super() && who.can_change() {
        format!(
            r#"<form class="card" method="post" action="/admin/tenants"><h2>New tenant</h2>{}<div class="fields">{}<button type="submit">Create tenant</button></div></form>"#,
            csrf(&who),
            input(
                "text",
                "name",
                "Name",
                "",
                r#"required pattern="[A-Za-z0-9._\-]{1,64}""#
            )
        )
    } else {
        String::new()
    };
    let body = format!(
        r#"<h1>Tenants</h1><table><caption class="skip">Tenants</caption><thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Seat limit</th><th scope="col">Circuit breaker</th></tr></thead><tbody>{rows}</tbody></table>{create}"#
    );
    Ok(ok(
        "Tenants",
        &Nav {
            who: &who,
            tenant: None,
            section: "tenants",
        },
        &body,
    ))
}

/// `POST /admin/tenants` with `name`.
pub async fn create(
    State(state): State<AppState>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let t = state
        .service
        .console(&who)
        .system()?
        .create_tenant(&form.text("name"))
        .await?;
    Ok(see_other(&format!("/admin/t/{}/connections", url(&t.name))))
}
