//! The console's audit log: `GET /admin/t/{tenant}/audit`, newest first,
//! filtered by connection, outcome, time and resource, paged backwards
//! with `before`.

use super::resource::timeline_table;
use super::{input, ok, select, url, Nav};
use crate::error::PageError;
use crate::params;
use crate::session::PageAdmin;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::extract::QueryPairs;
use scim_http::AppState;

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
            format!(
                r#"<nav class="pager" aria-label="Pages"><a href="{base}?before={}{keep}" rel="next">Older entries →</a></nav>"#,
                last.seq
            )
        }
        _ => String::new(),
    };
    let body = format!(
        r#"<h1>Audit log</h1><form class="card" method="get" action="{base}" aria-label="Filters"><div class="fields">{}{}{}{}{}{}<button type="submit">Filter</button> <a href="{base}">Clear</a></div></form>{}{older}"#,
        select(
            "connection",
            "Connection",
            &conns,
            q.get("connection").unwrap_or("")
        ),
        select(
            "outcome",
            "Outcome",
            &["any", "succeeded", "refused"],
            q.get("outcome").unwrap_or("any")
        ),
        input(
            "text",
            "since",
            "Since (UTC)",
            q.get("since").unwrap_or(""),
            r#"placeholder="2026-01-31T00:00:00Z""#
        ),
        input(
            "text",
            "until",
            "Until (UTC)",
            q.get("until").unwrap_or(""),
            r#"placeholder="2026-02-01T00:00:00Z""#
        ),
        select(
            "resourceType",
            "Resource type",
            &["", "user", "group"],
            q.get("resourceType").unwrap_or("")
        ),
        input(
            "text",
            "resourceId",
            "Resource id",
            q.get("resourceId").unwrap_or(""),
            ""
        ),
        timeline_table(&t, &tenant, true)
    );
    Ok(ok(
        "Audit log",
        &Nav {
            who: &who,
            tenant: Some(&tenant),
            section: "audit",
        },
        &body,
    ))
}
