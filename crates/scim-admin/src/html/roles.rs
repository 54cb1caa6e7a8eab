//! The console's roles page (`docs/roles.md`): `GET /admin/t/{tenant}/roles`
//! (the tenant's mappings from groups to roles; the map form for owners),
//! `POST /admin/t/{tenant}/roles` (`by`, `group`, `role`: map) and
//! `POST /admin/t/{tenant}/roles/unmap` (the same fields: remove). A
//! change recomputes the users concerned before the page comes back.

use super::{ok, see_other, url, Layout, Nav, Select};
use crate::error::PageError;
use crate::session::{PageAdmin, PageForm};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::ScimError;
use scim_http::AppState;
use scim_service::admin_roles::{RoleMappings, Roles};
use scim_store::{GroupSelector, RoleMapping};

/// One mapping, as the page lists it.
pub struct MappingRow {
    /// `displayName` or `externalId`.
    pub by: String,
    pub group: String,
    pub role: String,
}

impl MappingRow {
    pub(crate) fn of(m: &RoleMapping) -> MappingRow {
        MappingRow {
            by: m.selector.attribute().to_string(),
            group: m.value.clone(),
            role: m.role.clone(),
        }
    }
}

/// The roles page.
#[derive(Template)]
#[template(path = "roles.html")]
pub struct RolesPage {
    pub layout: Layout,
    pub csrf: String,
    pub can_change: bool,
    pub map_action: String,
    pub unmap_action: String,
    pub by: Select,
    pub rows: Vec<MappingRow>,
}

/// The selector's choice in the form.
pub fn by_select() -> Select {
    Select::of(
        "by",
        "Group named by",
        &["displayName", "externalId"],
        "displayName",
    )
}

/// `GET /admin/t/{tenant}/roles`.
pub async fn show(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path(tenant): Path<String>,
) -> Result<Response, PageError> {
    let reader = state.service.console(&who).read(&tenant).await?;
    let list = RoleMappings::new(&reader).list().await?;
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "roles",
    };
    let base = format!("/admin/t/{}/roles", url(&tenant));
    Ok(ok(&RolesPage {
        layout: Layout::new("Roles", &nav),
        csrf: who.csrf().to_string(),
        can_change: who.may_change(&tenant),
        unmap_action: format!("{base}/unmap"),
        map_action: base,
        by: by_select(),
        rows: list.iter().map(MappingRow::of).collect(),
    }))
}

fn mapping(form: &crate::session::Form) -> Result<RoleMapping, PageError> {
    let selector = match form.text("by").as_str() {
        "" | "displayName" => GroupSelector::DisplayName,
        "externalId" => GroupSelector::ExternalId,
        other => {
            return Err(ScimError::InvalidValue(format!(
                "a group is named by displayName or externalId, not {other:?}"
            ))
            .into())
        }
    };
    Ok(RoleMapping {
        selector,
        value: form.text("group"),
        role: form.text("role"),
    })
}

/// `POST /admin/t/{tenant}/roles` with `by`, `group` and `role`.
pub async fn map(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let m = mapping(&form)?;
    let admin = state.service.console(&who).change(&tenant).await?;
    Roles::new(&admin).map(m).await?;
    Ok(see_other(&format!("/admin/t/{}/roles", url(&tenant))))
}

/// `POST /admin/t/{tenant}/roles/unmap` with `by`, `group` and `role`.
pub async fn unmap(
    State(state): State<AppState>,
    Path(tenant): Path<String>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let m = mapping(&form)?;
    let admin = state.service.console(&who).change(&tenant).await?;
    Roles::new(&admin).unmap(m).await?;
    Ok(see_other(&format!("/admin/t/{}/roles", url(&tenant))))
}
