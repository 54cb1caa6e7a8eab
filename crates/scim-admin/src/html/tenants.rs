//! Console tenants: `GET /admin/tenants` (the tenants this admin reaches;
//! a super-admin also gets the create form), `POST /admin/tenants`.

use super::{ok, see_other, url, Layout, Nav};
use crate::error::PageError;
use crate::session::{PageAdmin, PageForm};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use scim_http::AppState;
use scim_store::Tenant;

/// A tenant's row.
pub struct TenantRow {
    pub href: String,
    pub name: String,
    pub created: String,
    pub seat_limit: String,
    pub breaker: &'static str,
}

impl From<&Tenant> for TenantRow {
    fn from(t: &Tenant) -> TenantRow {
        let s = &t.settings;
        TenantRow {
            href: format!("/admin/t/{}/connections", url(&t.name)),
            name: t.name.clone(),
            created: t.created.to_string(),
            seat_limit: s
                .seat_limit
                .map_or_else(|| "none".into(), |l| l.to_string()),
            breaker: if s.breaker.enabled { "on" } else { "off" },
        }
    }
}

/// The tenants page.
#[derive(Template)]
#[template(path = "tenants.html")]
pub struct TenantsPage {
    pub layout: Layout,
    pub csrf: String,
    pub rows: Vec<TenantRow>,
    pub can_create: bool,
}

/// `GET /admin/tenants`.
pub async fn list(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
) -> Result<Response, PageError> {
    let tenants = state.service.console(&who).tenants().await?;
    let nav = Nav {
        who: &who,
        tenant: None,
        section: "tenants",
    };
    Ok(ok(&TenantsPage {
        layout: Layout::new("Tenants", &nav),
        csrf: who.csrf().to_string(),
        rows: tenants.iter().map(TenantRow::from).collect(),
        can_create: who.is_super() && who.can_change(),
    }))
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
