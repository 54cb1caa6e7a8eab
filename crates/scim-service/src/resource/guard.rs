//! Policy checks shared by the write operations (`docs/policies.md`):
//!
//! - **ownership**: a resource created by a connection whose ownership is
//!   `exclusive` may be changed or deleted only through that connection;
//!   others get 403;
//! - **deactivation**: under the `acknowledge` policy, `active=false` is
//!   answered as a success and changes nothing;
//! - **provenance**: every change by a connection records who made it.

use super::not_found;
use crate::state::Core;
use crate::Principal;
use scim_core::resource::ResourceId;
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_store::{DeactivatePolicy, Deprovision, Load, Ownership, Record, ResourceKind};
use serde_json::{Map, Value};

/// The creator a write observed before its transaction; the transaction
/// checks it is still the creator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Observed(Option<i64>);

impl Observed {
    /// 409 if the resource changed hands since it was observed.
    pub(crate) fn recheck(self, current: &Record) -> ScimResult<()> {
        if current.provenance.created_by == self.0 {
            Ok(())
        } else {
            Err(ScimError::Conflict(
                "the resource changed owner while it was being modified; retry".into(),
            ))
        }
    }
}

/// Whether a user document says active (absent means active).
pub(crate) fn is_active(doc: &Map<String, Value>) -> bool {
    doc.get("active").and_then(Value::as_bool).unwrap_or(true)
}

/// What a write's deactivation policy needs to know, captured for the
/// transaction: the policy, whether the breaker paused the connection (as
/// loaded with the request), and what the breaker counts.
#[derive(Clone)]
pub(crate) struct Deprovisioning {
    policy: DeactivatePolicy,
    paused: Option<ScimError>,
    counted: Option<Deprovision>,
}

/// What the deactivation policy made of a new document.
pub(crate) struct Deactivation {
    /// `acknowledge` undid a deactivation (for the audit log).
    pub acknowledged: bool,
    /// A deactivation for the breaker to count in the write's transaction
    /// (put in its journal).
    pub counted: Option<Deprovision>,
}

impl Deprovisioning {
    pub(crate) fn of(who: &Principal, now: Timestamp) -> Deprovisioning {
        Deprovisioning {
            policy: who.policy().deactivate,
            paused: super::breaker::check_not_paused(who).err(),
            counted: super::breaker::deprovision(who, now),
        }
    }

    /// Applies the deactivation policy to a new document: under
    /// `acknowledge` a deactivation is undone; while the breaker is tripped
    /// it is refused (503); otherwise the breaker counts it.
    pub(crate) fn apply(
        &self,
        kind: ResourceKind,
        current: &Map<String, Value>,
        doc: &mut Map<String, Value>,
    ) -> ScimResult<Deactivation> {
        let mut out = Deactivation {
            acknowledged: false,
            counted: None,
        };
        let deactivates = kind == ResourceKind::User && is_active(current) && !is_active(doc);
        if !deactivates {
            return Ok(out);
        }
        if self.policy == DeactivatePolicy::Acknowledge {
            match current.get("active") {
                Some(v) => doc.insert("active".into(), v.clone()),
                None => doc.shift_remove("active"),
            };
            out.acknowledged = true;
            return Ok(out);
        }
        if let Some(e) = &self.paused {
            return Err(e.clone());
        }
        out.counted = self.counted.clone();
        Ok(out)
    }
}

/// Reads who created a resource and refuses (403) a write through another
/// connection when the creator's ownership is `exclusive`.
pub(crate) async fn check_ownership(
    core: &Core,
    who: &Principal,
    kind: ResourceKind,
    rid: &ResourceId,
) -> ScimResult<(Observed, Record)> {
    let current = core
        .store
        .resources(who.tenant())
        .get(kind, rid, Load::NONE)
        .await?
        .ok_or_else(|| not_found(kind, rid.as_str()))?;
    let creator = current.provenance.creator();
    if let Some(owner) = creator.filter(|c| *c != who.connection()) {
        // A deleted connection no longer owns anything.
        if let Some(c) = core.store.connection(owner).await? {
            if c.tenant == who.tenant() && c.policy.ownership == Ownership::Exclusive {
                return Err(ScimError::Forbidden(format!(
                    "{} {} is managed exclusively by connection {:?}; connection {:?} may not modify it",
                    kind.name(),
                    rid,
                    c.name,
                    who.connection_name()
                )));
            }
        }
    }
    Ok((Observed(current.provenance.created_by), current))
}
