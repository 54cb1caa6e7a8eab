//! Console admin accounts, for super-admins: `GET /admin/admins` (every
//! account with its state, forms to disable or enable it, set a new
//! password, end its sessions or delete it, and the form that creates
//! one), `POST /admin/admins` (`username`, `password`, `role`, `tenant`),
//! `POST /admin/admins/{username}/active` (`active`),
//! `POST /admin/admins/{username}/password` (`password`),
//! `POST /admin/admins/{username}/sessions` and
//! `POST /admin/admins/{username}/delete`. Each change is audited.

use super::{ok, see_other, url, Layout, Nav, Select};
use crate::error::PageError;
use crate::session::{PageAdmin, PageForm};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::ScimError;
use scim_http::AppState;
use scim_service::console::{AccountChange, AdminForm, AdminKind, AdminPrincipal, AdminView};

/// An account's row.
pub struct AdminRow {
    pub username: String,
    /// The account's form actions start here.
    pub base: String,
    /// The id of its password field.
    pub field: String,
    pub role: String,
    pub tenant: String,
    pub created: String,
    pub disabled: Option<String>,
    /// The signed-in admin's own account.
    pub own: bool,
}

impl AdminRow {
    pub(crate) fn of(who: &AdminPrincipal, a: &AdminView) -> AdminRow {
        AdminRow {
            base: format!("/admin/admins/{}", url(&a.username)),
            field: format!("pw-{}", url(&a.username)),
            role: a.kind.to_string(),
            tenant: a.tenant.clone().unwrap_or_else(|| "every tenant".into()),
            created: a.created.to_string(),
            disabled: a.disabled.map(|t| t.to_string()),
            own: a.username == who.username(),
            username: a.username.clone(),
        }
    }
}

/// The admin accounts page.
#[derive(Template)]
#[template(path = "admins.html")]
pub struct AdminsPage {
    pub layout: Layout,
    pub csrf: String,
    pub rows: Vec<AdminRow>,
    pub role: Select,
    pub tenant: Select,
}

/// `GET /admin/admins`.
pub async fn list(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
) -> Result<Response, PageError> {
    let c = state.service.console(&who);
    let admins = c.system()?.admins().await?;
    let tenants = c.tenants().await?;
    let nav = Nav {
        who: &who,
        tenant: None,
        section: "admins",
    };
    let mut tenant_options = vec![(
        String::new(),
        "(none: super-admin, or a viewer of every tenant)".to_string(),
    )];
    tenant_options.extend(tenants.iter().map(|t| (t.name.clone(), t.name.clone())));
    Ok(ok(&AdminsPage {
        layout: Layout::new("Admin accounts", &nav),
        csrf: who.csrf().to_string(),
        rows: admins.iter().map(|a| AdminRow::of(&who, a)).collect(),
        role: Select::labelled(
            "role",
            "Role",
            [
                ("owner", "owner of one tenant"),
                ("viewer", "viewer"),
                ("super", "super-admin"),
            ]
            .map(|(v, l)| (v.to_string(), l.to_string())),
            "owner",
        ),
        tenant: Select::labelled("tenant", "Tenant", tenant_options, ""),
    }))
}

/// `POST /admin/admins` with `username`, `password`, `role` and `tenant`.
pub async fn create(
    State(state): State<AppState>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let kind = match form.get("role").unwrap_or("") {
        "owner" => AdminKind::Owner,
        "viewer" => AdminKind::Viewer,
        "super" => AdminKind::Super,
        other => {
            return Err(PageError(ScimError::InvalidValue(format!(
                "unknown role {other:?}: use owner, viewer or super"
            ))))
        }
    };
    let tenant = Some(form.text("tenant")).filter(|t| !t.is_empty());
    state
        .service
        .console(&who)
        .system()?
        .create_admin_from(AdminForm {
            username: form.text("username"),
            password: form.get("password").unwrap_or("").to_string(),
            kind,
            tenant,
        })
        .await?;
    Ok(see_other("/admin/admins"))
}

async fn apply(
    state: &AppState,
    who: &AdminPrincipal,
    username: &str,
    change: AccountChange,
) -> Result<Response, PageError> {
    state
        .service
        .console(who)
        .system()?
        .change_admin(username, change)
        .await?;
    Ok(see_other("/admin/admins"))
}

/// `POST /admin/admins/{username}/active` with `active` (`true` or `false`).
pub async fn set_active(
    State(state): State<AppState>,
    Path(username): Path<String>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let change = if form.get("active") == Some("true") {
        AccountChange::Enable
    } else {
        AccountChange::Disable
    };
    apply(&state, &who, &username, change).await
}

/// `POST /admin/admins/{username}/password` with `password`.
pub async fn password(
    State(state): State<AppState>,
    Path(username): Path<String>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let password = form.get("password").unwrap_or("").to_string();
    apply(&state, &who, &username, AccountChange::Password(password)).await
}

/// `POST /admin/admins/{username}/sessions`.
pub async fn revoke(
    State(state): State<AppState>,
    Path(username): Path<String>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    apply(&state, &who, &username, AccountChange::RevokeSessions).await
}

/// `POST /admin/admins/{username}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    Path(username): Path<String>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    apply(&state, &who, &username, AccountChange::Delete).await
}
