//! The in-memory resource store of one tenant, with its trash.

use super::{lock, Row, State};
use crate::error::{StoreError, StoreResult};
use crate::events::{Journal, MemberDeltas};
use crate::model::*;
use crate::policy::Provenance;
use crate::query::{cursor, Page, PageRequest, Query};
use crate::ResourceStore;
use async_trait::async_trait;
use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

pub(super) struct MemoryResources {
    pub(super) state: Arc<Mutex<State>>,
    pub(super) tenant: TenantId,
}

impl MemoryResources {
    /// Removes a resource and its memberships, returning its row.
    fn remove(&self, s: &mut State, kind: ResourceKind, id: &ResourceId) -> Option<Row> {
        let seq = s.by_id.remove(&(self.tenant, kind, id.to_string()))?;
        let row = s.rows.remove(&seq)?;
        if let Some(u) = &row.keys.unique {
            s.unique.remove(&(self.tenant, kind, u.clone()));
        }
        s.members.retain(|(g, m), _| *g != seq && *m != seq);
        Some(row)
    }

    /// [`StoreError::Stale`] unless the resource is gone or has `base`.
    fn check_base(
        &self,
        s: &State,
        kind: ResourceKind,
        id: &ResourceId,
        base: Option<Version>,
    ) -> StoreResult<()> {
        let current = self
            .seq(s, kind, id.as_str())
            .and_then(|seq| s.rows.get(&seq))
            .map(|r| r.record.version);
        match (base, current) {
            (Some(b), Some(v)) if b != v => Err(StoreError::Stale),
            _ => Ok(()),
        }
    }

    pub(super) fn seq(&self, s: &State, kind: ResourceKind, id: &str) -> Option<i64> {
        s.by_id.get(&(self.tenant, kind, id.to_string())).copied()
    }

    /// The seq of each member, with its display.
    pub(super) fn resolve_members(
        &self,
        s: &State,
        members: &[NewMember],
    ) -> StoreResult<Vec<(i64, Option<String>)>> {
        members
            .iter()
            .map(|m| {
                self.seq(s, ResourceKind::User, m.id.as_str())
                    .or_else(|| self.seq(s, ResourceKind::Group, m.id.as_str()))
                    .map(|seq| (seq, m.display.clone()))
                    .ok_or_else(|| StoreError::MissingMember(m.id.to_string()))
            })
            .collect()
    }

    fn load(&self, s: &State, seq: i64, load: Load) -> Option<Record> {
        let row = s.rows.get(&seq)?;
        let mut r = row.record.clone();
        if load.members && row.kind == ResourceKind::Group {
            r.members = Some(
                s.members
                    .range((seq, i64::MIN)..=(seq, i64::MAX))
                    .filter_map(|((_, m), given)| Some((s.rows.get(m)?, given)))
                    .map(|(m, given)| MemberRef {
                        id: m.record.id.clone(),
                        kind: m.kind,
                        display: given.clone().or_else(|| m.keys.display.clone()),
                    })
                    .collect(),
            );
        }
        if load.groups {
            r.groups = Some(groups_of(s, seq));
        }
        Some(r)
    }
}

/// Direct and indirect groups of a resource, each once (direct wins).
fn groups_of(s: &State, seq: i64) -> Vec<GroupRef> {
    let mut out: Vec<GroupRef> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut frontier = vec![(seq, true)];
    while let Some((m, direct)) = frontier.pop() {
        for (g, _) in s.members.keys().filter(|(_, mm)| *mm == m) {
            if seen.insert(*g) {
                if let Some(row) = s.rows.get(g) {
                    out.push(GroupRef {
                        id: row.record.id.clone(),
                        display: row.keys.display.clone(),
                        direct,
                    });
                    frontier.push((*g, false));
                }
            }
        }
    }
    out.sort_by(|a, b| b.direct.cmp(&a.direct).then(a.id.cmp(&b.id)));
    out
}

/// The JSON a filter or sort sees: the document with `id`, `meta`, and the
/// group members / user groups as the service renders them.
pub fn evaluation_view(r: &Record) -> Value {
    let mut m: Map<String, Value> = r.doc.clone();
    m.insert("id".into(), json!(r.id.as_str()));
    m.insert(
        "meta".into(),
        json!({"resourceType": r.kind.name(), "created": r.created.to_string(), "lastModified": r.last_modified.to_string(), "version": r.version.etag()}),
    );
    if let Some(members) = &r.members {
        m.insert("members".into(), Value::Array(members.iter().map(|x| json!({"value": x.id.as_str(), "type": x.kind.name(), "display": x.display})).collect()));
    }
    if let Some(groups) = &r.groups {
        m.insert(
            "groups".into(),
            Value::Array(groups.iter().map(|g| json!({"value": g.id.as_str(), "display": g.display, "type": if g.direct { "direct" } else { "indirect" }})).collect()),
        );
    }
    Value::Object(m)
}

