//! Executing a write plan on the in-memory store: the reference behaviour
//! of [`crate::ResourceStore::apply`] (version check, membership first,
//! seat limit, circuit breaker, unique key, journal).

use super::resources::{unique_message, MemoryResources};
use super::State;
use crate::error::{StoreError, StoreResult};
use crate::events::MemberDeltas;
use crate::model::*;
use crate::plan::{Applied, Plan};
use std::collections::BTreeMap;

impl MemoryResources {
    /// Applies `plan` to the resource at `seq`, all or nothing.
    pub(super) fn apply_plan(
        &self,
        s: &mut State,
        kind: ResourceKind,
        seq: i64,
        plan: Plan,
    ) -> StoreResult<Applied> {
        let current = s
            .rows
            .get(&seq)
            .map(|r| (r.record.version, r.keys.active, r.keys.unique.clone()))
            .ok_or_else(|| StoreError::Backend("row vanished".into()))?;
        let (version, active, old_unique) = current;
        if version != plan.base {
            return Err(StoreError::Stale);
        }
        // Membership first: it may fail on an unknown member, before
        // anything changes.
        let before: BTreeMap<(i64, i64), Option<String>> = s
            .members
            .range((seq, i64::MIN)..=(seq, i64::MAX))
            .map(|(k, d)| (*k, d.clone()))
            .collect();
        let mut after = before.clone();
        for change in &plan.members {
            match change {
                MemberChange::Add(ids) => {
                    for (m, display) in self.resolve_members(s, ids)? {
                        after.entry((seq, m)).or_insert(display);
                    }
                }
                MemberChange::Remove(ids) => {
                    for id in ids {
                        for k in [ResourceKind::User, ResourceKind::Group] {
                            if let Some(m) = self.seq(s, k, id.as_str()) {
                                after.remove(&(seq, m));
                            }
                        }
                    }
                }
                MemberChange::RemoveAll => after.clear(),
                MemberChange::ReplaceAll(ids) => {
                    // Members already in the group keep their display.
                    let mut kept = BTreeMap::new();
                    for (m, display) in self.resolve_members(s, ids)? {
                        let d = after.get(&(seq, m)).cloned().unwrap_or(display);
                        kept.entry((seq, m)).or_insert(d);
                    }
                    after = kept;
                }
            }
        }
        let mut changed = false;
        if let Some(rewrite) = &plan.doc {
            let keys = &rewrite.keys;
            s.check_ext_unique(self.tenant, kind, keys, Some(seq))?;
            if kind == ResourceKind::User && keys.active && !active {
                s.check_seat(self.tenant)?;
            }
            if let Some(d) = &plan.journal.journal.deprovision {
                let users = s.users(self.tenant);
                s.admit_deprovision(d, users)?;
            }
            if keys.unique != old_unique {
                if let Some(u) = &keys.unique {
                    if s.unique
                        .get(&(self.tenant, kind, u.clone()))
                        .is_some_and(|&o| o != seq)
                    {
                        return Err(StoreError::Uniqueness(unique_message(kind)));
                    }
                }
                if let Some(u) = &old_unique {
                    s.unique.remove(&(self.tenant, kind, u.clone()));
                }
                if let Some(u) = &keys.unique {
                    s.unique.insert((self.tenant, kind, u.clone()), seq);
                }
            }
            if let Some(row) = s.rows.get_mut(&seq) {
                row.record.doc = rewrite.doc.as_ref().clone();
                row.keys = keys.clone();
            }
            changed = true;
        }
        let mut deltas = MemberDeltas::default();
        for (_, m) in before.keys().filter(|k| !after.contains_key(k)) {
            if let Some(row) = s.rows.get(m) {
                deltas.removed(row.kind, row.record.id.as_str());
            }
        }
        for (_, m) in after.keys().filter(|k| !before.contains_key(k)) {
            if let Some(row) = s.rows.get(m) {
                deltas.added(row.kind, row.record.id.as_str());
            }
        }
        if after != before {
            for k in before.keys() {
                s.members.remove(k);
            }
            s.members.extend(after);
            changed = true;
        }
        let mut version = plan.base;
        if changed || plan.force {
            version = version.next();
            if let Some(row) = s.rows.get_mut(&seq) {
                row.record.version = version;
                row.record.last_modified = plan.now;
                if let Some(p) = &plan.provenance {
                    row.record.provenance = p.clone();
                }
            }
            changed = true;
        }
        let journal = plan.journal.journal;
        let companions = match s.rows.get(&seq) {
            Some(row) => deltas.entries(&journal, &row.record.doc),
            None => Vec::new(),
        };
        if let (true, Some(d)) = (changed, &journal.deprovision) {
            s.count_deprovision(d);
        }
        s.journals.record(self.tenant, journal, changed);
        s.journals.record_entries(self.tenant, companions);
        Ok(Applied { version, changed })
    }
}
