//! Write plans: compute outside, commit inside.
//!
//! A change to a stored resource is computed from the record as read (its
//! [`Version`] included) without any transaction: the new document and its
//! JSON text, the index rows to delete and insert, the membership changes,
//! and the journal's rows. A store then executes the [`Plan`] in one short
//! transaction that holds only what must be atomic: the check that the
//! resource still has the version the plan was computed from (optimistic
//! concurrency; a moved version is [`StoreError::Stale`] and the caller
//! computes again), the seat limit, the circuit breaker's count, and the
//! writes.
//!
//! [`read_modify_write`] is the loop every caller of [`ResourceStore::apply`]
//! runs (the service adds running the computation off the async runtime).

use crate::error::{StoreError, StoreResult};
use crate::events::{AuditEntry, ChangeEvent, Journal};
use crate::index;
use crate::model::{IndexKeys, Load, MemberChange, Record, ResourceKind, Update, Updated};
use crate::policy::{to_text, Provenance};
use crate::ResourceStore;
use scim_core::resource::{ResourceId, Version};
use scim_core::timestamp::Timestamp;
use scim_core::ScimError;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::sync::Arc;

/// How many times [`read_modify_write`] computes a plan again after the
/// resource moved under it before it gives up with [`StoreError::Busy`].
pub const MAX_ATTEMPTS: u32 = 32;

/// Index rows a rewrite deletes and inserts: the difference between the
/// keys of the document as read and of the new one, so that a change to
/// one of 35,000 emails rewrites one row, not 35,000.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexDelta {
    pub removed: Vec<(String, String)>,
    pub added: Vec<(String, String)>,
}

impl IndexDelta {
    /// The rows of `old` that `new` lacks and the rows of `new` that `old`
    /// lacks, in linear time.
    pub fn between(old: &IndexKeys, new: &IndexKeys) -> IndexDelta {
        let before: HashSet<&(String, String)> = old.entries.iter().collect();
        let after: HashSet<&(String, String)> = new.entries.iter().collect();
        IndexDelta {
            removed: old
                .entries
                .iter()
                .filter(|e| !after.contains(e))
                .cloned()
                .collect(),
            added: new
                .entries
                .iter()
                .filter(|e| !before.contains(e))
                .cloned()
                .collect(),
        }
    }

    /// Every row of `keys` inserted (a new resource).
    pub fn all(keys: &IndexKeys) -> IndexDelta {
        IndexDelta {
            removed: Vec::new(),
            added: keys.entries.clone(),
        }
    }

    /// How many rows it writes.
    pub fn len(&self) -> usize {
        self.removed.len() + self.added.len()
    }

    /// Whether it writes nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A new document with everything a store writes for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rewrite {
    /// Shared with the caller's [`Outcome`], so that handing the plan to
    /// a store copies no document.
    pub doc: Arc<Map<String, Value>>,
    /// `doc` as JSON text, the column SQL stores write.
    pub text: String,
    pub keys: IndexKeys,
    pub index: IndexDelta,
}

/// A journal with the texts SQL stores write, encoded before the
/// transaction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PreparedJournal {
    pub journal: Journal,
    /// The audit entry's JSON text and its `sent` column.
    pub audit: Option<(String, Option<String>)>,
    /// Each event's JSON text.
    pub events: Vec<String>,
}

impl PreparedJournal {
    /// Encodes a journal.
    pub fn new(journal: Journal) -> StoreResult<PreparedJournal> {
        let audit = match &journal.audit {
            Some(e) => Some(e.stored_texts()?),
            None => None,
        };
        let events = journal
            .events
            .iter()
            .map(to_text::<ChangeEvent>)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(PreparedJournal {
            journal,
            audit,
            events,
        })
    }

    /// The audit entry, if any.
    pub fn entry(&self) -> Option<&AuditEntry> {
        self.journal.audit.as_ref()
    }
}

/// A change to one resource, computed from the record at version `base`.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The version the plan was computed from: a store applies the plan
    /// only while the resource still has it.
    pub base: Version,
    /// The new document, when it differs from the one read.
    pub doc: Option<Rewrite>,
    /// Whether the user was active as read (a rewrite that activates it
    /// takes a seat).
    pub was_active: bool,
    pub members: Vec<MemberChange>,
    /// The group's `displayName` as written (for the members' timeline
    /// entries).
    pub display: Option<String>,
    pub now: Timestamp,
    /// The provenance to record if anything changed, as JSON text.
    pub provenance: Option<Provenance>,
    pub provenance_text: Option<String>,
    /// Move the version even if nothing else changed.
    pub force: bool,
    pub journal: PreparedJournal,
}

