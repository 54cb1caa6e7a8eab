//! The memory store's tenants' schema extensions ([`SchemaStore`]).

use super::{lock, MemoryStore, State};
use crate::error::{StoreError, StoreResult};
use crate::events::{AuditEntry, Journal};
use crate::index::code_of;
use crate::model::{ConnectionId, IndexKeys, ResourceKind, TenantId};
use crate::schemas::{urn_key, ExtensionRecord, SchemaStore, UndefinedSeen, MAX_UNDEFINED_NAMES};
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;

#[async_trait]
impl SchemaStore for MemoryStore {
    async fn schema_extensions(&self, tenant: TenantId) -> StoreResult<Vec<ExtensionRecord>> {
        Ok(lock(&self.state)?
            .extensions
            .iter()
            .filter(|(t, _)| *t == tenant)
            .map(|(_, e)| e.clone())
            .collect())
    }

    async fn add_schema_extension(
        &self,
        tenant: TenantId,
        ext: &ExtensionRecord,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        let mut s = lock(&self.state)?;
        let key = urn_key(&ext.urn);
        let mine = || s.extensions.iter().filter(|(t, _)| *t == tenant);
        if mine().any(|(_, e)| urn_key(&e.urn) == key) {
            return Err(StoreError::Uniqueness(format!(
                "schema {} is defined",
                ext.urn
            )));
        }
        let codes = ext.definition.index.values();
        if mine().any(|(_, e)| {
            e.definition
                .index
                .values()
                .any(|c| codes.clone().any(|n| n == c))
        }) {
            return Err(StoreError::Uniqueness("an index code is taken".into()));
        }
        let Some(t) = s.tenants.iter_mut().find(|t| t.id == tenant) else {
            return Err(StoreError::Backend("no such tenant".into()));
        };
        t.schema_version += 1;
        s.extensions.push((tenant, ext.clone()));
        s.journals.record(
            tenant,
            Journal {
                audit: Some(audit),
                ..Journal::default()
            },
            true,
        );
        Ok(())
    }

    async fn remove_schema_extension(
        &self,
        tenant: TenantId,
        urn: &str,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        let key = urn_key(urn);
        let Some(pos) = s
            .extensions
            .iter()
            .position(|(t, e)| *t == tenant && urn_key(&e.urn) == key)
        else {
            return Ok(false);
        };
        let (_, gone) = s.extensions.remove(pos);
        let codes: Vec<i64> = gone.definition.index.values().copied().collect();
        for row in s.rows.values_mut().filter(|r| r.tenant == tenant) {
            let kind = row.kind;
            row.keys
                .entries
                .retain(|(p, _)| code_of(kind, p).is_none_or(|c| !codes.contains(&c)));
        }
        if let Some(t) = s.tenants.iter_mut().find(|t| t.id == tenant) {
            t.schema_version += 1;
        }
        s.journals.record(
            tenant,
            Journal {
                audit: Some(audit),
                ..Journal::default()
            },
            true,
        );
        Ok(true)
    }

    async fn note_undefined(
        &self,
        connection: ConnectionId,
        seen: &[(String, String)],
        at: Timestamp,
    ) -> StoreResult<()> {
        let mut s = lock(&self.state)?;
        for (name, example) in seen {
            let list = s.undefined.entry(connection).or_default();
            if let Some(u) = list.iter_mut().find(|u| u.name == *name) {
                u.count += 1;
                u.last_seen = at;
                u.example = example.clone();
            } else if (list.len() as u64) < MAX_UNDEFINED_NAMES {
                list.push(UndefinedSeen {
                    name: name.clone(),
                    count: 1,
                    last_seen: at,
                    example: example.clone(),
                });
            }
        }
        Ok(())
    }

    async fn undefined_attributes(
        &self,
        tenant: TenantId,
        connection: ConnectionId,
    ) -> StoreResult<Vec<UndefinedSeen>> {
        let s = lock(&self.state)?;
        if !s
            .connections
            .iter()
            .any(|c| c.id == connection && c.tenant == tenant)
        {
            return Ok(Vec::new());
        }
        let mut v = s.undefined.get(&connection).cloned().unwrap_or_default();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(v)
    }
}

impl State {
    /// Refuses `keys` when another resource of the tenant and kind than
    /// `seq` holds one of its unique extension values (codes from
    /// [`crate::index::UNIQUE_BASE`]), as the SQL stores' unique index does.
    pub(super) fn check_ext_unique(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        keys: &IndexKeys,
        seq: Option<i64>,
    ) -> StoreResult<()> {
        let unique: Vec<&(String, String)> = keys
            .entries
            .iter()
            .filter(|(p, _)| {
                crate::index::code_of(kind, p).is_some_and(|c| c >= crate::index::UNIQUE_BASE)
            })
            .collect();
        if unique.is_empty() {
            return Ok(());
        }
        let taken = self.rows.iter().any(|(k, r)| {
            Some(*k) != seq
                && r.tenant == tenant
                && r.kind == kind
                && r.keys.entries.iter().any(|e| unique.contains(&e))
        });
        if taken {
            return Err(StoreError::Uniqueness(
                "an attribute with uniqueness \"server\" has this value in another resource".into(),
            ));
        }
        Ok(())
    }
}
