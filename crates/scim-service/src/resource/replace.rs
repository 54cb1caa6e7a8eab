//! Replace a resource: `PUT /Users/{id}`, `PUT /Groups/{id}` (RFC 7644
//! §3.5.1). readOnly attributes in the body are ignored; immutable ones must
//! keep their value; a group's members become exactly those listed. Runs as
//! one read-modify-write (`write.rs`), with `If-Match` checked against the
//! version it replaces.

use super::guard::Deprovisioning;
use super::{not_found, parse_id, MemberProbe, Modify, Preconditions, Reply, RequestCtx};
use crate::journal::{change, Origin};
use crate::{Principal, ScimService};
use scim_core::project::Projection;
use scim_core::resource::apply_replace_rules;
use scim_core::ScimResult;
use scim_store::index::keys;
use scim_store::{Load, MemberChange, Record, ResourceKind, Update};
use serde_json::Value;
use std::sync::Arc;

impl ScimService {
    /// Replaces one resource.
    #[allow(clippy::too_many_arguments)]
    pub async fn replace(
        &self,
        who: &Principal,
        kind: ResourceKind,
        id: &str,
        body: &Value,
        ctx: &RequestCtx,
        projection: &Projection,
        pre: &Preconditions,
    ) -> ScimResult<Reply> {
        let result = self
            .with_member_rule(who, kind, |probe| {
                self.replace_inner(who, kind, id, body, ctx, projection, pre, probe)
            })
            .await;
        self.audit_refusal(who, ctx, kind, Some(id), Some(body), &result)
            .await;
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn replace_inner(
        &self,
        who: &Principal,
        kind: ResourceKind,
        id: &str,
        body: &Value,
        ctx: &RequestCtx,
        projection: &Projection,
        pre: &Preconditions,
        probe: Arc<MemberProbe>,
    ) -> ScimResult<Reply> {
        let rid = parse_id(kind, id)?;
        let tol = who.profile().tolerances();
        projection.check(&tol)?;
        // A large body is validated on a compute thread.
        let (doc, members) = if crate::compute::heavy([body]) {
            let (owned, registry, p) = (body.clone(), self.registry.clone(), probe.clone());
            self.compute
                .run(who.tenant(), true, move || {
                    super::prepared(&registry, kind, &owned, &tol, &p)
                })
                .await??
        } else {
            self.prepare(kind, body, &tol, &probe)?
        };
        let (observed, _) = self.check_ownership(who, kind, &rid).await?;
        let by = who.connection();
        let origin = Origin::of(who, ctx).with_sent(body);
        let registry = self.registry.clone();
        let unique_groups = self.unique_groups(who.settings());
        let now = self.clock.now();
        let deprov = Deprovisioning::of(who, now);
        let name = who.connection_name().to_string();
        let pre = pre.clone();
        let load = self.load_for(kind, projection)?;
        let noted = probe.clone();
        let update = move |current: &Record| {
            let mut doc = doc.clone();
            pre.check_match(current.version)?;
            observed.recheck(current)?;
            let view = registry
                .view(kind.name())
                .ok_or_else(|| crate::internal("resource type missing"))?;
            apply_replace_rules(&current.doc, &mut doc, &view)?;
            scim_core::resource::apply_defaults(&view.core.id, Some(&current.doc), &mut doc, true);
            let deactivation = deprov.apply(kind, &current.doc, &mut doc)?;
            let members = if kind == ResourceKind::Group {
                vec![MemberChange::ReplaceAll(members.clone())]
            } else {
                Vec::new()
            };
            let k = keys(kind, &doc, unique_groups);
            let action = if deactivation.acknowledged {
                "acknowledge-deactivation"
            } else {
                "replace"
            };
            let extra: &[&str] = if kind == ResourceKind::Group {
                &["members"]
            } else {
                &[]
            };
            let mut journal = change(
                &origin,
                now,
                200,
                action,
                "put",
                kind,
                current.id.as_str(),
                Some(&current.doc),
                Some(&doc),
                extra,
            );
            journal.deprovision = deactivation.counted;
            noted.note(&mut journal);
            Ok(Update {
                doc: Some((doc, k)),
                members,
                provenance: Some(current.provenance.touched(by, &name, now)),
                journal,
                ..Update::none(now)
            })
        };
        let target = Modify {
            tenant: who.tenant(),
            kind,
            id: &rid,
            load: Load::NONE,
            reply: load,
            body: Some(body),
        };
        let result = probe.check(self.modify(target, update).await);
        let updated = self
            .breaker_held(who, result)
            .await?
            .ok_or_else(|| not_found(kind, id))?;
        self.reply(&updated.record, ctx, projection, 200)
    }
}
