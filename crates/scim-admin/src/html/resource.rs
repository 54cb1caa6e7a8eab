//! One user or group in the console: `GET /admin/t/{tenant}/users/{id}`
//! and `GET /admin/t/{tenant}/groups/{id}` (attributes, memberships, auth
//! provider, managing connection, and the timeline from the audit log:
//! what the IdP sent and what changed),
//! `POST /admin/t/{tenant}/users/{id}/active` (enable or disable a local
//! user), and `POST /admin/t/{tenant}/users/{id}/unmanage` and
//! `POST /admin/t/{tenant}/groups/{id}/unmanage` (release a managed
//! resource from SCIM management). Managed resources are read-only, with
//! the explanation.

use super::{ok, see_other, url, Layout, Nav};
use crate::error::PageError;
use crate::session::{PageAdmin, PageForm};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::timestamp::Timestamp;
use scim_http::AppState;
use scim_service::console::{AdminPrincipal, ResourceDetail, Timeline};
use scim_store::{AuditEntry, ResourceKind};
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

/// `shown`, with how many values the diff left out of `v` (its `more`).
fn more(shown: String, v: &Value, more: &Value) -> String {
    match (v, more.as_u64()) {
        (Value::Array(_), Some(n)) => format!("{shown} (+{n} more)"),
        _ => shown,
    }
}

/// One change of an entry's diff.
pub struct DiffLine {
    pub op: String,
    pub path: String,
    pub old: String,
    pub new: String,
}

/// What the client sent, collapsed: the redacted body, pretty-printed (or
/// the first part of its text when it was too long to keep whole).
pub struct SentView {
    pub bytes: usize,
    pub truncated: bool,
    pub text: String,
}

/// The resource an entry concerns: a link to a user or group, or text.
pub struct Cell {
    pub href: Option<String>,
    pub label: String,
}

/// One audit entry.
pub struct TimelineRow {
    pub at: String,
    /// The connection, `admin NAME`, or `local`.
    pub by: String,
    pub action: String,
    pub status: u16,
    pub ok: bool,
    pub method: String,
    pub path: String,
    pub resource: Option<Cell>,
    pub sent: Option<SentView>,
    pub detail: Option<String>,
    pub diff: Vec<DiffLine>,
}

/// Audit entries as a table (a resource's timeline, the audit log).
pub struct TimelineView {
    pub rows: Vec<TimelineRow>,
    /// Whether the table names each entry's resource.
    pub with_resource: bool,
}

fn sent(e: &AuditEntry) -> Option<SentView> {
    let v = e.sent.as_ref()?;
    let (text, truncated) = match (v, e.sent_truncated) {
        (Value::String(cut), true) => (cut.clone(), true),
        (other, _) => (
            serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
            false,
        ),
    };
    Some(SentView {
        bytes: text.len(),
        truncated,
        text,
    })
}

