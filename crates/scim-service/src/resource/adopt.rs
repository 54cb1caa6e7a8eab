//! Account matching and adoption (`docs/policies.md`). A tenant may hold
//! local accounts that predate SCIM (imported, or created by the admin
//! CLI). When a connection creates a user that matches one, by the
//! tenant's match keys in order (externalId, then the primary email, then
//! userName by default), the matching policy decides:
//!
//! - `adopt`: the account is linked to the connection, replaced by the
//!   IdP's representation (RFC 7644 §3.5.1 rules) and answered with 201 and
//!   its existing id; it keeps its `authProvider` unless the policy says
//!   otherwise;
//! - `conflict`: 409 `uniqueness`.
//!
//! Accounts a connection already manages are never adopted: those collide
//! on `userName` as usual.
//!
//! Invariant: adoption is one atomic read-modify-write that re-checks the
//! account is still local, so two concurrent creates adopt it at most once.

use crate::journal::{change, Change, Origin};
use crate::scim::Scim;
use scim_core::filter::{lower, Filter};
use scim_core::resource::apply_replace_rules;
use scim_core::{ScimError, ScimResult};
use scim_store::{
    Load, MatchAction, MatchKey, PageRequest, Provenance, Query, Record, ResourceKind, Update,
};
use serde_json::{Map, Value};

/// The value a document offers for a match key.
fn key_value(doc: &Map<String, Value>, key: MatchKey) -> Option<String> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    match key {
        MatchKey::ExternalId => text(doc.get("externalId")),
        MatchKey::UserName => text(doc.get("userName")),
        MatchKey::Email => {
            let emails = doc.get("emails").and_then(Value::as_array)?;
            let primary = emails
                .iter()
                .find(|e| e.get("primary").and_then(Value::as_bool) == Some(true))
                .or_else(|| emails.first());
            text(primary.and_then(|e| e.get("value")))
        }
    }
}

fn key_path(key: MatchKey) -> &'static str {
    match key {
        MatchKey::ExternalId => "externalId",
        MatchKey::Email => "emails.value",
        MatchKey::UserName => "userName",
    }
}

fn key_name(key: MatchKey) -> &'static str {
    match key {
        MatchKey::ExternalId => "externalId",
        MatchKey::Email => "email",
        MatchKey::UserName => "userName",
    }
}

impl Scim<'_> {
    /// Finds the local account a new user matches, by the policy's keys in
    /// order, with one indexed query.
    async fn local_match(
        &self,
        doc: &Map<String, Value>,
        order: &[MatchKey],
    ) -> ScimResult<Option<(Record, MatchKey)>> {
        let wanted: Vec<(MatchKey, String)> = order
            .iter()
            .filter_map(|k| key_value(doc, *k).map(|v| (*k, v)))
            .collect();
        if wanted.is_empty() {
            return Ok(None);
        }
        let store = self.core.store.resources(self.who.tenant());
        // Most tenants hold no local account: one probe says so.
        if !store.any_local(ResourceKind::User).await? {
            return Ok(None);
        }
        // One indexed point query per key (an `or` of them would not be
        // driven by a single index and could scan the tenant).
        let view = self.who.schemas().view(ResourceKind::User)?;
        let mut records = Vec::new();
        for (k, v) in &wanted {
            let text = format!("{} eq {}", key_path(*k), Value::String(v.clone()));
            let query = Query {
                filter: Some(lower(&Filter::parse(&text)?, &view)?),
                sort: None,
                page: PageRequest::Offset(0),
                limit: 20,
                load: Load::NONE,
                max_bytes: None,
            };
            records.extend(store.query(ResourceKind::User, &query).await?.records);
        }
        let page = scim_store::Page {
            records,
            total: 0,
            next_cursor: None,
        };
        for (key, value) in &wanted {
            let hit = page.records.iter().find(|r| {
                !r.provenance.managed
                    && key_value(&r.doc, *key).is_some_and(|v| match key {
                        MatchKey::ExternalId => v == *value,
                        _ => v.to_lowercase() == value.to_lowercase(),
                    })
            });
            if let Some(r) = hit {
                return Ok(Some((r.clone(), *key)));
            }
        }
        Ok(None)
    }

    /// Applies the matching policy to a new user: the adopted account, or
    /// `None` to create a new one; 409 under the `conflict` policy.
    pub(crate) async fn adopt(
        &self,
        doc: &Map<String, Value>,
        provenance: &Provenance,
        origin: &Origin,
    ) -> ScimResult<Option<Record>> {
        let (core, who) = (self.core, self.who);
        let policy = who.settings().matching.clone();
        let Some((found, key)) = self.local_match(doc, &policy.order).await? else {
            return Ok(None);
        };
        if policy.action == MatchAction::Conflict {
            return Err(ScimError::Uniqueness(format!(
                "a local account matches this user by {}; the tenant's matching policy is \"conflict\"",
                key_name(key)
            )));
        }
        let schemas = who.schemas().clone();
        let unique_groups = core.unique_groups(who.settings());
        let doc = doc.clone();
        let provenance = provenance.clone();
        let keep = policy.keep_auth_provider;
        let now = core.clock.now();
        let origin = origin.clone();
        let update = move |current: &Record| {
            let mut new_doc = doc.clone();
            let mut linked = provenance.clone();
            if current.provenance.managed {
                return Err(ScimError::Uniqueness(
                    "the matching account was just linked to a connection".into(),
                ));
            }
            let view = schemas.view(ResourceKind::User)?;
            apply_replace_rules(&current.doc, &mut new_doc, &view)?;
            if keep && !current.provenance.auth_provider.is_empty() {
                linked.auth_provider = current.provenance.auth_provider.clone();
            }
            let k = schemas.keys(ResourceKind::User, &new_doc, unique_groups);
            let id = current.id.as_str();
            let journal = change(
                &origin,
                Change {
                    at: now,
                    status: 201,
                    action: "adopt",
                    event: "put",
                    kind: ResourceKind::User,
                    id,
                    old: Some(&current.doc),
                    new: Some(&new_doc),
                    extra: &[],
                },
            );
            Ok(Update {
                doc: Some((new_doc, k)),
                provenance: Some(linked),
                force: true,
                journal,
                ..Update::none(now)
            })
        };
        let target = super::Modify {
            tenant: who.tenant(),
            kind: ResourceKind::User,
            id: &found.id,
            load: Load::NONE,
            reply: core.load_for(ResourceKind::User, &self.ctx.projection)?,
            body: None,
        };
        let updated = core.modify(target, update).await?;
        Ok(updated.map(|u| u.record))
    }
}
