//! Console user and group lists: `GET /admin/t/{tenant}/users` and
//! `GET /admin/t/{tenant}/groups`, with a quick search box (`q`), a SCIM
//! filter box (`filter`) and paging (`startIndex`, `count`).

use super::{ok, url, Layout, Nav};
use crate::error::PageError;
use crate::params;
use crate::session::PageAdmin;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::extract::QueryPairs;
use scim_http::AppState;
use scim_service::console::SearchPage;
use scim_service::provenance::PROVENANCE_SCHEMA;
use scim_store::ResourceKind;
use serde_json::Value;

fn s(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// The paging links around a list.
pub struct Pager {
    /// `first–last of total`.
    pub range: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    fn of(base: &str, q: &QueryPairs, p: &SearchPage) -> Pager {
        let keep: String = ["q", "filter", "count"]
            .iter()
            .filter_map(|k| q.get(k).map(|v| format!("&{k}={}", url(v))))
            .collect();
        let end = if p.items.is_empty() {
            0
        } else {
            p.start + p.items.len() as u64 - 1
        };
        let first = if p.items.is_empty() { 0 } else { p.start };
        Pager {
            range: format!("{first}–{end} of {}", p.total),
            prev: (p.start > 1).then(|| {
                let prev = p.start.saturating_sub(p.count).max(1);
                format!("{base}?startIndex={prev}{keep}")
            }),
            next: (end > 0 && end < p.total)
                .then(|| format!("{base}?startIndex={}{keep}", end + 1)),
        }
    }
}

/// A user's row.
pub struct UserRow {
    pub href: String,
    pub user_name: String,
    pub person: String,
    pub email: String,
    pub active: bool,
    pub auth_provider: String,
    /// The connection that manages it; `None`: a local account.
    pub managed_by: Option<String>,
}

impl UserRow {
    pub(crate) fn of(tenant: &str, u: &Value) -> UserRow {
        let p = &u[PROVENANCE_SCHEMA];
        let person = match u["name"]["formatted"].as_str() {
            Some(f) => f.to_string(),
            None => format!(
                "{} {}",
                s(&u["name"]["givenName"]),
                s(&u["name"]["familyName"])
            )
            .trim()
            .to_string(),
        };
        UserRow {
            href: format!(
                "/admin/t/{}/users/{}",
                url(tenant),
                url(u["id"].as_str().unwrap_or(""))
            ),
            user_name: s(&u["userName"]),
            person,
            email: u["emails"]
                .as_array()
                .and_then(|e| e.first())
                .map(|e| s(&e["value"]))
                .unwrap_or_default(),
            active: u["active"] != Value::Bool(false),
            auth_provider: s(&p["authProvider"]),
            managed_by: (p["managed"] == Value::Bool(true)).then(|| s(&p["provisionedBy"])),
        }
    }
}

/// A group's row.
pub struct GroupRow {
    pub href: String,
    pub display_name: String,
    pub external_id: String,
    pub id: String,
}

impl GroupRow {
    pub(crate) fn of(tenant: &str, g: &Value) -> GroupRow {
        let id = s(&g["id"]);
        GroupRow {
            href: format!("/admin/t/{}/groups/{}", url(tenant), url(&id)),
            display_name: s(&g["displayName"]),
            external_id: s(&g["externalId"]),
            id,
        }
    }
}

/// The users page.
#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub base: String,
    pub q: String,
    pub filter: String,
    pub pager: Pager,
    pub rows: Vec<UserRow>,
}

/// The groups page.
#[derive(Template)]
#[template(path = "groups.html")]
pub struct GroupsPage {
    pub layout: Layout,
    pub base: String,
    pub q: String,
    pub filter: String,
    pub pager: Pager,
    pub rows: Vec<GroupRow>,
}

async fn list(
    state: AppState,
    who: PageAdmin,
    tenant: String,
    kind: ResourceKind,
    q: QueryPairs,
) -> Result<Response, PageError> {
    let who = who.0;
    let p = params::search(&q)?;
    let page = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .search(kind, &p)
        .await?;
    let section = match kind {
        ResourceKind::User => "users",
        ResourceKind::Group => "groups",
    };
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section,
    };
    let base = format!("/admin/t/{}/{section}", url(&tenant));
    let pager = Pager::of(&base, &q, &page);
    let (quick, filter) = (
        q.get("q").unwrap_or("").to_string(),
        q.get("filter").unwrap_or("").to_string(),
    );
    Ok(match kind {
        ResourceKind::User => ok(&UsersPage {
            layout: Layout::new("Users", &nav),
            rows: page.items.iter().map(|u| UserRow::of(&tenant, u)).collect(),
            base,
            q: quick,
            filter,
            pager,
        }),
        ResourceKind::Group => ok(&GroupsPage {
            layout: Layout::new("Groups", &nav),
            rows: page
                .items
                .iter()
                .map(|g| GroupRow::of(&tenant, g))
                .collect(),
            base,
            q: quick,
            filter,
            pager,
        }),
    })
}

/// `GET /admin/t/{tenant}/users`.
pub async fn users(
    State(state): State<AppState>,
    who: PageAdmin,
    Path(tenant): Path<String>,
    q: QueryPairs,
) -> Result<Response, PageError> {
    list(state, who, tenant, ResourceKind::User, q).await
}

/// `GET /admin/t/{tenant}/groups`.
pub async fn groups(
    State(state): State<AppState>,
    who: PageAdmin,
    Path(tenant): Path<String>,
    q: QueryPairs,
) -> Result<Response, PageError> {
    list(state, who, tenant, ResourceKind::Group, q).await
}