impl TimelineView {
    pub fn of(t: &Timeline, tenant: &str, with_resource: bool) -> TimelineView {
        let rows = t
            .entries
            .iter()
            .map(|r| {
                let e = &r.entry;
                let by = match (e.connection, &e.admin) {
                    (Some(c), _) => t
                        .connections
                        .get(&c)
                        .cloned()
                        .unwrap_or_else(|| format!("#{c}")),
                    (None, Some(a)) => format!("admin {a}"),
                    (None, None) => "local".into(),
                };
                let resource = match (e.resource_type.as_deref(), e.resource_id.as_deref()) {
                    (Some(kind @ ("User" | "Group")), Some(id)) => Some(Cell {
                        href: Some(format!(
                            "/admin/t/{}/{}s/{}",
                            url(tenant),
                            kind.to_lowercase(),
                            url(id)
                        )),
                        label: format!("{kind} {id}"),
                    }),
                    (Some(kind), Some(id)) => Some(Cell {
                        href: None,
                        label: format!("{kind} {id}"),
                    }),
                    _ => None,
                };
                let diff = e
                    .diff
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .take(30)
                            .map(|c| DiffLine {
                                op: c["op"].as_str().unwrap_or("").to_string(),
                                path: c["path"].as_str().unwrap_or("").to_string(),
                                old: more(short(&c["old"]), &c["old"], &c["more"]),
                                new: more(short(&c["new"]), &c["new"], &c["more"]),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                TimelineRow {
                    at: Timestamp::from_unix_millis(e.at)
                        .map_or_else(|| "—".into(), |t| t.to_string()),
                    by,
                    action: e.action.clone(),
                    status: e.status,
                    ok: e.succeeded(),
                    method: e.method.clone(),
                    path: e.path.clone(),
                    resource,
                    sent: sent(e),
                    detail: e.detail.clone(),
                    diff,
                }
            })
            .collect();
        TimelineView {
            rows,
            with_resource,
        }
    }
}

/// A membership link.
pub struct Related {
    pub href: String,
    pub label: String,
    pub indirect: bool,
}

fn related(tenant: &str, items: &Value, kind: &str) -> Vec<Related> {
    items
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|m| {
                    let id = m["value"].as_str().unwrap_or("");
                    let kind = match m["type"].as_str() {
                        Some("User") => "users",
                        Some("Group") => "groups",
                        _ => kind,
                    };
                    Related {
                        href: format!("/admin/t/{}/{kind}/{}", url(tenant), url(id)),
                        label: m["display"].as_str().unwrap_or(id).to_string(),
                        indirect: m["type"].as_str() == Some("indirect"),
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The enable or disable form of a local user.
pub struct ActiveForm {
    pub action: String,
    /// The value the form sets.
    pub value: bool,
    pub label: &'static str,
}

/// A user's or group's page.
#[derive(Template)]
#[template(path = "resource.html")]
pub struct ResourcePage {
    pub layout: Layout,
    pub csrf: String,
    pub back_href: String,
    pub back_label: &'static str,
    pub heading: String,
    /// Why it is read-only (managed by a connection).
    pub managed_note: Option<String>,
    /// The unmanage form's action, for an owner.
    pub unmanage: Option<String>,
    pub active_form: Option<ActiveForm>,
    pub id: String,
    pub props: Vec<(&'static str, String)>,
    pub external_id: Option<String>,
    pub related_title: &'static str,
    pub related: Vec<Related>,
    pub timeline: TimelineView,
    /// The SCIM representation, pretty-printed.
    pub attributes: String,
}

impl ResourcePage {
    pub fn of(who: &AdminPrincipal, tenant: &str, id: &str, d: &ResourceDetail) -> ResourcePage {
        let r = &d.resource;
        let p = &d.provenance;
        let can = who.may_change(tenant);
        let text = |v: &Value| v.as_str().unwrap_or("").to_string();
        let (section, kind_path) = match d.kind {
            ResourceKind::User => ("users", "Users"),
            ResourceKind::Group => ("groups", "Groups"),
        };
        let base = format!("/admin/t/{}/{section}/{}", url(tenant), url(id));
        let (heading, props, related_title, related_items) = match d.kind {
            ResourceKind::User => (
                format!("User {}", r["userName"].as_str().unwrap_or(id)),
                vec![
                    ("userName", text(&r["userName"])),
                    (
                        "Active",
                        if r["active"] == Value::Bool(false) {
                            "no"
                        } else {
                            "yes"
                        }
                        .into(),
                    ),
                    (
                        "Auth provider",
                        if p.auth_provider.is_empty() {
                            "local".into()
                        } else {
                            p.auth_provider.clone()
                        },
                    ),
                    (
                        "Managing connection",
                        if p.managed {
                            p.provisioned_by.clone().unwrap_or_else(|| "—".into())
                        } else {
                            "none (local)".into()
                        },
                    ),
                    (
                        "Last synced",
                        p.last_synced_at()
                            .map_or_else(|| "—".into(), |t| t.to_string()),
                    ),
                ],
                "Groups",
                related(tenant, &r["groups"], "groups"),
            ),
            ResourceKind::Group => (
                format!("Group {}", r["displayName"].as_str().unwrap_or(id)),
                vec![
                    ("displayName", text(&r["displayName"])),
                    (
                        "Created by",
                        p.provisioned_by.clone().unwrap_or_else(|| "—".into()),
                    ),
                ],
                "Members",
                related(tenant, &r["members"], "users"),
            ),
        };
        let nav = Nav {
            who,
            tenant: Some(tenant),
            section,
        };
        let active = r["active"] != Value::Bool(false);
        ResourcePage {
            layout: Layout::new(heading.clone(), &nav),
            csrf: who.csrf().to_string(),
            back_href: format!("/admin/t/{}/{section}", url(tenant)),
            back_label: kind_path,
            heading,
            managed_note: d.managed_note.clone(),
            unmanage: (can && d.managed_note.is_some()).then(|| format!("{base}/unmanage")),
            active_form: (can && d.managed_note.is_none() && d.kind == ResourceKind::User).then(
                || ActiveForm {
                    action: format!("{base}/active"),
                    value: !active,
                    label: if active {
                        "Disable user"
                    } else {
                        "Enable user"
                    },
                },
            ),
            id: id.to_string(),
            props,
            external_id: r["externalId"].as_str().map(str::to_string),
            related_title,
            related: related_items,
            timeline: TimelineView::of(&d.timeline, tenant, false),
            attributes: serde_json::to_string_pretty(r).unwrap_or_default(),
        }
    }
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
    Ok(ok(&ResourcePage::of(&who, &tenant, &id, &d)))
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

async fn unmanage(
    state: AppState,
    who: AdminPrincipal,
    (tenant, id): (String, String),
    kind: ResourceKind,
) -> Result<Response, PageError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .unmanage(kind, &id)
        .await?;
    let section = match kind {
        ResourceKind::User => "users",
        ResourceKind::Group => "groups",
    };
    Ok(see_other(&format!(
        "/admin/t/{}/{section}/{}",
        url(&tenant),
        url(&id)
    )))
}

/// `POST /admin/t/{tenant}/users/{id}/unmanage`.
pub async fn unmanage_user(
    State(state): State<AppState>,
    Path(p): Path<(String, String)>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    unmanage(state, who, p, ResourceKind::User).await
}

/// `POST /admin/t/{tenant}/groups/{id}/unmanage`.
pub async fn unmanage_group(
    State(state): State<AppState>,
    Path(p): Path<(String, String)>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    unmanage(state, who, p, ResourceKind::Group).await
}
