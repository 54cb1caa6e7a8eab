//! The SCIM API (RFC 7644) as one authenticated caller reaches it:
//! [`Scim`] holds the [`Principal`] (made only by
//! [`crate::Service::authenticate`]) and the request's [`RequestCtx`].
//! Its operations live one per file: resources in [`crate::resource`]
//! (create, get, list and search, replace, patch, delete), Bulk in
//! [`crate::bulk`], discovery in [`crate::discovery`], the change feed in
//! [`crate::feed`].
//!
//! Invariant: every SCIM operation is a method of `Scim`, so none runs
//! without a principal, and each reaches only the principal's tenant.

use crate::context::RequestCtx;
use crate::journal::{Entry, Origin};
use crate::state::Core;
use crate::Principal;
use scim_core::{ScimError, ScimResult};
use scim_store::ResourceKind;
use serde_json::Value;

/// The SCIM API for one caller and one request.
#[derive(Clone, Copy)]
pub struct Scim<'a> {
    pub(crate) core: &'a Core,
    pub(crate) who: &'a Principal,
    pub(crate) ctx: &'a RequestCtx,
}

impl<'a> Scim<'a> {
    pub(crate) fn new(core: &'a Core, who: &'a Principal, ctx: &'a RequestCtx) -> Scim<'a> {
        Scim { core, who, ctx }
    }

    /// The caller.
    pub fn principal(&self) -> &Principal {
        self.who
    }

    /// Records a SCIM write request refused before it reached its
    /// operation: a body that is not JSON, too large or of another media
    /// type, or a rate limit. The HTTP layer calls this for every request
    /// it refuses once it knows the caller (a 401 has no tenant to record
    /// it in). Reads (`GET`, and `POST …/.search`) are not recorded. Never
    /// fails.
    pub async fn audit_refused(&self, error: &ScimError) {
        let ctx = self.ctx;
        let write = matches!(ctx.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE");
        let search = ctx
            .path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.eq_ignore_ascii_case(".search"));
        if !write || search {
            return;
        }
        let mut segs = ctx.path.trim_matches('/').split('/');
        let kind = segs
            .next()
            .and_then(|s| s.strip_suffix('s'))
            .and_then(crate::resource::kind_of);
        let id = kind.and(segs.next());
        self.record_refusal(kind, id, None, error).await;
    }

    /// The result of a write, after recording it in the audit log when it
    /// was refused (a write that succeeded recorded its entry in its own
    /// transaction), with the body the client sent.
    pub(crate) async fn audited<T>(
        &self,
        kind: Option<ResourceKind>,
        id: Option<&str>,
        body: Option<&Value>,
        result: ScimResult<T>,
    ) -> ScimResult<T> {
        if let Err(e) = &result {
            self.record_refusal(kind, id, body, e).await;
        }
        result
    }

    /// Appends the entry of a refused request. Never fails the request.
    async fn record_refusal(
        &self,
        kind: Option<ResourceKind>,
        id: Option<&str>,
        body: Option<&Value>,
        e: &ScimError,
    ) {
        let mut origin = Origin::of(self.who, self.ctx);
        if let Some(b) = body {
            origin = origin.with_sent(b);
        }
        let entry = origin.entry(
            Entry::new(self.core.clock.now(), e.status(), "refused")
                .about(kind, id)
                .detail(e.detail().to_string()),
        );
        if let Err(err) = self.core.store.append_audit(self.who.tenant(), entry).await {
            tracing::warn!(error = %err, "cannot record a refused request in the audit log");
        }
    }

    /// The origin of this request's journal entries.
    pub(crate) fn origin(&self) -> Origin {
        Origin::of(self.who, self.ctx)
    }
}
