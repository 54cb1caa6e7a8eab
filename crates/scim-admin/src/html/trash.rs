//! The console's trash: `GET /admin/t/{tenant}/trash` (soft-deleted users
//! and groups, newest first), `POST /admin/t/{tenant}/trash/{kind}/{id}/restore`
//! and `POST /admin/t/{tenant}/trash/{kind}/{id}/purge` (for good, now),
//! `{kind}` being `users` or `groups`. Both changes are audited.

use super::{ok, see_other, url, Layout, Nav};
use crate::error::PageError;
use crate::params::trash_kind;
use crate::session::{PageAdmin, PageForm};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::AppState;
use scim_store::Trashed;

/// A trashed resource's row.
pub struct TrashRow {
    pub id: String,
    pub display: Option<String>,
    pub deleted: String,
    pub purge_after: String,
    /// Its form actions start here.
    pub base: String,
}

/// Trashed users or groups.
pub struct TrashSection {
    pub key: &'static str,
    pub title: &'static str,
    pub rows: Vec<TrashRow>,
}

pub(crate) fn section(
    tenant: &str,
    key: &'static str,
    title: &'static str,
    items: &[Trashed],
) -> TrashSection {
    TrashSection {
        key,
        title,
        rows: items
            .iter()
            .map(|t| TrashRow {
                id: t.id.to_string(),
                display: t.display.clone(),
                deleted: t.deleted.to_string(),
                purge_after: t.purge_after.to_string(),
                base: format!(
                    "/admin/t/{}/trash/{key}/{}",
                    url(tenant),
                    url(t.id.as_str())
                ),
            })
            .collect(),
    }
}

/// The trash page.
#[derive(Template)]
#[template(path = "trash.html")]
pub struct TrashPage {
    pub layout: Layout,
    pub csrf: String,
    pub can_change: bool,
    pub sections: Vec<TrashSection>,
}

/// `GET /admin/t/{tenant}/trash`.
pub async fn show(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path(tenant): Path<String>,
) -> Result<Response, PageError> {
    let trash = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .trash_all()
        .await?;
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "trash",
    };
    Ok(ok(&TrashPage {
        layout: Layout::new("Trash", &nav),
        csrf: who.csrf().to_string(),
        can_change: who.may_change(&tenant),
        sections: vec![
            section(&tenant, "users", "Users", &trash.users),
            section(&tenant, "groups", "Groups", &trash.groups),
        ],
    }))
}

/// `POST /admin/t/{tenant}/trash/{kind}/{id}/restore`.
pub async fn restore(
    State(state): State<AppState>,
    Path((tenant, kind, id)): Path<(String, String, String)>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    let kind = trash_kind(&kind)?;
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .restore(kind, &id)
        .await?;
    Ok(see_other(&format!("/admin/t/{}/trash", url(&tenant))))
}

/// `POST /admin/t/{tenant}/trash/{kind}/{id}/purge`.
pub async fn purge(
    State(state): State<AppState>,
    Path((tenant, kind, id)): Path<(String, String, String)>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    let kind = trash_kind(&kind)?;
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .purge_trashed(kind, &id)
        .await?;
    Ok(see_other(&format!("/admin/t/{}/trash", url(&tenant))))
}
