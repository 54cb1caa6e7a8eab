//! Console operations on users and groups and the audit log: search with
//! a SCIM filter and a quick search, paging, the detail of one resource
//! with its memberships, provenance and timeline, local changes (refused
//! for managed resources, with the explanation), and the audit log.

use crate::admin_audit::AuditFilter;
use crate::render::{resource_json, with_provenance};
use crate::tenant::TenantReader;
use scim_core::filter::{lower, Filter};
use scim_core::ScimResult;
use scim_store::{AuditRecord, Load, PageRequest, Provenance, Query, ResourceKind};
use serde_json::Value;
use std::collections::BTreeMap;

/// The largest page the console asks for.
pub const MAX_PAGE: u64 = 200;

/// A search of users or groups.
#[derive(Debug, Clone, Default)]
pub struct SearchParams {
    /// A SCIM filter (RFC 7644 §3.4.2.2).
    pub filter: Option<String>,
    /// Words matched against names and emails (`co`), and ids.
    pub quick: Option<String>,
    /// 1-based index of the first result.
    pub start: u64,
    pub count: u64,
}

/// One page of a search.
#[derive(Debug, Clone)]
pub struct SearchPage {
    /// SCIM representations, users with the provenance extension.
    pub items: Vec<Value>,
    pub total: u64,
    pub start: u64,
    pub count: u64,
    /// The filter that ran (quick search included).
    pub filter: Option<String>,
}

/// Audit entries with the names of the connections they mention.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub entries: Vec<AuditRecord>,
    pub connections: BTreeMap<i64, String>,
}

/// One user or group as the console shows it.
#[derive(Debug, Clone)]
pub struct ResourceDetail {
    pub kind: ResourceKind,
    /// The SCIM representation with members and groups (and, for users, the
    /// provenance extension).
    pub resource: Value,
    pub provenance: Provenance,
    /// Why it is read-only here, when a SCIM connection manages it.
    pub managed_note: Option<String>,
    /// What the IdP sent and what changed, newest first.
    pub timeline: Timeline,
}

/// A SCIM string literal.
fn literal(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// The filter a quick search stands for.
fn quick_filter(kind: ResourceKind, words: &str) -> Option<String> {
    let q = words.trim();
    if q.is_empty() {
        return None;
    }
    let v = literal(q);
    Some(match kind {
        ResourceKind::User => format!(
            "userName co {v} or displayName co {v} or name.formatted co {v} or name.familyName co {v} or emails.value co {v} or externalId eq {v} or id eq {v}"
        ),
        ResourceKind::Group => format!("displayName co {v} or externalId eq {v} or id eq {v}"),
    })
}

/// The explanation shown for a resource a SCIM connection manages.
pub fn managed_note(kind: ResourceKind, p: &Provenance) -> Option<String> {
    p.managed.then(|| {
        format!(
            "This {} is managed by connection {:?} through SCIM, so it is read-only here: change it in the identity provider. An owner can release it from SCIM management (Unmanage, or `scimd user unmanage`).",
            kind.name().to_lowercase(),
            p.provisioned_by.as_deref().unwrap_or("(deleted)")
        )
    })
}

impl TenantReader<'_> {
    /// A page of users or groups matching a filter and a quick search.
    pub async fn search(&self, kind: ResourceKind, p: &SearchParams) -> ScimResult<SearchPage> {
        let filter = p.filter.as_deref().map(str::trim).filter(|f| !f.is_empty());
        let quick = p.quick.as_deref().and_then(|q| quick_filter(kind, q));
        let text = match (filter, quick) {
            (Some(f), Some(q)) => Some(format!("({f}) and ({q})")),
            (Some(f), None) => Some(f.to_string()),
            (None, q) => q,
        };
        let schemas = self.schemas().await?;
        let view = schemas.view(kind)?;
        let lowered = text
            .as_deref()
            .map(|f| Filter::parse(f).and_then(|f| lower(&f, &view)))
            .transpose()?;
        let start = p.start.max(1);
        let count = p.count.clamp(1, MAX_PAGE);
        let page = self
            .core
            .store
            .resources(self.tenant.id)
            .query(
                kind,
                &Query {
                    filter: lowered,
                    sort: None,
                    page: PageRequest::Offset(start - 1),
                    limit: count,
                    load: Load::NONE,
                    max_bytes: None,
                },
            )
            .await?;
        Ok(SearchPage {
            items: page
                .records
                .iter()
                .map(|r| with_provenance(schemas.secrets().redact_doc(&resource_json(r, "")), r))
                .collect(),
            total: page.total,
            start,
            count,
            filter: text,
        })
    }

    /// One user or group with its memberships, provenance and timeline.
    pub async fn resource(&self, kind: ResourceKind, id: &str) -> ScimResult<ResourceDetail> {
        let record = self.record(kind, id).await?;
        let timeline = self
            .timeline(&AuditFilter {
                resource: Some((kind.name().to_lowercase(), id.to_string())),
                limit: 200,
                ..AuditFilter::default()
            })
            .await?;
        Ok(ResourceDetail {
            kind,
            resource: with_provenance(
                self.schemas()
                    .await?
                    .secrets()
                    .redact_doc(&resource_json(&record, "")),
                &record,
            ),
            managed_note: managed_note(kind, &record.provenance),
            provenance: record.provenance,
            timeline,
        })
    }

    /// The audit log, newest first, with connection names.
    pub async fn timeline(&self, f: &AuditFilter) -> ScimResult<Timeline> {
        let entries = self.audit(f).await?;
        let connections = self
            .connections()
            .await?
            .into_iter()
            .map(|c| (c.id.db_key(), c.name))
            .collect();
        Ok(Timeline {
            entries,
            connections,
        })
    }
}
