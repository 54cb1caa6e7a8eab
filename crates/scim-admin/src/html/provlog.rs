//! A connection's provisioning log in the console:
//! `GET /admin/t/{tenant}/connections/{name}/log` (filters: status class,
//! method, resource, user, request id, time; paged backwards with
//! `before`), `…/log/export?format=jsonl|csv` and `…/log/stream`, the
//! live tail: server-sent events whose data is a row rendered by the
//! same template as the page's rows (`log_row.html`), which the console
//! script inserts.

use super::{ok, url, Layout, Nav, Select};
use crate::api::provlog::{export, read, tail, tail_filter};
use crate::error::PageError;
use crate::json::audit_href;
use crate::params;
use crate::session::PageAdmin;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use scim_http::extract::QueryPairs;
use scim_http::AppState;
use scim_service::provlog_read::LogRow;

/// A row as the page shows it.
pub struct RowView {
    pub seq: i64,
    pub at: String,
    pub method: String,
    pub path: String,
    pub query: String,
    pub status: u16,
    pub status_class: &'static str,
    pub ms: String,
    pub scim_type: Option<String>,
    pub detail: Option<String>,
    pub client: Option<String>,
    pub token_prefix: Option<String>,
    pub request_id: String,
    pub audit: Option<String>,
}

impl RowView {
    pub fn of(tenant: &str, r: &LogRow) -> RowView {
        let e = &r.record.entry;
        RowView {
            seq: r.record.seq,
            at: e.at.to_string(),
            method: e.method.clone(),
            path: e.path.clone(),
            query: e.query.clone(),
            status: e.status,
            status_class: match e.status {
                200..=399 => "ok",
                400..=499 => "warn",
                _ => "bad",
            },
            ms: format!("{:.1}", e.micros as f64 / 1000.0),
            scim_type: e.scim_type.clone(),
            detail: e.detail.clone(),
            client: e.client.clone(),
            token_prefix: e.token_prefix.clone(),
            request_id: e.request_id.clone(),
            audit: audit_href(tenant, r),
        }
    }
}

/// One row alone (a live-tail event).
#[derive(Template)]
#[template(path = "log_row.html")]
pub struct RowFragment {
    pub row: RowView,
}

/// The log page.
#[derive(Template)]
#[template(path = "log.html")]
pub struct LogPage {
    pub layout: Layout,
    pub name: String,
    pub connection_href: String,
    pub base: String,
    pub status: Select,
    pub method: Select,
    pub resource: Select,
    pub user: String,
    pub request_id: String,
    pub since: String,
    pub until: String,
    pub rows: Vec<RowView>,
    pub filtered: bool,
    pub jsonl_href: String,
    pub csv_href: String,
    /// The live tail's events, on the first page (not when paging back).
    pub stream_href: Option<String>,
    pub older: Option<String>,
}

/// The filters of the query, as a query string to carry on (`&k=v…`).
const FILTERS: &[&str] = &[
    "status",
    "method",
    "resource",
    "user",
    "requestId",
    "since",
    "until",
];

fn carried(q: &QueryPairs) -> String {
    FILTERS
        .iter()
        .filter_map(|k| {
            q.get(k)
                .filter(|v| !v.is_empty())
                .map(|v| format!("&{k}={}", url(v)))
        })
        .collect()
}

/// `GET /admin/t/{tenant}/connections/{name}/log`.
pub async fn show(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path((tenant, name)): Path<(String, String)>,
    q: QueryPairs,
) -> Result<Response, PageError> {
    let mut f = params::log(&q)?;
    f.connection = Some(name.clone());
    let rows = read(&state, &who, &tenant, &f).await?;
    let base = format!("/admin/t/{}/connections/{}/log", url(&tenant), url(&name));
    let keep = carried(&q);
    let older = match rows.last() {
        Some(last) if rows.len() as u64 >= f.limit.max(1) => {
            Some(format!("{base}?before={}{keep}", last.record.seq))
        }
        _ => None,
    };
    let newest = rows.first().map_or(0, |r| r.record.seq);
    let text = |k: &str| q.get(k).unwrap_or("").to_string();
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "connections",
    };
    let page = LogPage {
        layout: Layout::new(format!("Provisioning log {name}"), &nav),
        connection_href: format!("/admin/t/{}/connections/{}", url(&tenant), url(&name)),
        status: Select::of(
            "status",
            "Status",
            &["any", "2xx", "3xx", "4xx", "5xx"],
            q.get("status").unwrap_or("any"),
        ),
        method: Select::of(
            "method",
            "Method",
            &["any", "GET", "POST", "PUT", "PATCH", "DELETE"],
            q.get("method").unwrap_or("any"),
        ),
        resource: Select::of(
            "resource",
            "Resource",
            &[
                "any",
                "Users",
                "Groups",
                "Bulk",
                ".search",
                "Schemas",
                "ResourceTypes",
                "ServiceProviderConfig",
                "Events",
            ],
            q.get("resource").unwrap_or("any"),
        ),
        user: text("user"),
        request_id: text("requestId"),
        since: text("since"),
        until: text("until"),
        rows: rows.iter().map(|r| RowView::of(&tenant, r)).collect(),
        filtered: !keep.is_empty(),
        jsonl_href: format!("{base}/export?format=jsonl{keep}"),
        csv_href: format!("{base}/export?format=csv{keep}"),
        stream_href: f
            .before
            .is_none()
            .then(|| format!("{base}/stream?after={newest}{keep}")),
        older,
        name,
        base,
    };
    Ok(ok(&page))
}

/// `GET /admin/t/{tenant}/connections/{name}/log/export?format=jsonl|csv`:
/// the filtered rows (at most 1000) as an attachment.
pub async fn download(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path((tenant, name)): Path<(String, String)>,
    q: QueryPairs,
) -> Result<Response, PageError> {
    let mut f = params::log(&q)?;
    f.connection = Some(name);
    f.limit = 0;
    let rows = read(&state, &who, &tenant, &f).await?;
    let format = Some(q.get("format").unwrap_or("jsonl")).filter(|f| *f != "json");
    Ok(export(&tenant, &rows, format.or(Some("jsonl")))?.unwrap_or_default())
}

/// `GET /admin/t/{tenant}/connections/{name}/log/stream`: the live tail.
pub async fn stream(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path((tenant, name)): Path<(String, String)>,
    headers: HeaderMap,
    q: QueryPairs,
) -> Result<Response, PageError> {
    let mut f = tail_filter(&q, &headers)?;
    f.connection = Some(name);
    state.service.console(&who).read(&tenant).await?;
    Ok(tail(state, who, tenant, f, |tenant, row| {
        RowFragment {
            row: RowView::of(tenant, row),
        }
        .render()
        .ok()
    }))
}
