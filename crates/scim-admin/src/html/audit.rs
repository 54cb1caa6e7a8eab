//! The console's audit log: `GET /admin/t/{tenant}/audit`, newest first,
//! filtered by connection, outcome, time and resource, paged backwards
//! with `before`.

use super::resource::TimelineView;
use super::{ok, url, Layout, Nav, Select};
use crate::error::PageError;
use crate::params;
use crate::session::PageAdmin;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::extract::QueryPairs;
use scim_http::AppState;

/// The audit log page.
#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub layout: Layout,
    pub base: String,
    pub connection: Select,
    pub outcome: Select,
    pub since: String,
    pub until: String,
    pub resource_type: Select,
    pub resource_id: String,
    pub timeline: TimelineView,
    /// The next page (older entries).
    pub older: Option<String>,
}

/// `GET /admin/t/{tenant}/audit?connection=&outcome=&since=&until=&resourceType=&resourceId=&before=`.
pub async fn show(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path(tenant): Path<String>,
    q: QueryPairs,
) -> Result<Response, PageError> {
    let f = params::audit(&q)?;
    let t = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .timeline(&f)
        .await?;
    let mut conns: Vec<&str> = vec![""];
    conns.extend(t.connections.values().map(String::as_str));
    let base = format!("/admin/t/{}/audit", url(&tenant));
    let older = match t.entries.last() {
        Some(last) if t.entries.len() as u64 >= f.limit.max(1) => {
            let keep: String = [
                "connection",
                "outcome",
                "since",
                "until",
                "resourceType",
                "resourceId",
            ]
            .iter()
            .filter_map(|k| q.get(k).map(|v| format!("&{k}={}", url(v))))
            .collect();
            Some(format!("{base}?before={}{keep}", last.seq))
        }
        _ => None,
    };
    let text = |k: &str| q.get(k).unwrap_or("").to_string();
    let nav = Nav {
        who: &who,
        tenant: Some(&tenant),
        section: "audit",
    };
    Ok(ok(&AuditPage {
        layout: Layout::new("Audit log", &nav),
        connection: Select::of(
            "connection",
            "Connection",
            &conns,
            q.get("connection").unwrap_or(""),
        ),
        outcome: Select::of(
            "outcome",
            "Outcome",
            &["any", "succeeded", "refused"],
            q.get("outcome").unwrap_or("any"),
        ),
        since: text("since"),
        until: text("until"),
        resource_type: Select::of(
            "resourceType",
            "Resource type",
            &["", "user", "group"],
            q.get("resourceType").unwrap_or(""),
        ),
        resource_id: text("resourceId"),
        timeline: TimelineView::of(&t, &tenant, true),
        base,
        older,
    }))
}
