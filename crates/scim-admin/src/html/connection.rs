//! One console connection: `GET /admin/t/{tenant}/connections/{name}`
//! (health, profile and policies, tokens with their last use, the issue
//! and rotate forms), `POST` to the same path (update),
//! `POST /admin/t/{tenant}/connections/{name}/tokens` (a new token, shown
//! once with a copy button and the SCIM base URL),
//! `POST /admin/t/{tenant}/connections/{name}/rotate` (`overlap_days`: a
//! new token, shown once, the live ones retired after the overlap),
//! `POST /admin/t/{tenant}/connections/{name}/delete` and
//! `POST /admin/t/{tenant}/tokens/{id}/revoke`.

use super::connections::{HealthView, PolicyForm};
use super::{choice_name, ok, see_other, url, when, Layout, Nav};
use crate::error::PageError;
use crate::params::connection_form;
use crate::session::{Form, PageAdmin, PageForm};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::{ScimError, ScimResult};
use scim_http::extract::Ctx;
use scim_http::AppState;
use scim_service::admin::IssuedToken;
use scim_service::admin_connections::Rotation;
use scim_service::console::{AdminPrincipal, ConnectionView, TokenState, TokenView};

/// A token's row.
pub struct TokenRow {
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub expires: Option<String>,
    pub last_used: Option<String>,
    pub state: &'static str,
    pub state_class: &'static str,
    /// The revoke form's action, for an owner and a live token.
    pub revoke: Option<String>,
}

impl TokenRow {
    fn of(tenant: &str, can: bool, tv: &TokenView) -> TokenRow {
        let t = &tv.record;
        TokenRow {
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            created: t.created.to_string(),
            expires: when(t.expires),
            last_used: when(t.last_used),
            state: tv.state.name(),
            state_class: match tv.state {
                TokenState::Revoked => "bad",
                TokenState::Active => "ok",
                TokenState::Expired => "warn",
            },
            revoke: (can && t.revoked.is_none())
                .then(|| format!("/admin/t/{}/tokens/{}/revoke", url(tenant), t.id)),
        }
    }
}

/// One connection's page.
#[derive(Template)]
#[template(path = "connection.html")]
pub struct ConnectionPage {
    pub layout: Layout,
    pub csrf: String,
    pub list_href: String,
    pub breaker_href: String,
    /// The connection's form actions start here.
    pub base: String,
    pub name: String,
    pub paused: bool,
    pub health: HealthView,
    /// The edit form, for owners; the read-only properties otherwise.
    pub form: Option<PolicyForm>,
    pub profile: String,
    pub deactivate: String,
    pub delete: String,
    pub ownership: String,
    pub max_tokens: u32,
    pub tokens: Vec<TokenRow>,
    /// What the connection sent that the tenant's schemas do not define.
    pub undefined: Vec<UndefinedRow>,
    /// A schema document to define them from (empty when there are none).
    pub draft: String,
}

/// An attribute the connection sent that no schema of the tenant defines.
pub struct UndefinedRow {
    pub name: String,
    pub count: u64,
    pub last_seen: String,
    /// Redacted: each string is its first character and `…`.
    pub example: String,
}

/// A schema document with the undefined top-level attributes as strings,
/// to start a definition from.
fn draft(v: &ConnectionView) -> String {
    if v.undefined.is_empty() {
        return String::new();
    }
    let plain: Vec<serde_json::Value> = v
        .undefined
        .iter()
        .filter_map(|u| u.name.rsplit(':').next())
        .filter(|n| !n.contains('.') && !n.is_empty())
        .map(|n| serde_json::json!({"name": n, "type": "string"}))
        .collect();
    let draft = serde_json::json!({
        "id": "urn:ietf:params:scim:schemas:extension:Custom:2.0:User",
        "name": "Custom",
        "attributes": plain,
    });
    serde_json::to_string_pretty(&draft).unwrap_or_default()
}