#[async_trait]
impl ResourceStore for MemoryResources {
    async fn insert(&self, rec: NewRecord) -> StoreResult<Record> {
        let mut s = lock(&self.state)?;
        let id_key = (self.tenant, rec.kind, rec.id.to_string());
        if s.by_id.contains_key(&id_key) {
            return Err(StoreError::Uniqueness(format!("id {} exists", rec.id)));
        }
        if let Some(u) = &rec.keys.unique {
            if s.unique.contains_key(&(self.tenant, rec.kind, u.clone())) {
                return Err(StoreError::Uniqueness(unique_message(rec.kind)));
            }
        }
        s.check_ext_unique(self.tenant, rec.kind, &rec.keys, None)?;
        let member_seqs = self.resolve_members(&s, &rec.members)?;
        if rec.kind == ResourceKind::User && rec.keys.active {
            s.check_seat(self.tenant)?;
        }
        let mut deltas = MemberDeltas::default();
        for (m, _) in &member_seqs {
            if let Some(row) = s.rows.get(m) {
                deltas.added(row.kind, row.record.id.as_str());
            }
        }
        let companions = deltas.entries(&rec.journal, &rec.doc);
        s.journals.record(self.tenant, rec.journal, true);
        s.journals.record_entries(self.tenant, companions);
        let seq = s.key();
        let record = Record {
            kind: rec.kind,
            id: rec.id,
            version: Version::FIRST,
            created: rec.created,
            last_modified: rec.created,
            provenance: rec.provenance,
            doc: rec.doc,
            members: None,
            groups: None,
        };
        if let Some(u) = &rec.keys.unique {
            s.unique.insert((self.tenant, rec.kind, u.clone()), seq);
        }
        s.by_id.insert(id_key, seq);
        for (m, display) in member_seqs {
            s.members.entry((seq, m)).or_insert(display);
        }
        s.rows.insert(
            seq,
            Row {
                tenant: self.tenant,
                kind: rec.kind,
                record,
                keys: rec.keys,
            },
        );
        self.load(
            &s,
            seq,
            Load {
                members: rec.kind == ResourceKind::Group,
                groups: false,
            },
        )
        .ok_or_else(|| StoreError::Backend("inserted row vanished".into()))
    }

    async fn get(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        load: Load,
    ) -> StoreResult<Option<Record>> {
        let s = lock(&self.state)?;
        Ok(self
            .seq(&s, kind, id.as_str())
            .and_then(|seq| self.load(&s, seq, load)))
    }

    async fn apply(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        plan: crate::plan::Plan,
    ) -> StoreResult<Option<crate::plan::Applied>> {
        let mut s = lock(&self.state)?;
        let Some(seq) = self.seq(&s, kind, id.as_str()) else {
            return Ok(None);
        };
        self.apply_plan(&mut s, kind, seq, plan).map(Some)
    }

    async fn delete(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        base: Option<Version>,
        journal: Journal,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        self.check_base(&s, kind, id, base)?;
        s.admit_removal(self.tenant, kind, id, &journal)?;
        let gone = self.remove(&mut s, kind, id).is_some();
        if gone {
            if let Some(d) = &journal.deprovision {
                s.count_deprovision(d);
            }
            s.journals.record(self.tenant, journal, true);
        }
        Ok(gone)
    }

    async fn trash(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        base: Option<Version>,
        deleted: Timestamp,
        purge_after: Timestamp,
        journal: Journal,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        self.check_base(&s, kind, id, base)?;
        s.admit_removal(self.tenant, kind, id, &journal)?;
        let Some(row) = self.remove(&mut s, kind, id) else {
            return Ok(false);
        };
        if let Some(d) = &journal.deprovision {
            s.count_deprovision(d);
        }
        s.journals.record(self.tenant, journal, true);
        s.trash.push((
            self.tenant,
            Trashed {
                kind,
                id: row.record.id,
                display: row.keys.display,
                created: row.record.created,
                version: row.record.version,
                deleted,
                purge_after,
                doc: row.record.doc,
                provenance: row.record.provenance,
            },
        ));
        Ok(true)
    }

    async fn list_trash(&self, kind: ResourceKind) -> StoreResult<Vec<Trashed>> {
        let s = lock(&self.state)?;
        let mut v: Vec<Trashed> = s
            .trash
            .iter()
            .filter(|(t, x)| *t == self.tenant && x.kind == kind)
            .map(|(_, x)| x.clone())
            .collect();
        v.sort_by(|a, b| b.deleted.cmp(&a.deleted).then(a.id.cmp(&b.id)));
        Ok(v)
    }

