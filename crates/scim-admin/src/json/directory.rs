//! JSON of searches, audit entries and timelines, a user's or group's
//! detail, and the trash.

use super::at_ms;
use scim_service::console::{ResourceDetail, SearchPage, Timeline, Trash};
use scim_store::{AuditRecord, Trashed};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// One page of users or groups.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchJson {
    pub total_results: u64,
    pub start_index: u64,
    pub items_per_page: usize,
    /// The SCIM filter that ran (the quick search included).
    pub filter: Option<String>,
    /// SCIM representations (users with the provenance extension).
    #[serde(rename = "Resources")]
    #[schema(value_type = Vec<Object>)]
    pub resources: Vec<Value>,
}

impl From<&SearchPage> for SearchJson {
    fn from(p: &SearchPage) -> Self {
        SearchJson {
            total_results: p.total,
            start_index: p.start,
            items_per_page: p.items.len(),
            filter: p.filter.clone(),
            resources: p.items.clone(),
        }
    }
}

/// An audit entry (`docs/events.md`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryJson {
    pub seq: i64,
    pub at: Option<String>,
    /// The connection's name (a SCIM request).
    pub connection: Option<String>,
    pub request_id: String,
    pub method: String,
    pub path: String,
    pub profile: String,
    pub status: u16,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub detail: Option<String>,
    /// `[{"op", "path", "old", "new"}]`, secrets redacted.
    #[schema(value_type = Object)]
    pub diff: Value,
    /// What the client sent, secrets redacted (a string when truncated).
    #[schema(value_type = Option<Object>)]
    pub sent: Option<Value>,
    pub sent_truncated: bool,
    /// The console admin who made a local change.
    pub admin: Option<String>,
}

impl AuditEntryJson {
    pub fn of(r: &AuditRecord, t: &Timeline) -> Self {
        let e = &r.entry;
        AuditEntryJson {
            seq: r.seq,
            at: at_ms(e.at),
            connection: e.connection.map(|c| {
                t.connections
                    .get(&c)
                    .cloned()
                    .unwrap_or_else(|| format!("#{c}"))
            }),
            request_id: e.request_id.clone(),
            method: e.method.clone(),
            path: e.path.clone(),
            profile: e.profile.clone(),
            status: e.status,
            action: e.action.clone(),
            resource_type: e.resource_type.clone(),
            resource_id: e.resource_id.clone(),
            detail: e.detail.clone(),
            diff: e.diff.clone(),
            sent: e.sent.clone(),
            sent_truncated: e.sent_truncated,
            admin: e.admin.clone(),
        }
    }
}

/// Audit entries, newest first; `next` pages on (`before`).
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineJson {
    pub entries: Vec<AuditEntryJson>,
    pub next: Option<i64>,
}

impl From<&Timeline> for TimelineJson {
    fn from(t: &Timeline) -> Self {
        TimelineJson {
            entries: t.entries.iter().map(|r| AuditEntryJson::of(r, t)).collect(),
            next: t.entries.last().map(|r| r.seq),
        }
    }
}

/// One user or group with its provenance and timeline.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DetailJson {
    /// The SCIM representation.
    #[schema(value_type = Object)]
    pub resource: Value,
    /// Whether a SCIM connection manages it (read-only here).
    pub managed: bool,
    pub managed_note: Option<String>,
    pub auth_provider: String,
    pub provisioned_by: Option<String>,
    pub last_synced_at: Option<String>,
    pub last_synced_by: Option<String>,
    pub timeline: Vec<AuditEntryJson>,
}

impl From<&ResourceDetail> for DetailJson {
    fn from(d: &ResourceDetail) -> Self {
        let p = &d.provenance;
        DetailJson {
            resource: d.resource.clone(),
            managed: p.managed,
            managed_note: d.managed_note.clone(),
            auth_provider: if p.auth_provider.is_empty() {
                "local".into()
            } else {
                p.auth_provider.clone()
            },
            provisioned_by: p.provisioned_by.clone(),
            last_synced_at: p.last_synced.and_then(at_ms),
            last_synced_by: p.last_synced_by().map(str::to_string),
            timeline: TimelineJson::from(&d.timeline).entries,
        }
    }
}

/// A soft-deleted user or group.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrashedJson {
    pub id: String,
    /// `User` or `Group`.
    pub resource_type: String,
    /// Its userName or displayName.
    pub display: Option<String>,
    pub deleted: String,
    /// When the purge removes it for good.
    pub purge_after: String,
}

impl From<&Trashed> for TrashedJson {
    fn from(t: &Trashed) -> Self {
        TrashedJson {
            id: t.id.to_string(),
            resource_type: t.kind.name().into(),
            display: t.display.clone(),
            deleted: t.deleted.to_string(),
            purge_after: t.purge_after.to_string(),
        }
    }
}

/// A tenant's trash, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrashJson {
    pub users: Vec<TrashedJson>,
    pub groups: Vec<TrashedJson>,
}

impl From<&Trash> for TrashJson {
    fn from(t: &Trash) -> Self {
        TrashJson {
            users: t.users.iter().map(TrashedJson::from).collect(),
            groups: t.groups.iter().map(TrashedJson::from).collect(),
        }
    }
}