impl ConnectionPage {
    pub(crate) fn of(who: &AdminPrincipal, tenant: &str, v: &ConnectionView) -> ConnectionPage {
        let c = &v.connection;
        let can = who.may_change(tenant);
        let nav = Nav {
            who,
            tenant: Some(tenant),
            section: "connections",
        };
        ConnectionPage {
            layout: Layout::new(format!("Connection {}", c.name), &nav),
            csrf: who.csrf().to_string(),
            list_href: format!("/admin/t/{}/connections", url(tenant)),
            breaker_href: format!("/admin/t/{}/breaker", url(tenant)),
            base: format!("/admin/t/{}/connections/{}", url(tenant), url(&c.name)),
            name: c.name.clone(),
            paused: c.policy.paused_since.is_some(),
            health: HealthView::of(tenant, &c.name, &v.health),
            form: can.then(|| PolicyForm::of(Some(c))),
            profile: c.profile.to_string(),
            deactivate: choice_name(&c.policy.deactivate),
            delete: choice_name(&c.policy.delete),
            ownership: choice_name(&c.policy.ownership),
            max_tokens: c.policy.max_active_tokens,
            tokens: v
                .tokens
                .iter()
                .map(|t| TokenRow::of(tenant, can, t))
                .collect(),
            undefined: v
                .undefined
                .iter()
                .map(|u| UndefinedRow {
                    name: u.name.clone(),
                    count: u.count,
                    last_seen: u.last_seen.to_string(),
                    example: u.example.clone(),
                })
                .collect(),
            draft: draft(v),
        }
    }
}

/// `GET /admin/t/{tenant}/connections/{name}`.
pub async fn show(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path((tenant, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let v = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .connection_view(&name)
        .await?;
    Ok(ok(&ConnectionPage::of(&who, &tenant, &v)))
}

/// `POST /admin/t/{tenant}/connections/{name}`: saves profile and policies.
pub async fn update(
    State(state): State<AppState>,
    Path((tenant, name)): Path<(String, String)>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let f = connection_form(&form)?;
    let c = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .update_connection(&name, move |c| f.apply(c))
        .await?;
    Ok(see_other(&format!(
        "/admin/t/{}/connections/{}",
        url(&tenant),
        url(&c.name)
    )))
}

/// The page that shows a new token once, with the SCIM base URL.
#[derive(Template)]
#[template(path = "token.html")]
pub struct TokenPage {
    pub layout: Layout,
    pub back_href: String,
    pub connection: String,
    pub base_url: String,
    pub label: String,
    pub token: String,
    /// The overlap of a rotation, in days.
    pub rotated: Option<u32>,
}

fn token_page(
    who: &AdminPrincipal,
    tenant: &str,
    name: &str,
    base_url: &str,
    issued: &IssuedToken,
    rotated: Option<u32>,
) -> Response {
    let nav = Nav {
        who,
        tenant: Some(tenant),
        section: "connections",
    };
    ok(&TokenPage {
        layout: Layout::new("New token", &nav),
        back_href: format!("/admin/t/{}/connections/{}", url(tenant), url(name)),
        connection: name.to_string(),
        base_url: base_url.to_string(),
        label: issued.record.name.clone(),
        token: issued.token.clone(),
        rotated,
    })
}

fn days(form: &Form, field: &str, label: &str) -> ScimResult<Option<u32>> {
    match form.text(field).as_str() {
        "" => Ok(None),
        d => d
            .parse::<u32>()
            .map(Some)
            .map_err(|_| ScimError::InvalidValue(format!("{label} must be a whole number"))),
    }
}

/// `POST /admin/t/{tenant}/connections/{name}/tokens`: the new token,
/// shown on this page only.
pub async fn issue(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((tenant, name)): Path<(String, String)>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let expires = days(&form, "expires_in_days", "expires in days")?;
    let issued = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .issue_token(Some(&name), &form.text("label"), expires)
        .await?;
    Ok(token_page(
        &who,
        &tenant,
        &name,
        &ctx.base_url,
        &issued,
        None,
    ))
}

/// `POST /admin/t/{tenant}/connections/{name}/rotate` with `overlap_days`:
/// a new token, shown on this page only; the live ones stop after the
/// overlap.
pub async fn rotate(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((tenant, name)): Path<(String, String)>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let overlap = days(&form, "overlap_days", "the overlap")?.unwrap_or(0);
    let issued = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .rotate_token(&name, Rotation::console(overlap))
        .await?;
    Ok(token_page(
        &who,
        &tenant,
        &name,
        &ctx.base_url,
        &issued,
        Some(overlap),
    ))
}

/// `POST /admin/t/{tenant}/connections/{name}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    Path((tenant, name)): Path<(String, String)>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .delete_connection(&name)
        .await?;
    Ok(see_other(&format!("/admin/t/{}/connections", url(&tenant))))
}

/// `POST /admin/t/{tenant}/tokens/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    Path((tenant, id)): Path<(String, i64)>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .revoke_token(id)
        .await?;
    Ok(see_other(&format!("/admin/t/{}/connections", url(&tenant))))
}
