//! One user or group in the console: `GET /admin/t/{tenant}/users/{id}`
//! and `GET /admin/t/{tenant}/groups/{id}` (attributes, memberships, auth
//! provider, managing connection, and the timeline from the audit log:
//! what the IdP sent and what changed), and
//! `POST /admin/t/{tenant}/users/{id}/active` (enable or disable a local
//! user). Managed resources are read-only, with the explanation.

use super::{csrf, esc, ok, or_dash, see_other, url, Nav};
use crate::error::PageError;
use crate::session::{PageAdmin, PageForm};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::timestamp::Timestamp;
use scim_http::AppState;
use scim_service::console::{AdminPrincipal, ResourceDetail, Timeline};
use scim_store::ResourceKind;
use serde_json::Value;

fn short(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Null => "∅".into(),
        other => other.to_string(),
    };
    if text.chars().count() > 120 {
        format!("{}…", text.chars().take(120).collect::<String>())
    } else {
        text
    }
}

fn diff(d: &Value) -> String {
    let Some(items) = d.as_array().filter(|a| !a.is_empty()) else {
        return String::new();
    };
    let lis: String = items
        .iter()
        .take(30)
        .map(|c| {
            format!(
                "<li>{} <b>{}</b>: {} → {}</li>",
                esc(c["op"].as_str().unwrap_or("")),
                esc(c["path"].as_str().unwrap_or("")),
                esc(&short(&c["old"])),
                esc(&short(&c["new"]))
            )
        })
        .collect();
    format!(r#"<ul class="diff">{lis}</ul>"#)
}

/// What the client sent, collapsed: the redacted body, pretty-printed
/// (or the first part of its text when it was too long to keep whole).
fn sent(e: &scim_store::AuditEntry) -> String {
    let Some(v) = &e.sent else {
        return "—".into();
    };
    let (text, note) = match (v, e.sent_truncated) {
        (Value::String(cut), true) => (cut.clone(), " (truncated)"),
        (other, _) => (
            serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
            "",
        ),
    };
    format!(
        r#"<details class="sent"><summary>Sent, {} bytes{note}</summary><pre>{}</pre></details>"#,
        text.len(),
        esc(&text)
    )
}

/// The timeline table (also used by the audit log page).
pub fn timeline_table(t: &Timeline, tenant: &str, with_resource: bool) -> String {
    if t.entries.is_empty() {
        return r#"<p class="muted">No audit entries.</p>"#.into();
    }
    let rows: String = t
        .entries
        .iter()
        .map(|r| {
            let e = &r.entry;
            let at = Timestamp::from_unix_millis(e.at).map(|t| t.to_string());
            let by = e.connection.map(|c| {
                t.connections
                    .get(&c)
                    .cloned()
                    .unwrap_or_else(|| format!("#{c}"))
            });
            let by = match (by, &e.admin) {
                (Some(c), _) => esc(&c),
                (None, Some(a)) => format!("admin {}", esc(a)),
                (None, None) => "local".into(),
            };
            let status = if e.succeeded() {
                format!(r#"<span class="badge ok">{}</span>"#, e.status)
            } else {
                format!(r#"<span class="badge bad">{}</span>"#, e.status)
            };
            let resource = if with_resource {
                let link = match (e.resource_type.as_deref(), e.resource_id.as_deref()) {
                    (Some(kind @ ("User" | "Group")), Some(id)) => format!(
                        r#"<a href="/admin/t/{}/{}s/{}">{} {}</a>"#,
                        url(tenant),
                        kind.to_lowercase(),
                        url(id),
                        esc(kind),
                        esc(id)
                    ),
                    (Some(kind), Some(id)) => format!("{} {}", esc(kind), esc(id)),
                    _ => "—".into(),
                };
                format!("<td>{link}</td>")
            } else {
                String::new()
            };
            let detail = e
                .detail
                .as_deref()
                .map(|d| format!(r#"<div class="muted">{}</div>"#, esc(d)))
                .unwrap_or_default();
            format!(
                r#"<tr><td>{}</td><td>{by}</td><td>{}</td><td>{status}</td><td><code>{} {}</code></td>{resource}<td>{}</td><td>{detail}{}</td></tr>"#,
                or_dash(at),
                esc(&e.action),
                esc(&e.method),
                esc(&e.path),
                sent(e),
                diff(&e.diff)
            )
        })
        .collect();
    let rcol = if with_resource {
        r#"<th scope="col">Resource</th>"#
    } else {
        ""
    };
    format!(
        r#"<table><thead><tr><th scope="col">When</th><th scope="col">Connection</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Request</th>{rcol}<th scope="col">Sent</th><th scope="col">Changed</th></tr></thead><tbody>{rows}</tbody></table>"#
    )
}

fn links(tenant: &str, items: &Value, kind: &str) -> String {
    let Some(items) = items.as_array().filter(|a| !a.is_empty()) else {
        return r#"<p class="muted">None.</p>"#.into();
    };
    let lis: String = items
        .iter()
        .map(|m| {
            let id = m["value"].as_str().unwrap_or("");
            let label = m["display"].as_str().unwrap_or(id);
            let kind = match m["type"].as_str() {
                Some("User") => "users",
                Some("Group") => "groups",
                _ => kind,
            };
            let extra = m["type"]
                .as_str()
                .filter(|t| *t == "indirect")
                .map(|_| r#" <span class="muted">(indirect)</span>"#)
                .unwrap_or("");
            format!(
                r#"<li><a href="/admin/t/{}/{kind}/{}">{}</a>{extra}</li>"#,
                url(tenant),
                url(id),
                esc(label)
            )
        })
        .collect();
    format!("<ul>{lis}</ul>")
}

fn actions(who: &AdminPrincipal, tenant: &str, d: &ResourceDetail, id: &str) -> String {
    if let Some(why) = &d.managed_note {
        return format!(
            r#"<div class="note info" role="note" id="managed-note"><strong>Read-only.</strong> {}</div>"#,
            esc(why)
        );
    }
    if d.kind != ResourceKind::User || !who.may_change(tenant) {
        return String::new();
    }
    let active = d.resource["active"] != Value::Bool(false);
    format!(
        r#"<form class="card" method="post" action="/admin/t/{}/users/{}/active">{}<input type="hidden" name="active" value="{}"><button type="submit">{}</button> <span class="muted">A local account: not managed by any connection.</span></form>"#,
        url(tenant),
        url(id),
        csrf(who),
        !active,
        if active {
            "Disable user"
        } else {
            "Enable user"
        }
    )
}

async fn show(
    state: AppState,
    who: AdminPrincipal,
    tenant: String,
    id: String,
    kind: ResourceKind,
) -> Result<Response, PageError> {
    let d = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .resource(kind, &id)
        .await?;
    let r = &d.resource;
    let p = &d.provenance;
    let (title, section, props, related) = match kind {
        ResourceKind::User => (
            format!("User {}", r["userName"].as_str().unwrap_or(&id)),
            "users",
            format!(
                r#"<dt>userName</dt><dd>{}</dd><dt>Active</dt><dd>{}</dd><dt>Auth provider</dt><dd>{}</dd><dt>Managing connection</dt><dd>{}</dd><dt>Last synced</dt><dd>{}</dd>"#,
                esc(r["userName"].as_str().unwrap_or("")),
                if r["active"] == Value::Bool(false) {
                    "no"
                } else {
                    "yes"
                },
                esc(if p.auth_provider.is_empty() {
                    "local"
                } else {
                    &p.auth_provider
                }),
                if p.managed {
                    or_dash(p.provisioned_by.clone())
                } else {
                    "none (local)".into()
                },
                or_dash(p.last_synced_at().map(|t| t.to_string())),
            ),
            format!("<h2>Groups</h2>{}", links(&tenant, &r["groups"], "groups")),
        ),
        ResourceKind::Group => (
            format!("Group {}", r["displayName"].as_str().unwrap_or(&id)),
            "groups",
            format!(
                r#"<dt>displayName</dt><dd>{}</dd><dt>Created by</dt><dd>{}</dd>"#,
                esc(r["displayName"].as_str().unwrap_or("")),
                or_dash(p.provisioned_by.clone()),
            ),
            format!("<h2>Members</h2>{}", links(&tenant, &r["members"], "users")),
        ),
    };
    let attributes = serde_json::to_string_pretty(r).unwrap_or_default();
    let body = format!(
        r#"<p><a href="/admin/t/{}/{section}">← {}</a></p><h1>{}</h1>{}<dl class="props"><dt>id</dt><dd><code>{}</code></dd>{props}<dt>externalId</dt><dd>{}</dd></dl>{related}<h2 id="timeline">Timeline</h2>{}<h2>Attributes</h2><pre aria-label="SCIM representation">{}</pre>"#,
        url(&tenant),
        if kind == ResourceKind::User {
            "Users"
        } else {
            "Groups"
        },
        esc(&title),
        actions(&who, &tenant, &d, &id),
        esc(&id),
        or_dash(r["externalId"].as_str().map(str::to_string)),
        timeline_table(&d.timeline, &tenant, false),
        esc(&attributes)
    );
    Ok(ok(
        &title,
        &Nav {
            who: &who,
            tenant: Some(&tenant),
            section,
        },
        &body,
    ))
}

/// `GET /admin/t/{tenant}/users/{id}`.
pub async fn user(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path((tenant, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    show(state, who, tenant, id, ResourceKind::User).await
}

/// `GET /admin/t/{tenant}/groups/{id}`.
pub async fn group(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path((tenant, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    show(state, who, tenant, id, ResourceKind::Group).await
}

/// `POST /admin/t/{tenant}/users/{id}/active` with `active=true|false`.
pub async fn set_active(
    State(state): State<AppState>,
    Path((tenant, id)): Path<(String, String)>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let active = form.get("active") == Some("true");
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .set_active(&id, active)
        .await?;
    Ok(see_other(&format!(
        "/admin/t/{}/users/{}",
        url(&tenant),
        url(&id)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_store::{AuditEntry, AuditRecord, TenantId};
    use serde_json::json;

    fn record(seq: i64, entry: AuditEntry) -> AuditRecord {
        AuditRecord {
            seq,
            tenant: TenantId::from_db(1),
            entry,
        }
    }

    #[test]
    fn the_timeline_shows_what_was_sent_escaped_and_collapsed() {
        let sent = AuditEntry {
            at: 0,
            connection: Some(3),
            method: "PATCH".into(),
            path: "/Users/u1".into(),
            status: 200,
            action: "patch".into(),
            sent: Some(json!({"Operations": [{"op": "add", "value": "<script>x</script>"}]})),
            diff: json!([{"op": "add", "path": "title", "new": "<b>"}]),
            ..AuditEntry::default()
        };
        let cut = AuditEntry {
            status: 400,
            action: "refused".into(),
            sent: Some(json!("{\"userName\": \"<i>…")),
            sent_truncated: true,
            admin: Some("alice<".into()),
            ..AuditEntry::default()
        };
        let t = Timeline {
            entries: vec![record(2, cut), record(1, sent)],
            connections: [(3, "okta".to_string())].into_iter().collect(),
        };
        let html = timeline_table(&t, "acme", false);
        for want in [
            r#"<th scope="col">Sent</th><th scope="col">Changed</th>"#,
            r#"<details class="sent"><summary>Sent, "#,
            "&lt;script&gt;x&lt;/script&gt;",
            "&lt;b&gt;",
            "bytes (truncated)</summary><pre>{&quot;userName&quot;: &quot;&lt;i&gt;…</pre>",
            "<td>admin alice&lt;</td>",
            "<td>okta</td>",
        ] {
            assert!(html.contains(want), "{want} missing from {html}");
        }
        assert!(
            !html.contains("<script>") && !html.contains("<i>"),
            "{html}"
        );
    }
}