    async fn restore(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        keys: IndexKeys,
        provenance: Provenance,
        now: Timestamp,
        journal: Journal,
    ) -> StoreResult<Option<Record>> {
        let mut s = lock(&self.state)?;
        let Some(pos) = s
            .trash
            .iter()
            .position(|(t, x)| *t == self.tenant && x.kind == kind && x.id == *id)
        else {
            return Ok(None);
        };
        if let Some(u) = &keys.unique {
            if s.unique.contains_key(&(self.tenant, kind, u.clone())) {
                return Err(StoreError::Uniqueness(unique_message(kind)));
            }
        }
        s.check_ext_unique(self.tenant, kind, &keys, None)?;
        if kind == ResourceKind::User && keys.active {
            s.check_seat(self.tenant)?;
        }
        let (_, trashed) = s.trash.remove(pos);
        s.journals.record(self.tenant, journal, true);
        let seq = s.key();
        if let Some(u) = &keys.unique {
            s.unique.insert((self.tenant, kind, u.clone()), seq);
        }
        s.by_id.insert((self.tenant, kind, id.to_string()), seq);
        let record = Record {
            kind,
            id: trashed.id,
            version: trashed.version.next(),
            created: trashed.created,
            last_modified: now,
            provenance,
            doc: trashed.doc,
            members: None,
            groups: None,
        };
        s.rows.insert(
            seq,
            Row {
                tenant: self.tenant,
                kind,
                record,
                keys,
            },
        );
        Ok(self.load(&s, seq, Load::NONE))
    }

    async fn purge_trashed(
        &self,
        kind: ResourceKind,
        id: &ResourceId,
        journal: Journal,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        let Some(pos) = s
            .trash
            .iter()
            .position(|(t, x)| *t == self.tenant && x.kind == kind && x.id == *id)
        else {
            return Ok(false);
        };
        s.trash.remove(pos);
        s.journals.record(self.tenant, journal, true);
        Ok(true)
    }

    async fn query(&self, kind: ResourceKind, q: &Query) -> StoreResult<Page> {
        let s = lock(&self.state)?;
        let needs_members = kind == ResourceKind::Group;
        let view_load = Load {
            members: needs_members || q.load.members,
            groups: true,
        };
        let mut matched: Vec<(i64, Value)> = s
            .rows
            .iter()
            .filter(|(_, r)| r.tenant == self.tenant && r.kind == kind)
            .filter_map(|(seq, _)| {
                self.load(&s, *seq, view_load)
                    .map(|r| (*seq, evaluation_view(&r)))
            })
            .filter(|(_, v)| q.filter.as_ref().is_none_or(|f| f.matches(v)))
            .collect();
        if let Some(sort) = &q.sort {
            matched.sort_by(|a, b| sort.compare(sort.key(&a.1).as_ref(), sort.key(&b.1).as_ref()));
        }
        let total = matched.len() as u64;
        let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
        let (start, keyset) = match &q.page {
            PageRequest::Offset(o) => (usize::try_from(*o).unwrap_or(usize::MAX), false),
            PageRequest::Cursor(None) => (0, q.sort.is_none()),
            PageRequest::Cursor(Some(c)) => match cursor::decode(c)? {
                cursor::Position::AfterSeq(after) if q.sort.is_none() => (
                    matched.iter().take_while(|(seq, _)| *seq <= after).count(),
                    true,
                ),
                cursor::Position::Offset(o) if q.sort.is_some() => {
                    (usize::try_from(o).unwrap_or(usize::MAX), false)
                }
                _ => {
                    return Err(StoreError::InvalidCursor(
                        "the cursor belongs to a listing with another order".into(),
                    ))
                }
            },
        };
        let mut budget = crate::query::Budget::new(q.max_bytes);
        let mut page: Vec<i64> = Vec::new();
        let mut records = Vec::new();
        for (seq, _) in matched.iter().skip(start).take(limit) {
            if !budget.open() {
                break;
            }
            if let Some(r) = self.load(&s, *seq, q.load) {
                budget.charge(&r);
                records.push(r);
            }
            page.push(*seq);
        }
        let more = start.saturating_add(page.len()) < matched.len();
        let next_cursor = match (&q.page, more, page.last()) {
            (PageRequest::Cursor(_), true, Some(last)) if keyset => {
                Some(cursor::encode(cursor::Position::AfterSeq(*last)))
            }
            (PageRequest::Cursor(_), true, Some(_)) => Some(cursor::encode(
                cursor::Position::Offset((start + page.len()) as u64),
            )),
            _ => None,
        };
        Ok(Page {
            records,
            total,
            next_cursor,
        })
    }

    async fn count(&self, kind: ResourceKind, active_only: bool) -> StoreResult<u64> {
        let s = lock(&self.state)?;
        Ok(s.rows
            .values()
            .filter(|r| {
                r.tenant == self.tenant && r.kind == kind && (!active_only || r.keys.active)
            })
            .count() as u64)
    }

    async fn any_local(&self, kind: ResourceKind) -> StoreResult<bool> {
        let s = lock(&self.state)?;
        Ok(s.rows
            .values()
            .any(|r| r.tenant == self.tenant && r.kind == kind && !r.record.provenance.managed))
    }
}

/// The detail of a uniqueness conflict on a kind's unique key.
pub fn unique_message(kind: ResourceKind) -> String {
    match kind {
        ResourceKind::User => "userName is already taken".into(),
        ResourceKind::Group => "a group with this displayName already exists".into(),
    }
}
