//! The provisioning log in the admin API:
//! `GET /admin/api/tenants/{tenant}/log` (JSON; `format=jsonl` or `csv`
//! to export) and `GET /admin/api/tenants/{tenant}/log/stream`, the live
//! tail as server-sent events (one JSON row per event, its `id` the row's
//! `seq`, so a reconnecting client resumes with `Last-Event-ID`). Both
//! take the filters of `params::log`.

use super::ok;
use crate::error::ApiError;
use crate::json::LogRowJson;
use crate::params;
use crate::session::Admin;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use scim_core::ScimResult;
use scim_http::extract::QueryPairs;
use scim_http::AppState;
use scim_service::console::AdminPrincipal;
use scim_service::provlog_read::{LogFilter, LogRow};
use serde::Serialize;
use std::convert::Infallible;
use std::time::Duration;
use utoipa::ToSchema;

/// How often a live tail looks for new rows.
pub const TAIL_POLL: Duration = Duration::from_millis(400);
/// How long one live tail runs; the browser's `EventSource` reconnects
/// (and resumes after the last row it got).
pub const TAIL_FOR: Duration = Duration::from_secs(300);

/// A page of the log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogJson {
    pub rows: Vec<LogRowJson>,
}

/// The rows as JSON lines or CSV (an attachment), or `None` for JSON.
pub fn export(tenant: &str, rows: &[LogRow], format: Option<&str>) -> ScimResult<Option<Response>> {
    let (body, mime, ext) = match format.unwrap_or("json") {
        "json" => return Ok(None),
        "jsonl" => {
            let mut out = String::new();
            for r in rows {
                let line = serde_json::to_string(&LogRowJson::of(tenant, r))
                    .map_err(|e| scim_core::ScimError::Internal(e.to_string()))?;
                out.push_str(&line);
                out.push('\n');
            }
            (out, "application/x-ndjson", "jsonl")
        }
        "csv" => {
            let mut out = LogRowJson::CSV_HEADER.to_string();
            for r in rows {
                out.push_str(&LogRowJson::of(tenant, r).csv());
            }
            (out, "text/csv; charset=utf-8", "csv")
        }
        other => {
            return Err(scim_core::ScimError::InvalidValue(format!(
                "unknown format {other:?}: use json, jsonl or csv"
            )))
        }
    };
    let disposition = format!("attachment; filename=\"provisioning-log.{ext}\"");
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(Some(resp))
}

/// The tenant's provisioning log, newest first, with filters.
///
/// `GET /admin/api/tenants/{tenant}/log?connection=&status=&method=&resource=&user=&requestId=&since=&until=&after=&before=&limit=&format=`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/log", params(
    ("connection" = Option<String>, Query, description = "A connection's name"),
    ("status" = Option<String>, Query, description = "`2xx`, `3xx`, `4xx` or `5xx`"),
    ("method" = Option<String>, Query, description = "`GET`, `POST`, …"),
    ("resource" = Option<String>, Query, description = "`Users`, `Groups`, `Bulk`, …"),
    ("user" = Option<String>, Query, description = "A resource id the path names"),
    ("requestId" = Option<String>, Query, description = "A request's X-Request-Id"),
    ("since" = Option<String>, Query, description = "From this time (RFC 3339)"),
    ("until" = Option<String>, Query, description = "Up to this time (RFC 3339)"),
    ("after" = Option<i64>, Query, description = "Rows after this seq"),
    ("before" = Option<i64>, Query, description = "Rows before this seq"),
    ("limit" = Option<u64>, Query, description = "At most this many rows (default 100, at most 1000)"),
    ("format" = Option<String>, Query, description = "`json` (default), `jsonl` or `csv` (attachments)"),
), responses((status = 200, body = LogJson)))]
pub async fn list(
    State(state): State<AppState>,
    Admin(who): Admin,
    Path(tenant): Path<String>,
    q: QueryPairs,
) -> Result<Response, ApiError> {
    let f = params::log(&q)?;
    let rows = read(&state, &who, &tenant, &f).await?;
    if let Some(resp) = export(&tenant, &rows, q.get("format"))? {
        return Ok(resp);
    }
    Ok(ok(&LogJson {
        rows: rows.iter().map(|r| LogRowJson::of(&tenant, r)).collect(),
    }))
}

/// Reads the log for an admin (the role check is `read`'s).
pub async fn read(
    state: &AppState,
    who: &AdminPrincipal,
    tenant: &str,
    f: &LogFilter,
) -> ScimResult<Vec<LogRow>> {
    state
        .service
        .console(who)
        .read(tenant)
        .await?
        .provisioning_log(f)
        .await
}

/// The filter of a live tail: the query's, after `Last-Event-ID` (or the
/// query's `after`), at most 100 rows a poll.
pub fn tail_filter(q: &QueryPairs, headers: &HeaderMap) -> ScimResult<LogFilter> {
    let mut f = params::log(q)?;
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    f.after = last.or(f.after).or(Some(0));
    f.before = None;
    f.limit = 100;
    Ok(f)
}

/// A live tail: polls the log every [`TAIL_POLL`] for [`TAIL_FOR`], and
/// sends each new row, oldest first, as `render` makes it.
pub fn tail<F>(
    state: AppState,
    who: AdminPrincipal,
    tenant: String,
    f: LogFilter,
    render: F,
) -> Response
where
    F: Fn(&str, &LogRow) -> Option<String> + Send + Sync + 'static,
{
    let until = tokio::time::Instant::now() + TAIL_FOR;
    let init = (state, who, tenant, f, Vec::<LogRow>::new(), render);
    let stream = futures_util::stream::unfold(
        init,
        move |(state, who, tenant, mut f, mut ready, render)| async move {
            loop {
                if let Some(row) = ready.pop() {
                    let id = row.record.seq.to_string();
                    let data = render(&tenant, &row).unwrap_or_default();
                    let event = Event::default().id(id).data(data);
                    return Some((
                        Ok::<Event, Infallible>(event),
                        (state, who, tenant, f, ready, render),
                    ));
                }
                if tokio::time::Instant::now() >= until {
                    return None;
                }
                tokio::time::sleep(TAIL_POLL).await;
                match read(&state, &who, &tenant, &f).await {
                    // Newest first: popping from the end sends the oldest first.
                    Ok(rows) => {
                        if let Some(newest) = rows.first() {
                            f.after = Some(newest.record.seq);
                        }
                        ready = rows;
                    }
                    Err(_) => return None,
                }
            }
        },
    );
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// The live tail of the tenant's provisioning log (server-sent events,
/// one JSON row each).
///
/// `GET /admin/api/tenants/{tenant}/log/stream?…` (the filters of `GET …/log`).
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/log/stream", params(
    ("connection" = Option<String>, Query, description = "A connection's name"),
    ("status" = Option<String>, Query, description = "`2xx`, `3xx`, `4xx` or `5xx`"),
    ("after" = Option<i64>, Query, description = "Rows after this seq (or the Last-Event-ID header)"),
), responses((status = 200, description = "One LogRowJson per event", body = LogRowJson, content_type = "text/event-stream")))]
pub async fn stream(
    State(state): State<AppState>,
    Admin(who): Admin,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    q: QueryPairs,
) -> Result<Response, ApiError> {
    let f = tail_filter(&q, &headers)?;
    // Refused now, not after the first poll, when the admin may not read it.
    state.service.console(&who).read(&tenant).await?;
    Ok(tail(state, who, tenant, f, |tenant, row| {
        serde_json::to_string(&LogRowJson::of(tenant, row)).ok()
    }))
}
