//! Group members a write names that match no resource of the tenant (a
//! stale reference in an IdP's group push).
//!
//! A write runs as usual; when a member it adds turns out not to exist (an
//! id scimd could not have issued, or the store's `MissingMember`), the
//! service looks up every member id the request named, once, outside any
//! transaction. Under a profile with `skip_unknown_members` (auto and the
//! IdP profiles) the write runs again without those ids and answers as a
//! success, its audit entry (and so the group's timeline) naming the ids
//! skipped; otherwise (strict, interop) it is 400 `invalidValue` naming
//! every unknown id. The common case, every member known, costs nothing.

use crate::scim::Scim;
use scim_core::resource::ResourceId;
use scim_core::{ScimError, ScimResult};
use scim_store::{Journal, Load, NewMember, ResourceKind};
use serde_json::Value;
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// What one attempt of a group write saw of its members: the ids it was
/// asked to add, whether one was missing, and the ids it leaves out.
#[derive(Debug, Default)]
pub(crate) struct MemberProbe {
    skip: BTreeSet<String>,
    seen: Mutex<(BTreeSet<String>, bool)>,
}

impl MemberProbe {
    fn new(skip: BTreeSet<String>) -> MemberProbe {
        MemberProbe {
            skip,
            seen: Mutex::default(),
        }
    }

    /// A probe that skips nothing (writes that are not retried).
    pub(crate) fn none() -> Arc<MemberProbe> {
        Arc::new(MemberProbe::default())
    }

    fn with<T>(&self, f: impl FnOnce(&mut (BTreeSet<String>, bool)) -> T) -> T {
        match self.seen.lock() {
            Ok(mut g) => f(&mut g),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// Records that a member the write adds does not exist.
    pub(crate) fn missing(&self) {
        self.with(|s| s.1 = true);
    }

    /// Records the store's answer: a missing member is noted.
    pub(crate) fn check<T>(&self, r: scim_store::StoreResult<T>) -> scim_store::StoreResult<T> {
        if matches!(r, Err(scim_store::StoreError::MissingMember(_))) {
            self.missing();
        }
        r
    }

    /// The members of member elements (`{"value": id, "display": ...}`):
    /// the id, and the display the client gave, if any (RFC 7643 §2.4:
    /// immutable, defined when the member is added; a member already in the
    /// group keeps its own). Skipped ids are left out.
    pub(crate) fn members(&self, items: &[Value]) -> ScimResult<Vec<NewMember>> {
        let mut out = Vec::with_capacity(items.len());
        for e in items {
            let v = e.get("value").and_then(Value::as_str).ok_or_else(|| {
                ScimError::InvalidValue("each member needs a \"value\" with the member's id".into())
            })?;
            self.with(|s| s.0.insert(v.to_string()));
            if self.skip.contains(v) {
                continue;
            }
            let Some(id) = ResourceId::parse(v) else {
                self.missing();
                return Err(ScimError::InvalidValue(format!(
                    "member {v:?} does not exist"
                )));
            };
            let display = e
                .get("display")
                .and_then(Value::as_str)
                .filter(|d| !d.is_empty())
                .map(str::to_string);
            out.push(NewMember { id, display });
        }
        Ok(out)
    }

    /// Notes the skipped ids in the write's audit entry.
    pub(crate) fn note(&self, journal: &mut Journal) {
        if self.skip.is_empty() {
            return;
        }
        if let Some(a) = journal.audit.as_mut() {
            let ids: Vec<&str> = self.skip.iter().map(String::as_str).collect();
            a.detail = Some(format!(
                "skipped unknown members (no user or group of this tenant has these ids): {}",
                ids.join(", ")
            ));
            if let Some(d) = a.diff.as_array_mut() {
                d.push(serde_json::json!({"op": "skip", "path": "members", "value": ids}));
            }
        }
    }
}

impl Scim<'_> {
    /// Runs a group write, `attempt`, with the unknown-member rule of the
    /// module doc.
    pub(crate) async fn with_member_rule<F, Fut, T>(
        &self,
        kind: ResourceKind,
        mut attempt: F,
    ) -> ScimResult<T>
    where
        F: FnMut(Arc<MemberProbe>) -> Fut,
        Fut: Future<Output = ScimResult<T>>,
    {
        let probe = MemberProbe::none();
        let first = attempt(probe.clone()).await;
        if first.is_ok() || kind != ResourceKind::Group || !probe.with(|s| s.1) {
            return first;
        }
        let requested = probe.with(|s| std::mem::take(&mut s.0));
        let unknown = self.unknown_members(&requested).await?;
        if unknown.is_empty() {
            return first;
        }
        if !self.who.profile().tolerances().skip_unknown_members {
            let ids: Vec<&str> = unknown.iter().map(String::as_str).collect();
            return Err(ScimError::InvalidValue(format!(
                "unknown members: no user or group of this tenant has the ids {}",
                ids.join(", ")
            )));
        }
        attempt(Arc::new(MemberProbe::new(unknown))).await
    }

    /// The ids among `ids` that name no user or group of the caller's
    /// tenant.
    async fn unknown_members(&self, ids: &BTreeSet<String>) -> ScimResult<BTreeSet<String>> {
        let store = self.core.store.resources(self.who.tenant());
        let mut unknown = BTreeSet::new();
        for v in ids {
            let Some(id) = ResourceId::parse(v) else {
                unknown.insert(v.clone());
                continue;
            };
            let mut found = false;
            for kind in [ResourceKind::User, ResourceKind::Group] {
                if store.get(kind, &id, Load::NONE).await?.is_some() {
                    found = true;
                    break;
                }
            }
            if !found {
                unknown.insert(v.clone());
            }
        }
        Ok(unknown)
    }
}
