//! Modify a resource: `PATCH /Users/{id}`, `PATCH /Groups/{id}` (RFC 7644
//! §3.5.2). The core's PATCH engine computes the change from the resource
//! as read, outside any transaction (`write.rs`); group member operations
//! become O(Δ) membership changes. A PATCH that changes nothing keeps the
//! version. The outcome is [`Outcome::Patched`] with the resource, or
//! [`Outcome::Changed`] without it for a group PATCH when the IdP profile
//! prefers no representation (Entra).

use super::breaker::breaker_held;
use super::guard::{check_ownership, Deprovisioning};
use super::{not_found, parse_id, strip_provenance, MemberProbe, Modify};
use crate::journal::{change, Change};
use crate::outcome::{Outcome, ResourceRef};
use crate::scim::Scim;
use scim_core::patch::{apply, filter_value_ids, ExternalOp, PatchRequest};
use scim_core::resource::ResourceId;
use scim_core::ScimResult;
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

impl Scim<'_> {
    /// Applies a PatchOp request to one resource.
    pub async fn patch(&self, kind: ResourceKind, id: &str, body: &Value) -> ScimResult<Outcome> {
        let watch = self.watch_roles(kind, "PATCH", Some(id), Some(body)).await;
        let result = self
            .with_member_rule(kind, |probe| self.patch_inner(kind, id, body, probe))
            .await;
        let out = self.audited(Some(kind), Some(id), Some(body), result).await;
        self.after_roles(watch, &out).await;
        out
    }

    async fn patch_inner(
        &self,
        kind: ResourceKind,
        id: &str,
        body: &Value,
        probe: Arc<MemberProbe>,
    ) -> ScimResult<Outcome> {
        let (core, who, ctx) = (self.core, self.who, self.ctx);
        let rid = parse_id(kind, id)?;
        let tol = who.profile().tolerances();
        ctx.projection.check(&tol)?;
        // Thousands of operations are parsed on a compute thread.
        let request = if crate::compute::heavy([body]) {
            let owned = body.clone();
            core.compute
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
            core.load_for(kind, &ctx.projection)?
        };
        let load = Load {
            members: needs_members(&request),
            groups: false,
        };
        let (observed, _) = check_ownership(core, who, kind, &rid).await?;
        let by = who.connection();
        let origin = self.origin().with_sent(body);
        let status = if no_content { 204 } else { 200 };
        let schemas = who.schemas().clone();
        let unique_groups = core.unique_groups(who.settings());
        let now = core.clock.now();
        let deprov = Deprovisioning::of(who, now);
        let name = who.connection_name().to_string();
        let pre = ctx.pre.clone();
        let noted = probe.clone();
        let from_groups = if kind == ResourceKind::User {
            self.roles_from_groups(&rid).await?
        } else {
            Arc::default()
        };
        let update = move |current: &Record| {
            pre.check_match(current.version)?;
            observed.recheck(current)?;
            let view = schemas.view(kind)?;
            let out = apply(&current.doc, &request, &view, &tol)?;
            let mut doc = out.doc;
            super::drop_password(&mut doc, &tol)?;
            strip_provenance(&mut doc);
            let deactivation = deprov.apply(kind, &current.doc, &mut doc)?;
            let members = member_changes(out.external, current, &noted)?;
            let roles = (kind == ResourceKind::User)
                .then(|| {
                    let id = current.id.as_str();
                    crate::roles::settle(
                        &origin,
                        now,
                        id,
                        Some(&current.doc),
                        &mut doc,
                        (schemas.roles(), &from_groups),
                    )
                })
                .flatten();
            let changed = doc != current.doc;
            let k = schemas.keys(kind, &doc, unique_groups);
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
                Change {
                    at: now,
                    status,
                    action,
                    event: "patch",
                    kind,
                    id: current.id.as_str(),
                    old: Some(&current.doc),
                    new: Some(&doc),
                    extra,
                },
            );
            journal.deprovision = deactivation.counted;
            noted.note(&mut journal);
            journal.events.extend(roles);
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
        let result = probe.check(core.modify(target, update).await);
        let updated = breaker_held(core, who, result)
            .await?
            .ok_or_else(|| not_found(kind, id))?;
        if no_content {
            let record = updated.record;
            return Ok(Outcome::Changed(ResourceRef {
                kind,
                id: record.id,
                version: record.version,
            }));
        }
        let (r, body) = self.shown(&updated.record)?;
        Ok(Outcome::Patched(r, body))
    }
}
