//! Modify a resource: `PATCH /Users/{id}`, `PATCH /Groups/{id}` (RFC 7644
//! §3.5.2). The core's PATCH engine computes the change from the resource
//! as read, outside any transaction (`write.rs`); group member operations
//! become O(Δ) membership changes. A PATCH that changes nothing keeps the version. Answers 200 with
//! the resource, or 204 for group PATCH when the IdP profile prefers it.

use super::guard::Deprovisioning;
use super::{
    not_found, parse_id, strip_provenance, MemberProbe, Modify, Preconditions, Reply, RequestCtx,
};
use crate::journal::{change, Origin};
use crate::{Principal, ScimService};
use scim_core::patch::{apply, filter_value_ids, ExternalOp, PatchRequest};
use scim_core::project::Projection;
use scim_core::resource::ResourceId;
use scim_core::ScimResult;
use scim_store::index::keys;
use scim_store::{Load, MemberChange, Record, ResourceKind, Update};
use serde_json::{json, Value};
use std::sync::Arc;

/// Whether some operation removes members by a filter other than `value eq`,
/// which needs the current members to evaluate.
fn needs_members(request: &PatchRequest) -> bool {
    request.operations.iter().any(|op| {
        op.path.as_ref().is_some_and(|p| {
            p.attr.name.eq_ignore_ascii_case("members")
                && p.filter
                    .as_ref()
                    .is_some_and(|f| filter_value_ids(f).is_none())
        })
    })
}

fn member_changes(
    ops: Vec<ExternalOp>,
    current: &Record,
    probe: &MemberProbe,
) -> ScimResult<Vec<MemberChange>> {
    ops.into_iter()
        .map(|op| {
            Ok(match op {
                ExternalOp::Add { values, .. } => MemberChange::Add(probe.members(&values)?),
                ExternalOp::Remove { values, .. } => MemberChange::Remove(values.iter().filter_map(|v| ResourceId::parse(v)).collect()),
                ExternalOp::RemoveAll { .. } => MemberChange::RemoveAll,
                ExternalOp::ReplaceAll { values, .. } => MemberChange::ReplaceAll(probe.members(&values)?),
                ExternalOp::RemoveWhere { filter, .. } => {
                    let members = current.members.as_deref().unwrap_or_default();
                    MemberChange::Remove(
                        members
                            .iter()
                            .filter(|m| filter.matches(&json!({"value": m.id.as_str(), "type": m.kind.name(), "display": m.display})))
                            .map(|m| m.id.clone())
                            .collect(),
                    )
                }
            })
        })
        .collect()
}

impl ScimService {
    /// Applies a PatchOp request to one resource.
    #[allow(clippy::too_many_arguments)]
    pub async fn patch(
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
                self.patch_inner(who, kind, id, body, ctx, projection, pre, probe)
            })
            .await;
        self.audit_refusal(who, ctx, kind, Some(id), Some(body), &result)
            .await;
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn patch_inner(
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
        // Thousands of operations are parsed on a compute thread.
        let request = if crate::compute::heavy([body]) {
            let owned = body.clone();
            self.compute
                .run(who.tenant(), true, move || {
                    PatchRequest::parse(&owned, &tol)
                })
                .await??
        } else {
            PatchRequest::parse(body, &tol)?
        };
        let profile = who
            .profile()
            .effective(ctx.user_agent.as_deref(), ctx.entra_flag);
        let no_content = kind == ResourceKind::Group && profile.group_patch_no_content();
        let shown = if no_content {
            Load::NONE
        } else {
            self.load_for(kind, projection)?
        };
        let load = Load {
            members: needs_members(&request),
            groups: false,
        };
        let (observed, _) = self.check_ownership(who, kind, &rid).await?;
        let by = who.connection();
        let origin = Origin::of(who, ctx).with_sent(body);
        let status = if no_content { 204 } else { 200 };
        let registry = self.registry.clone();
        let unique_groups = self.unique_groups(who.settings());
        let now = self.clock.now();
        let deprov = Deprovisioning::of(who, now);
        let name = who.connection_name().to_string();
        let pre = pre.clone();
        let noted = probe.clone();
        let update = move |current: &Record| {
            pre.check_match(current.version)?;
            observed.recheck(current)?;
            let view = registry
                .view(kind.name())
                .ok_or_else(|| crate::internal("resource type missing"))?;
            let out = apply(&current.doc, &request, &view, &tol)?;
            let mut doc = out.doc;
            super::drop_password(&mut doc, &tol)?;
            scim_core::resource::apply_defaults(&view.core.id, Some(&current.doc), &mut doc, false);
            strip_provenance(&mut doc);
            let deactivation = deprov.apply(kind, &current.doc, &mut doc)?;
            let members = member_changes(out.external, current, &noted)?;
            let changed = doc != current.doc;
            let k = keys(kind, &doc, unique_groups);
            let action = if deactivation.acknowledged {
                "acknowledge-deactivation"
            } else {
                "patch"
            };
            let extra: &[&str] = if members.is_empty() {
                &[]
            } else {
                &["members"]
            };
            let mut journal = change(
                &origin,
                now,
                status,
                action,
                "patch",
                kind,
                current.id.as_str(),
                Some(&current.doc),
                Some(&doc),
                extra,
            );
            journal.deprovision = deactivation.counted;
            noted.note(&mut journal);
            Ok(Update {
                doc: changed.then_some((doc, k)),
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
            load,
            reply: shown,
            body: Some(body),
        };
        let result = probe.check(self.modify(target, update).await);
        let updated = self
            .breaker_held(who, result)
            .await?
            .ok_or_else(|| not_found(kind, id))?;
        if no_content {
            return Ok(Reply {
                status: 204,
                body: None,
                etag: Some(updated.record.version.etag()),
                location: None,
            });
        }
        self.reply(&updated.record, ctx, projection, 200)
    }
}
