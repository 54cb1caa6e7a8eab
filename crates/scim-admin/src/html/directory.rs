//! Console user and group lists: `GET /admin/t/{tenant}/users` and
//! `GET /admin/t/{tenant}/groups`, with a quick search box (`q`), a SCIM
//! filter box (`filter`) and paging (`startIndex`, `count`).

use super::{esc, input, ok, url, Nav};
use crate::error::PageError;
use crate::params;
use crate::session::PageAdmin;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::extract::QueryPairs;
use scim_http::AppState;
use scim_service::console::SearchPage;
use scim_service::provenance::PROVENANCE_SCHEMA;
use scim_store::ResourceKind;
use serde_json::Value;

fn s(v: &Value) -> String {
    v.as_str().map(esc).unwrap_or_default()
}

fn person(u: &Value) -> String {
    match u["name"]["formatted"].as_str() {
        Some(f) => esc(f),
        None => format!(
            "{} {}",
            s(&u["name"]["givenName"]),
            s(&u["name"]["familyName"])
        )
        .trim()
        .to_string(),
    }
}

fn user_row(tenant: &str, u: &Value) -> String {
    let p = &u[PROVENANCE_SCHEMA];
    let id = u["id"].as_str().unwrap_or("");
    let email = u["emails"]
        .as_array()
        .and_then(|e| e.first())
        .map(|e| s(&e["value"]))
        .unwrap_or_default();
    let active = if u["active"] == Value::Bool(false) {
        r#"<span class="badge bad">inactive</span>"#
    } else {
        r#"<span class="badge ok">active</span>"#
    };
    let managed = if p["managed"] == Value::Bool(true) {
        format!(r#"managed by {}"#, s(&p["provisionedBy"]))
    } else {
        "local".into()
    };
    format!(
        r#"<tr><td><a href="/admin/t/{}/users/{}">{}</a></td><td>{}</td><td>{email}</td><td>{active}</td><td>{}</td><td>{managed}</td></tr>"#,
        url(tenant),
        url(id),
        s(&u["userName"]),
        person(u),
        s(&p["authProvider"]),
    )
}

fn group_row(tenant: &str, g: &Value) -> String {
    let id = g["id"].as_str().unwrap_or("");
    format!(
        r#"<tr><td><a href="/admin/t/{}/groups/{}">{}</a></td><td>{}</td><td><code>{}</code></td></tr>"#,
        url(tenant),
        url(id),
        s(&g["displayName"]),
        s(&g["externalId"]),
        esc(id)
    )
}

fn pager(base: &str, q: &QueryPairs, p: &SearchPage) -> String {
    let keep: String = ["q", "filter", "count"]
        .iter()
        .filter_map(|k| q.get(k).map(|v| format!("&{k}={}", url(v))))
        .collect();
    let end = if p.items.is_empty() {
        0
    } else {
        p.start + p.items.len() as u64 - 1
    };
    let mut out = format!(
        r#"<nav class="pager" aria-label="Pages"><span>{}–{} of {}</span>"#,
        if p.items.is_empty() { 0 } else { p.start },
        end,
        p.total
    );
    if p.start > 1 {
        let prev = p.start.saturating_sub(p.count).max(1);
        out.push_str(&format!(
            r#"<a href="{base}?startIndex={prev}{keep}" rel="prev">← Previous</a>"#
        ));
    }
    if end > 0 && end < p.total {
        out.push_str(&format!(
            r#"<a href="{base}?startIndex={}{keep}" rel="next">Next →</a>"#,
            end + 1
        ));
    }
    out.push_str("</nav>");
    out
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
    let (title, section, head, rows): (&str, &str, &str, String) = match kind {
        ResourceKind::User => (
            "Users",
            "users",
            r#"<th scope="col">userName</th><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Auth provider</th><th scope="col">Managed</th>"#,
            page.items.iter().map(|u| user_row(&tenant, u)).collect(),
        ),
        ResourceKind::Group => (
            "Groups",
            "groups",
            r#"<th scope="col">displayName</th><th scope="col">externalId</th><th scope="col">id</th>"#,
            page.items.iter().map(|g| group_row(&tenant, g)).collect(),
        ),
    };
    let base = format!("/admin/t/{}/{section}", url(&tenant));
    let body = format!(
        r#"<h1>{title}</h1><form class="card" method="get" action="{base}" role="search"><div class="fields">{}{}<button type="submit">Search</button> <a href="{base}">Clear</a></div></form>{}<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{}"#,
        input(
            "search",
            "q",
            "Quick search",
            q.get("q").unwrap_or(""),
            r#"placeholder="name, email, id""#
        ),
        input(
            "text",
            "filter",
            "SCIM filter",
            q.get("filter").unwrap_or(""),
            r#"class="wide" placeholder='e.g. active eq false and emails.value ew "@example.com"'"#
        ),
        pager(&base, &q, &page),
        pager(&base, &q, &page)
    );
    Ok(ok(
        title,
        &Nav {
            who: &who,
            tenant: Some(&tenant),
            section,
        },
        &body,
    ))
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