impl Plan {
    /// The plan of `update` against `current`, as read.
    pub fn new(kind: ResourceKind, current: &Record, update: Update) -> StoreResult<Plan> {
        let doc = match update.doc {
            Some((doc, keys)) if doc != current.doc => {
                let old = index::keys_with(kind, &current.doc, false, &keys.spec);
                let text = serde_json::to_string(&doc)
                    .map_err(|e| StoreError::Backend(format!("cannot encode document: {e}")))?;
                Some(Rewrite {
                    index: IndexDelta::between(&old, &keys),
                    doc: Arc::new(doc),
                    text,
                    keys,
                })
            }
            _ => None,
        };
        let shown = doc.as_ref().map_or(&current.doc, |r| r.doc.as_ref());
        let display = shown
            .get("displayName")
            .and_then(Value::as_str)
            .map(str::to_string);
        let provenance_text = update.provenance.as_ref().map(to_text).transpose()?;
        Ok(Plan {
            base: current.version,
            doc,
            was_active: current
                .doc
                .get("active")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            members: update.members,
            display,
            now: update.now,
            provenance: update.provenance,
            provenance_text,
            force: update.force,
            journal: PreparedJournal::new(update.journal)?,
        })
    }

    /// Whether the plan moves the version whatever the membership does.
    pub fn rewrites(&self) -> bool {
        self.doc.is_some() || self.force
    }

    /// A rough count of the rows the plan writes, for the SQLite writer's
    /// fair scheduling.
    pub fn cost(&self) -> usize {
        let members: usize = self
            .members
            .iter()
            .map(|m| match m {
                MemberChange::Add(v) | MemberChange::ReplaceAll(v) => v.len(),
                MemberChange::Remove(v) => v.len(),
                MemberChange::RemoveAll => 1,
            })
            .sum();
        let bytes = self.doc.as_ref().map_or(0, |r| r.text.len() / 1024);
        1 + self.doc.as_ref().map_or(0, |r| r.index.len()) + members + bytes
    }

    /// What the caller keeps to build the record once the plan is applied
    /// (cheap: the document is shared).
    pub fn outcome(&self) -> Outcome {
        Outcome {
            doc: self.doc.as_ref().map(|r| r.doc.clone()),
            provenance: self.provenance.clone(),
            now: self.now,
        }
    }
}

/// What a plan makes of the record it was computed from.
#[derive(Debug, Clone)]
pub struct Outcome {
    doc: Option<Arc<Map<String, Value>>>,
    provenance: Option<Provenance>,
    now: Timestamp,
}

impl Outcome {
    /// The record after the plan, given what the store did (members and
    /// groups not loaded).
    pub fn record(self, current: Record, applied: Applied) -> Record {
        let mut record = current;
        record.members = None;
        record.groups = None;
        if applied.changed {
            record.version = applied.version;
            record.last_modified = self.now;
            if let Some(p) = self.provenance {
                record.provenance = p;
            }
            if let Some(doc) = self.doc {
                record.doc = Arc::try_unwrap(doc).unwrap_or_else(|shared| (*shared).clone());
            }
        }
        record
    }
}

/// What [`ResourceStore::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// The version the resource has now.
    pub version: Version,
    /// Whether anything changed (and so the version moved).
    pub changed: bool,
}

/// Reads a resource, computes a change with `f` outside any transaction,
/// and applies it; computes again when the resource moved in between, up
/// to [`MAX_ATTEMPTS`] times. `load` is what `f` needs and what the
/// returned record carries (members and groups are read again after the
/// commit). `None` when there is no such resource.
pub async fn read_modify_write<F>(
    store: &dyn ResourceStore,
    kind: ResourceKind,
    id: &ResourceId,
    load: Load,
    mut f: F,
) -> StoreResult<Option<Updated>>
where
    F: FnMut(&Record) -> Result<Update, ScimError> + Send,
{
    for _ in 0..MAX_ATTEMPTS {
        let Some(current) = store.get(kind, id, load).await? else {
            return Ok(None);
        };
        let update = f(&current).map_err(StoreError::Rejected)?;
        let plan = Plan::new(kind, &current, update)?;
        let outcome = plan.outcome();
        match store.apply(kind, id, plan).await {
            Err(StoreError::Stale) => continue,
            Err(e) => return Err(e),
            Ok(None) => return Ok(None),
            Ok(Some(applied)) => {
                return finish(
                    store,
                    kind,
                    id,
                    load,
                    outcome.record(current, applied),
                    applied,
                )
                .await;
            }
        }
    }
    Err(StoreError::Busy)
}

/// The record after an applied plan, with members and groups read again
/// (after the commit) when `load` asks for them.
pub async fn finish(
    store: &dyn ResourceStore,
    kind: ResourceKind,
    id: &ResourceId,
    load: Load,
    mut record: Record,
    applied: Applied,
) -> StoreResult<Option<Updated>> {
    let changed = applied.changed;
    if load.members || load.groups {
        if let Some(fresh) = store.get(kind, id, load).await? {
            record.members = fresh.members;
            record.groups = fresh.groups;
        }
    }
    Ok(Some(Updated { record, changed }))
}
