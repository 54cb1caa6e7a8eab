//! Console connections of a tenant: `GET /admin/t/{tenant}/connections`
//! (profile, policies, live tokens; the create form for owners) and
//! `POST /admin/t/{tenant}/connections`.

use super::{csrf, esc, input, ok, see_other, select, url, Nav};
use crate::error::PageError;
use crate::params::connection_form;
use crate::session::{PageAdmin, PageForm};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::AppState;
use scim_service::console::{AdminPrincipal, ConnectionView};
use scim_store::Connection;

/// Profiles a connection may have.
pub const PROFILES: &[&str] = &["auto", "entra", "okta", "onelogin", "jumpcloud", "strict"];

/// A policy's name as the forms and the CLI spell it.
pub fn choice_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The connection's policy fields (empty for a new one).
pub fn policy_fields(c: Option<&Connection>) -> String {
    let p = c.map(|c| c.policy.clone()).unwrap_or_default();
    format!(
        "{}{}{}{}{}{}{}",
        input(
            "text",
            "name",
            "Name",
            c.map_or("", |c| c.name.as_str()),
            r#"required pattern="[A-Za-z0-9._\-]{1,64}""#
        ),
        select(
            "profile",
            "IdP profile",
            PROFILES,
            c.map_or("auto", |c| c.profile.name())
        ),
        select(
            "deactivate",
            "On active=false",
            &["disable", "acknowledge"],
            &choice_name(&p.deactivate)
        ),
        select(
            "delete",
            "On DELETE",
            &["delete", "soft-delete", "disable"],
            &choice_name(&p.delete)
        ),
        select(
            "ownership",
            "Ownership",
            &["shared", "exclusive"],
            &choice_name(&p.ownership)
        ),
        select(
            "undefined",
            "Undefined attributes",
            &["keep", "drop", "reject"],
            &choice_name(&p.undefined)
        ),
        input(
            "number",
            "max_tokens",
            "Max active tokens",
            &p.max_active_tokens.to_string(),
            r#"min="1" max="100""#
        ),
    )
}

fn row(tenant: &str, v: &ConnectionView) -> String {
    let c = &v.connection;
    let p = &c.policy;
    let live = v.live_tokens();
    let paused = if p.paused_since.is_some() {
        format!(
            r#" <a class="badge bad" href="/admin/t/{}/breaker">deprovisioning paused</a>"#,
            url(tenant)
        )
    } else {
        String::new()
    };
    format!(
        r#"<tr><td><a href="/admin/t/{}/connections/{}">{}</a>{paused}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class="num">{live} / {}</td></tr>"#,
        url(tenant),
        url(&c.name),
        esc(&c.name),
        esc(c.profile.name()),
        choice_name(&p.deactivate),
        choice_name(&p.delete),
        choice_name(&p.ownership),
        p.max_active_tokens
    )
}

fn create_form(who: &AdminPrincipal, tenant: &str) -> String {
    if !who.may_change(tenant) {
        return String::new();
    }
    format!(
        r#"<form class="card" method="post" action="/admin/t/{}/connections"><h2>New connection</h2>{}<div class="fields">{}</div><p><button type="submit">Create connection</button></p></form>"#,
        url(tenant),
        csrf(who),
        policy_fields(None)
    )
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
    let rows: String = views.iter().map(|v| row(&tenant, v)).collect();
    let body = format!(
        r#"<h1>Connections</h1><p class="muted">Each identity provider connects through a connection with its own tokens and policies (see docs/policies.md).</p><table><thead><tr><th scope="col">Name</th><th scope="col">Profile</th><th scope="col">active=false</th><th scope="col">DELETE</th><th scope="col">Ownership</th><th scope="col">Live tokens / max</th></tr></thead><tbody>{rows}</tbody></table>{}"#,
        create_form(&who, &tenant)
    );
    Ok(ok(
        "Connections",
        &Nav {
            who: &who,
            tenant: Some(&tenant),
            section: "connections",
        },
        &body,
    ))
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
