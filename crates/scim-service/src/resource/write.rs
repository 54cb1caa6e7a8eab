//! The service's read-modify-write of one resource (compute outside,
//! commit inside; `scim_store::plan`).
//!
//! A write reads the resource, computes its [`Update`] and the store's
//! [`Plan`] from it outside any transaction (off the async runtime when the
//! input is heavy, [`crate::compute`]), and hands the plan to the store,
//! which applies it in one short transaction only while the resource still
//! has the version read. When another write moved it in between, the write
//! is computed again from the new version, up to
//! [`scim_store::plan::MAX_ATTEMPTS`] times; then the client is asked to
//! retry (503). `If-Match` is checked by the computation against the
//! version it read, so a precondition holds for exactly the version the
//! write replaced.

use crate::compute::heavy_with;
use crate::state::Core;
use scim_core::resource::ResourceId;
use scim_core::ScimResult;
use scim_store::plan::{finish, MAX_ATTEMPTS};
use scim_store::{
    Load, Plan, Record, ResourceKind, StoreError, StoreResult, TenantId, Update, Updated,
};
use serde_json::Value;

/// One read-modify-write: what to read, what to return.
pub(crate) struct Modify<'a> {
    pub tenant: TenantId,
    pub kind: ResourceKind,
    pub id: &'a ResourceId,
    /// What the computation needs besides the document.
    pub load: Load,
    /// What the returned record carries (read again after the commit).
    pub reply: Load,
    /// The request body, if any: with the stored document, it decides
    /// whether the computation is heavy.
    pub body: Option<&'a Value>,
}

impl Core {
    /// Runs a read-modify-write; `None` when there is no such resource.
    /// Errors of `f` come back as [`StoreError::Rejected`].
    pub(crate) async fn modify<F>(&self, m: Modify<'_>, f: F) -> StoreResult<Option<Updated>>
    where
        F: FnMut(&Record) -> ScimResult<Update> + Send + 'static,
    {
        let store = self.store.resources(m.tenant);
        let mut f = f;
        for _ in 0..MAX_ATTEMPTS {
            let Some(current) = store.get(m.kind, m.id, m.load).await? else {
                return Ok(None);
            };
            let is_heavy = heavy_with(m.body, &current.doc);
            let kind = m.kind;
            let (planned, back, current) = self
                .compute
                .run(m.tenant, is_heavy, move || {
                    let planned = f(&current)
                        .map_err(StoreError::Rejected)
                        .and_then(|u| Plan::new(kind, &current, u));
                    (planned, f, current)
                })
                .await
                .map_err(StoreError::Rejected)?;
            f = back;
            let plan = planned?;
            let outcome = plan.outcome();
            match store.apply(m.kind, m.id, plan).await {
                Err(StoreError::Stale) => continue,
                Err(e) => return Err(e),
                Ok(None) => return Ok(None),
                Ok(Some(applied)) => {
                    let record = outcome.record(current, applied);
                    return finish(store.as_ref(), m.kind, m.id, m.reply, record, applied).await;
                }
            }
        }
        Err(StoreError::Busy)
    }
}
