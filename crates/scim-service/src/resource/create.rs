//! Create a resource: `POST /Users`, `POST /Groups` (RFC 7644 §3.3).
//! The outcome is [`Outcome::Created`] with the resource; a taken
//! `userName` (or group name) is 409 `uniqueness`. A new user that matches
//! a local account is adopted or refused as the tenant's matching policy
//! says ([`super::adopt`]); an active user needs a free licence seat (403).

use super::{noted, prepared, MemberProbe, Prepared};
use crate::journal::{change, Change, Origin};
use crate::outcome::Outcome;
use crate::scim::Scim;
use scim_core::ScimResult;
use scim_store::{NewRecord, Provenance, ResourceKind};
use serde_json::Value;
use std::sync::Arc;

impl Scim<'_> {
    /// Creates a resource from a request body.
    pub async fn create(&self, kind: ResourceKind, body: &Value) -> ScimResult<Outcome> {
        let watch = self.watch_roles(kind, "POST", None, Some(body)).await;
        let result = self
            .with_member_rule(kind, |probe| self.create_inner(kind, body, probe))
            .await;
        let out = self.audited(Some(kind), None, Some(body), result).await;
        self.after_roles(watch, &out).await;
        out
    }

    async fn create_inner(
        &self,
        kind: ResourceKind,
        body: &Value,
        probe: Arc<MemberProbe>,
    ) -> ScimResult<Outcome> {
        let (core, who, ctx) = (self.core, self.who, self.ctx);
        let tol = who.profile().tolerances();
        ctx.projection.check(&tol)?;
        let now = core.clock.now();
        let provider = who.auth_provider(ctx.user_agent.as_deref(), ctx.entra_flag);
        let provenance =
            Provenance::provisioned(who.connection(), who.connection_name(), &provider, now);
        // A large body is validated (and its journal built) on a compute
        // thread (crate::compute).
        let heavy = crate::compute::heavy([body]);
        let policy = super::effective(who.policy().undefined, &tol);
        let (prepared, origin) = if heavy {
            let (owned, schemas, origin, p) = (
                body.clone(),
                who.schemas().clone(),
                Origin::of(who, ctx),
                probe.clone(),
            );
            core.compute
                .run(who.tenant(), true, move || {
                    prepared(&schemas, kind, &owned, &tol, &p, policy)
                        .map(|p| (p, origin.with_sent(&owned)))
                })
                .await??
        } else {
            let p = core.prepare(who.schemas(), kind, body, &tol, &probe, policy)?;
            (p, self.origin().with_sent(body))
        };
        let Prepared {
            mut doc,
            members,
            undefined,
        } = prepared;
        scim_core::resource::apply_defaults(
            &who.schemas().view(kind)?.core.id,
            None,
            &mut doc,
            false,
        );
        self.count_undefined(&undefined).await;
        if kind == ResourceKind::User {
            if let Some(adopted) = self.adopt(&doc, &provenance, &origin).await? {
                let (r, body) = self.shown(&adopted)?;
                return Ok(Outcome::Created(r, body));
            }
        }
        let id = core.ids.new_id();
        let unique_groups = core.unique_groups(who.settings());
        let schemas = who.schemas().clone();
        let note = (probe.clone(), undefined, policy);
        let record = core
            .compute
            .run(who.tenant(), heavy, move || {
                let extra: &[&str] = if members.is_empty() {
                    &[]
                } else {
                    &["members"]
                };
                let roles = (kind == ResourceKind::User)
                    .then(|| {
                        let none = Default::default();
                        let active = (schemas.roles(), &none);
                        crate::roles::settle(&origin, now, id.as_str(), None, &mut doc, active)
                    })
                    .flatten();
                let mut journal = change(
                    &origin,
                    Change {
                        at: now,
                        status: 201,
                        action: "create",
                        event: "create",
                        kind,
                        id: id.as_str(),
                        old: None,
                        new: Some(&doc),
                        extra,
                    },
                );
                noted(&mut journal, &note.0, &note.1, note.2);
                journal.events.extend(roles);
                NewRecord {
                    kind,
                    id,
                    created: now,
                    provenance,
                    keys: schemas.keys(kind, &doc, unique_groups),
                    doc,
                    members,
                    journal,
                }
            })
            .await?;
        let stored = probe.check(core.store.resources(who.tenant()).insert(record).await)?;
        let (r, body) = self.shown(&stored)?;
        Ok(Outcome::Created(r, body))
    }
}
