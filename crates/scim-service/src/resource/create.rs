//! Create a resource: `POST /Users`, `POST /Groups` (RFC 7644 §3.3).
//! Answers 201 with the resource, `Location` and `ETag`; a taken `userName`
//! (or group name) is 409 `uniqueness`. A new user that matches a local
//! account is adopted or refused as the tenant's matching policy says
//! ([`super::adopt`]); an active user needs a free licence seat (403).

use super::{prepared, MemberProbe, Reply, RequestCtx};
use crate::journal::{change, Origin};
use crate::{Principal, ScimService};
use scim_core::project::Projection;
use scim_core::ScimResult;
use scim_store::index::keys;
use scim_store::{NewRecord, Provenance, ResourceKind};
use serde_json::Value;
use std::sync::Arc;

impl ScimService {
    /// Creates a resource from a request body.
    pub async fn create(
        &self,
        who: &Principal,
        kind: ResourceKind,
        body: &Value,
        ctx: &RequestCtx,
        projection: &Projection,
    ) -> ScimResult<Reply> {
        let result = self
            .with_member_rule(who, kind, |probe| {
                self.create_inner(who, kind, body, ctx, projection, probe)
            })
            .await;
        self.audit_refusal(who, ctx, kind, None, Some(body), &result)
            .await;
        result
    }

    async fn create_inner(
        &self,
        who: &Principal,
        kind: ResourceKind,
        body: &Value,
        ctx: &RequestCtx,
        projection: &Projection,
        probe: Arc<MemberProbe>,
    ) -> ScimResult<Reply> {
        let tol = who.profile().tolerances();
        projection.check(&tol)?;
        let now = self.clock.now();
        let provider = who.auth_provider(ctx.user_agent.as_deref(), ctx.entra_flag);
        let provenance =
            Provenance::provisioned(who.connection(), who.connection_name(), &provider, now);
        // A large body is validated (and its journal built) on a compute
        // thread (crate::compute).
        let heavy = crate::compute::heavy([body]);
        let (mut doc, members, origin) = if heavy {
            let (owned, registry, origin, p) = (
                body.clone(),
                self.registry.clone(),
                Origin::of(who, ctx),
                probe.clone(),
            );
            self.compute
                .run(who.tenant(), true, move || {
                    prepared(&registry, kind, &owned, &tol, &p)
                        .map(|(d, m)| (d, m, origin.with_sent(&owned)))
                })
                .await??
        } else {
            let (doc, members) = self.prepare(kind, body, &tol, &probe)?;
            (doc, members, Origin::of(who, ctx).with_sent(body))
        };
        scim_core::resource::apply_defaults(&self.view(kind)?.core.id, None, &mut doc, false);
        if kind == ResourceKind::User {
            if let Some(adopted) = self
                .adopt(who, &doc, &provenance, &origin, projection)
                .await?
            {
                return self.reply(&adopted, ctx, projection, 201);
            }
        }
        let id = self.ids.new_id();
        let unique_groups = self.unique_groups(who.settings());
        let noted = probe.clone();
        let record = self
            .compute
            .run(who.tenant(), heavy, move || {
                let extra: &[&str] = if members.is_empty() {
                    &[]
                } else {
                    &["members"]
                };
                let mut journal = change(
                    &origin,
                    now,
                    201,
                    "create",
                    "create",
                    kind,
                    id.as_str(),
                    None,
                    Some(&doc),
                    extra,
                );
                noted.note(&mut journal);
                NewRecord {
                    kind,
                    id,
                    created: now,
                    provenance,
                    keys: keys(kind, &doc, unique_groups),
                    doc,
                    members,
                    journal,
                }
            })
            .await?;
        let stored = probe.check(self.store.resources(who.tenant()).insert(record).await)?;
        self.reply(&stored, ctx, projection, 201)
    }
}
