//! Replace a resource: `PUT /Users/{id}`, `PUT /Groups/{id}` (RFC 7644
//! §3.5.1). readOnly attributes in the body are ignored; immutable ones must
//! keep their value; a group's members become exactly those listed. Runs as
//! one read-modify-write (`write.rs`), with `If-Match` checked against the
//! version it replaces.

use super::breaker::breaker_held;
use super::guard::{check_ownership, Deprovisioning};
use super::{not_found, parse_id, MemberProbe, Modify};
use crate::journal::{change, Change};
use crate::outcome::Outcome;
use crate::scim::Scim;
use scim_core::resource::apply_replace_rules;
use scim_core::ScimResult;
use scim_store::{Load, MemberChange, Record, ResourceKind, Update};
use serde_json::Value;
use std::sync::Arc;

impl Scim<'_> {
    /// Replaces one resource.
    pub async fn replace(&self, kind: ResourceKind, id: &str, body: &Value) -> ScimResult<Outcome> {
        let watch = self.watch_roles(kind, "PUT", Some(id), Some(body)).await;
        let result = self
            .with_member_rule(kind, |probe| self.replace_inner(kind, id, body, probe))
            .await;
        let out = self.audited(Some(kind), Some(id), Some(body), result).await;
        self.after_roles(watch, &out).await;
        out
    }

    async fn replace_inner(
        &self,
        kind: ResourceKind,
        id: &str,
        body: &Value,
        probe: Arc<MemberProbe>,
    ) -> ScimResult<Outcome> {
        let (core, who) = (self.core, self.who);
        let rid = parse_id(kind, id)?;
        let tol = who.profile().tolerances();
        self.ctx.projection.check(&tol)?;
        // A large body is validated on a compute thread.
        let policy = super::effective(who.policy().undefined, &tol);
        let prepared = if crate::compute::heavy([body]) {
            let (owned, schemas, p) = (body.clone(), who.schemas().clone(), probe.clone());
            core.compute
                .run(who.tenant(), true, move || {
                    super::prepared(&schemas, kind, &owned, &tol, &p, policy)
                })
                .await??
        } else {
            core.prepare(who.schemas(), kind, body, &tol, &probe, policy)?
        };
        let super::Prepared {
            doc,
            members,
            undefined,
        } = prepared;
        self.count_undefined(&undefined).await;
        let (observed, _) = check_ownership(core, who, kind, &rid).await?;
        let by = who.connection();
        let origin = self.origin().with_sent(body);
        let schemas = who.schemas().clone();
        let unique_groups = core.unique_groups(who.settings());
        let now = core.clock.now();
        let deprov = Deprovisioning::of(who, now);
        let name = who.connection_name().to_string();
        let pre = self.ctx.pre.clone();
        let load = core.load_for(kind, &self.ctx.projection)?;
        let noted = probe.clone();
        let from_groups = if kind == ResourceKind::User {
            self.roles_from_groups(&rid).await?
        } else {
            Arc::default()
        };
        let update = move |current: &Record| {
            let mut doc = doc.clone();
            pre.check_match(current.version)?;
            observed.recheck(current)?;
            let view = schemas.view(kind)?;
            apply_replace_rules(&current.doc, &mut doc, &view)?;
            scim_core::resource::apply_defaults(&view.core.id, Some(&current.doc), &mut doc, true);
            let deactivation = deprov.apply(kind, &current.doc, &mut doc)?;
            let members = if kind == ResourceKind::Group {
                vec![MemberChange::ReplaceAll(members.clone())]
            } else {
                Vec::new()
            };
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
            let k = schemas.keys(kind, &doc, unique_groups);
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
                Change {
                    at: now,
                    status: 200,
                    action,
                    event: "put",
                    kind,
                    id: current.id.as_str(),
                    old: Some(&current.doc),
                    new: Some(&doc),
                    extra,
                },
            );
            journal.deprovision = deactivation.counted;
            super::noted(&mut journal, &noted, &undefined, policy);
            journal.events.extend(roles);
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
        let result = probe.check(core.modify(target, update).await);
        let updated = breaker_held(core, who, result)
            .await?
            .ok_or_else(|| not_found(kind, id))?;
        let (r, body) = self.shown(&updated.record)?;
        Ok(Outcome::Replaced(r, body))
    }
}
