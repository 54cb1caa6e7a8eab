//! What SCIM writes do about effective roles. A user write computes its
//! user's set in its own plan ([`Scim::roles_from_groups`] reads the
//! group part before). A group write is watched ([`Scim::watch_group`]
//! before, [`Scim::after_group`] after): when the tenant maps roles and
//! the group (or a group it is in) gives one, before or after, the users
//! the write may affect are recomputed: those a PATCH adds or removes by
//! id (O(Δ)), else every user in the group, before and after.

use super::refresh;
use super::Resolved;
use crate::outcome::Outcome;
use crate::scim::Scim;
use scim_core::resource::ResourceId;
use scim_core::ScimResult;
use scim_store::{Load, ResourceKind};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

/// A group write being watched.
pub(crate) struct Watch {
    group: Option<ResourceId>,
    ancestors: Vec<String>,
    relevant: bool,
    users: BTreeSet<ResourceId>,
    members: Vec<ResourceId>,
    /// Whether every user in the group is recomputed after the write.
    whole: bool,
}

/// The member ids of a PATCH that only adds or removes members by id;
/// `None` for any other PATCH.
fn narrow(body: &Value) -> Option<Vec<ResourceId>> {
    let mut out = Vec::new();
    for op in body.get("Operations")?.as_array()? {
        let verb = op.get("op")?.as_str()?.to_ascii_lowercase();
        let path = op.get("path")?.as_str()?.trim();
        if verb != "add" && verb != "remove" {
            return None;
        }
        if path.eq_ignore_ascii_case("members") {
            for v in op.get("value")?.as_array()? {
                out.push(ResourceId::parse(v.get("value")?.as_str()?)?);
            }
        } else {
            let rest = path.strip_prefix("members[value eq \"")?;
            let id = rest.strip_suffix("\"]")?;
            out.push(ResourceId::parse(id)?);
        }
    }
    Some(out)
}

fn ids_in(body: &Value) -> Vec<ResourceId> {
    body.get("members")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|m| m.get("value").and_then(Value::as_str))
                .filter_map(ResourceId::parse)
                .collect()
        })
        .unwrap_or_default()
}

impl Scim<'_> {
    /// The roles a user has through its groups now (none when the tenant
    /// maps none), for a user write's plan.
    pub(crate) async fn roles_from_groups(
        &self,
        user: &ResourceId,
    ) -> ScimResult<Arc<BTreeSet<String>>> {
        let (core, who) = (self.core, self.who);
        if !who.schemas().roles() {
            return Ok(Arc::default());
        }
        let resolved = Resolved::load(core.store.as_ref(), who.schemas(), who.tenant()).await?;
        Ok(Arc::new(
            resolved
                .of_user(core.store.as_ref(), who.tenant(), user)
                .await?,
        ))
    }

    /// Watches a group write (`POST`, `PUT`, `PATCH`, `DELETE`); `None`
    /// when roles cannot change.
    async fn watch_group(
        &self,
        kind: ResourceKind,
        method: &str,
        id: Option<&str>,
        body: Option<&Value>,
    ) -> ScimResult<Option<Watch>> {
        let (core, who) = (self.core, self.who);
        if kind != ResourceKind::Group || !who.schemas().roles() {
            return Ok(None);
        }
        let tenant = who.tenant();
        let mappings = core.store.role_mappings(tenant).await?;
        if mappings.is_empty() {
            return Ok(None);
        }
        let resolved =
            Resolved::of_mappings(core.store.as_ref(), who.schemas(), tenant, &mappings).await?;
        let group = id.and_then(ResourceId::parse);
        let mut ancestors = Vec::new();
        if let Some(g) = &group {
            let load = Load {
                members: false,
                groups: true,
            };
            let found = core.store.resources(tenant).get(kind, g, load).await?;
            let Some(r) = found else {
                return Ok(None);
            };
            ancestors = r
                .groups
                .unwrap_or_default()
                .into_iter()
                .map(|g| g.id.to_string())
                .collect();
        }
        let relevant = group
            .as_ref()
            .is_some_and(|g| resolved.of(g.as_str()).is_some())
            || ancestors.iter().any(|a| resolved.of(a).is_some());
        let narrow_ids = match (method, body) {
            ("PATCH", Some(b)) => narrow(b),
            _ => None,
        };
        let whole = narrow_ids.is_none();
        let mut users = BTreeSet::new();
        if relevant && whole {
            if let Some(g) = &group {
                users = refresh::users_in(core, tenant, g).await?;
            }
        }
        let members = match (method, body) {
            ("POST", Some(b)) => ids_in(b),
            _ => narrow_ids.unwrap_or_default(),
        };
        let watch = Watch {
            group,
            ancestors,
            relevant,
            users,
            members,
            whole,
        };
        Ok(Some(watch))
    }

    /// [`Scim::watch_group`], a failure logged (the write goes ahead).
    pub(crate) async fn watch_roles(
        &self,
        kind: ResourceKind,
        method: &str,
        id: Option<&str>,
        body: Option<&Value>,
    ) -> Option<Watch> {
        match self.watch_group(kind, method, id, body).await {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!(error = %e, "effective roles: the group write is not watched");
                None
            }
        }
    }

    /// [`Scim::after_group`] after a successful write, a failure logged
    /// (the write is committed; `scimd role refresh` recomputes).
    pub(crate) async fn after_roles(&self, watch: Option<Watch>, out: &ScimResult<Outcome>) {
        let (Some(w), Ok(o)) = (watch, out) else {
            return;
        };
        if let Err(e) = self.after_group(w, o).await {
            tracing::warn!(error = %e, "effective roles were not recomputed after a group write");
        }
    }

    /// Recomputes what a watched group write may have changed.
    async fn after_group(&self, watch: Watch, outcome: &Outcome) -> ScimResult<()> {
        let (core, who) = (self.core, self.who);
        let tenant = who.tenant();
        let group = match (&watch.group, outcome) {
            (Some(g), _) => Some(g.clone()),
            (None, Outcome::Created(r, _)) => Some(r.id.clone()),
            _ => None,
        };
        let resolved = Resolved::load(core.store.as_ref(), who.schemas(), tenant).await?;
        let relevant_now = group
            .as_ref()
            .is_some_and(|g| resolved.of(g.as_str()).is_some())
            || watch.ancestors.iter().any(|a| resolved.of(a).is_some());
        if !watch.relevant && !relevant_now {
            return Ok(());
        }
        let mut users = watch.users;
        let deleted = matches!(outcome, Outcome::Deleted(..));
        if relevant_now && watch.whole && !deleted {
            if let Some(g) = &group {
                users.extend(refresh::users_in(core, tenant, g).await?);
            }
        }
        for m in &watch.members {
            users.extend(refresh::users_of_member(core, tenant, m).await?);
        }
        let origin = self.origin();
        refresh::users(core, tenant, who.schemas(), &resolved, &origin, &users).await?;
        Ok(())
    }
}
