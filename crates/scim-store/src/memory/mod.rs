//! The in-memory fake store: every operation under one mutex, filters
//! evaluated with the core's in-memory evaluator. It defines the reference
//! behaviour the SQL backends must match (the storage suite runs on all).

mod admins;
mod apply;
mod events;
mod provlog;
mod resources;
mod roles;
mod schemas;

pub use resources::{evaluation_view, unique_message};

use crate::error::{StoreError, StoreResult};
use crate::events::{AuditEntry, Journal};
use crate::model::*;
use crate::policy::{ConnectionPolicy, Deprovision, TenantSettings};
use crate::{ResourceStore, Store};
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Clone)]
struct Row {
    tenant: TenantId,
    kind: ResourceKind,
    record: Record,
    keys: IndexKeys,
}

#[derive(Default)]
struct State {
    tenants: Vec<Tenant>,
    connections: Vec<Connection>,
    tokens: Vec<TokenRecord>,
    next_key: i64,
    /// Resources by insertion sequence.
    rows: BTreeMap<i64, Row>,
    by_id: HashMap<(TenantId, ResourceKind, String), i64>,
    unique: HashMap<(TenantId, ResourceKind, String), i64>,
    /// (group seq, member seq), with the display the client gave.
    members: BTreeMap<(i64, i64), Option<String>>,
    /// Soft-deleted resources.
    trash: Vec<(TenantId, Trashed)>,
    /// Deprovisionings by connection, for the circuit breaker.
    deprovisions: Vec<(ConnectionId, Timestamp)>,
    /// The audit log, events and webhooks.
    journals: events::Journals,
    /// Admin accounts and console sessions.
    admins: admins::Admins,
    /// The provisioning log.
    log: provlog::Log,
    /// Tenants' schema extensions, in the order they were added.
    extensions: Vec<(TenantId, crate::schemas::ExtensionRecord)>,
    /// Undefined attributes each connection sent.
    undefined: HashMap<ConnectionId, Vec<crate::schemas::UndefinedSeen>>,
    /// Role mappings and queued recomputations.
    roles: roles::RoleState,
}

impl State {
    fn key(&mut self) -> i64 {
        self.next_key += 1;
        self.next_key
    }

    /// The circuit breaker's verdict on a deprovisioning, with `users`
    /// users in the tenant after the write ([`Deprovision::admit`]); it is
    /// counted by [`State::count_deprovision`] once the write is certain.
    fn admit_deprovision(&mut self, d: &Deprovision, users: u64) -> StoreResult<()> {
        let Some(c) = self.connections.iter().find(|c| c.id == d.connection) else {
            return Ok(());
        };
        let since = d.window_start(c.policy.released_at);
        let policy = c.policy.clone();
        self.deprovisions
            .retain(|(k, t)| *k != d.connection || t.unix_millis() >= since);
        let counted = self
            .deprovisions
            .iter()
            .filter(|(k, _)| *k == d.connection)
            .count() as u64;
        d.admit(&policy, counted, users)
    }

    /// The circuit breaker's verdict on removing a resource whose journal
    /// carries a deprovisioning, counting the tenant's users after it.
    fn admit_removal(
        &mut self,
        tenant: TenantId,
        kind: ResourceKind,
        id: &scim_core::resource::ResourceId,
        journal: &Journal,
    ) -> StoreResult<()> {
        let Some(d) = &journal.deprovision else {
            return Ok(());
        };
        if !self.by_id.contains_key(&(tenant, kind, id.to_string())) {
            return Ok(());
        }
        let users = self.users(tenant);
        let after = if kind == ResourceKind::User {
            users.saturating_sub(1)
        } else {
            users
        };
        self.admit_deprovision(d, after)
    }

    /// Counts an admitted deprovisioning.
    fn count_deprovision(&mut self, d: &Deprovision) {
        self.deprovisions.push((d.connection, d.at));
    }

    /// The users of a tenant.
    fn users(&self, tenant: TenantId) -> u64 {
        self.rows
            .values()
            .filter(|r| r.tenant == tenant && r.kind == ResourceKind::User)
            .count() as u64
    }

    /// Fails with [`StoreError::NoSeat`] unless one more user may be active.
    fn check_seat(&self, tenant: TenantId) -> StoreResult<()> {
        let limit = self
            .tenants
            .iter()
            .find(|t| t.id == tenant)
            .and_then(|t| t.settings.seat_limit);
        if let Some(limit) = limit {
            let used = self
                .rows
                .values()
                .filter(|r| r.tenant == tenant && r.kind == ResourceKind::User && r.keys.active)
                .count() as u64;
            if used >= limit {
                return Err(StoreError::NoSeat(limit));
            }
        }
        Ok(())
    }
}

/// The in-memory store.
#[derive(Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

fn lock(m: &Mutex<State>) -> StoreResult<MutexGuard<'_, State>> {
    m.lock()
        .map_err(|_| StoreError::Backend("memory store lock poisoned".into()))
}

#[async_trait]
impl Store for MemoryStore {
    async fn create_tenant(&self, name: &str, now: Timestamp) -> StoreResult<Tenant> {
        let mut s = lock(&self.state)?;
        if s.tenants.iter().any(|t| t.name == name) {
            return Err(StoreError::Uniqueness(format!("tenant {name:?} exists")));
        }
        let t = Tenant {
            id: TenantId::from_db(s.key()),
            name: name.to_string(),
            created: now,
            settings: TenantSettings::default(),
            schema_version: 0,
        };
        s.tenants.push(t.clone());
        Ok(t)
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        let mut v = lock(&self.state)?.tenants.clone();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(v)
    }

    async fn find_tenant(&self, name: &str) -> StoreResult<Option<Tenant>> {
        Ok(lock(&self.state)?
            .tenants
            .iter()
            .find(|t| t.name == name)
            .cloned())
    }

    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
        Ok(lock(&self.state)?
            .tenants
            .iter()
            .find(|t| t.id == id)
            .cloned())
    }

    async fn update_tenant(&self, id: TenantId, settings: &TenantSettings) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        match s.tenants.iter_mut().find(|t| t.id == id) {
            Some(t) => {
                t.settings = settings.clone();
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn create_connection(
        &self,
        tenant: TenantId,
        name: &str,
        profile: Profile,
        now: Timestamp,
    ) -> StoreResult<Connection> {
        let mut s = lock(&self.state)?;
        if s.connections
            .iter()
            .any(|c| c.tenant == tenant && c.name == name)
        {
            return Err(StoreError::Uniqueness(format!(
                "connection {name:?} exists"
            )));
        }
        let c = Connection {
            id: ConnectionId::from_db(s.key()),
            tenant,
            name: name.into(),
            profile,
            policy: ConnectionPolicy::default(),
            created: now,
        };
        s.connections.push(c.clone());
        Ok(c)
    }

    async fn list_connections(&self, tenant: TenantId) -> StoreResult<Vec<Connection>> {
        let mut v: Vec<Connection> = lock(&self.state)?
            .connections
            .iter()
            .filter(|c| c.tenant == tenant)
            .cloned()
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(v)
    }

    async fn connection(&self, id: ConnectionId) -> StoreResult<Option<Connection>> {
        Ok(lock(&self.state)?
            .connections
            .iter()
            .find(|c| c.id == id)
            .cloned())
    }

    async fn update_connection(
        &self,
        tenant: TenantId,
        id: ConnectionId,
        change: ConnectionUpdate,
    ) -> StoreResult<Option<Connection>> {
        let mut s = lock(&self.state)?;
        if s.connections
            .iter()
            .any(|c| c.tenant == tenant && c.id != id && c.name == change.name)
        {
            return Err(StoreError::Uniqueness(format!(
                "connection {:?} exists",
                change.name
            )));
        }
        Ok(s.connections
            .iter_mut()
            .find(|c| c.tenant == tenant && c.id == id)
            .map(|c| {
                c.name = change.name;
                c.profile = change.profile;
                c.policy = change.policy;
                c.clone()
            }))
    }

    async fn delete_tenant(
        &self,
        id: TenantId,
        purge: bool,
        audit: TenantAuditFn,
    ) -> StoreResult<TenantDeletion> {
        let mut s = lock(&self.state)?;
        if !s.tenants.iter().any(|t| t.id == id) {
            return Ok(TenantDeletion::Missing);
        }
        let mut counts = ResourceCounts::default();
        for row in s.rows.values().filter(|r| r.tenant == id) {
            match row.kind {
                ResourceKind::User => counts.users += 1,
                ResourceKind::Group => counts.groups += 1,
            }
        }
        counts.trashed = s.trash.iter().filter(|(t, _)| *t == id).count() as u64;
        if !counts.is_empty() && !purge {
            return Ok(TenantDeletion::Refused(counts));
        }
        let seqs: std::collections::HashSet<i64> = s
            .rows
            .iter()
            .filter(|(_, r)| r.tenant == id)
            .map(|(seq, _)| *seq)
            .collect();
        s.rows.retain(|seq, _| !seqs.contains(seq));
        s.by_id.retain(|(t, _, _), _| *t != id);
        s.unique.retain(|(t, _, _), _| *t != id);
        s.members
            .retain(|(g, m), _| !seqs.contains(g) && !seqs.contains(m));
        s.trash.retain(|(t, _)| *t != id);
        s.extensions.retain(|(t, _)| *t != id);
        s.roles.forget(id);
        let mine = s.connections.iter().filter(|c| c.tenant == id);
        let connections: Vec<ConnectionId> = mine.map(|c| c.id).collect();
        s.deprovisions.retain(|(c, _)| !connections.contains(c));
        for c in &connections {
            s.undefined.remove(c);
        }
        s.connections.retain(|c| c.tenant != id);
        s.tokens.retain(|t| t.tenant != id);
        s.journals.forget_tenant(id);
        s.admins.forget_tenant(id);
        s.log.forget_tenant(id);
        s.tenants.retain(|t| t.id != id);
        s.journals.record(
            id,
            Journal {
                audit: Some(audit(counts)),
                ..Journal::default()
            },
            false,
        );
        Ok(TenantDeletion::Deleted(counts))
    }

    async fn delete_connection(&self, tenant: TenantId, id: ConnectionId) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        let before = s.connections.len();
        s.connections
            .retain(|c| !(c.tenant == tenant && c.id == id));
        if s.connections.len() == before {
            return Ok(false);
        }
        s.tokens.retain(|t| t.connection != id);
        s.undefined.remove(&id);
        Ok(true)
    }

    async fn insert_token(&self, t: NewToken) -> StoreResult<TokenRecord> {
        let mut s = lock(&self.state)?;
        if s.tokens.iter().any(|x| x.hash == t.hash) {
            return Err(StoreError::Uniqueness("token hash exists".into()));
        }
        let rec = TokenRecord {
            id: s.key(),
            tenant: t.tenant,
            connection: t.connection,
            name: t.name,
            prefix: t.prefix,
            hash: t.hash,
            created: t.created,
            expires: t.expires,
            revoked: None,
            last_used: None,
        };
        s.tokens.push(rec.clone());
        Ok(rec)
    }

    async fn find_token(&self, hash: &[u8]) -> StoreResult<Option<TokenRecord>> {
        Ok(lock(&self.state)?
            .tokens
            .iter()
            .find(|t| t.hash == hash)
            .cloned())
    }

    async fn list_tokens(&self, tenant: TenantId) -> StoreResult<Vec<TokenRecord>> {
        let mut v: Vec<TokenRecord> = lock(&self.state)?
            .tokens
            .iter()
            .filter(|t| t.tenant == tenant)
            .cloned()
            .collect();
        v.sort_by_key(|t| std::cmp::Reverse(t.id));
        Ok(v)
    }

    async fn revoke_token(
        &self,
        tenant: TenantId,
        token: i64,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        match s
            .tokens
            .iter_mut()
            .find(|t| t.tenant == tenant && t.id == token)
        {
            Some(t) => {
                if t.revoked.is_none() {
                    t.revoked = Some(now);
                }
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn expire_token(&self, tenant: TenantId, token: i64, at: Timestamp) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        match s
            .tokens
            .iter_mut()
            .find(|t| t.tenant == tenant && t.id == token)
        {
            Some(t) => {
                t.expires = Some(at);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn touch_token(&self, token: i64, at: Timestamp) -> StoreResult<()> {
        let mut s = lock(&self.state)?;
        if let Some(t) = s.tokens.iter_mut().find(|t| t.id == token) {
            if t.last_used.is_none_or(|l| l < at) {
                t.last_used = Some(at);
            }
        }
        Ok(())
    }

    async fn pause_connection(
        &self,
        connection: ConnectionId,
        at: Timestamp,
        alert: Journal,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.state)?;
        let Some(c) = s
            .connections
            .iter_mut()
            .find(|c| c.id == connection && c.policy.paused_since.is_none())
        else {
            return Ok(false);
        };
        c.policy.paused_since = Some(at.unix_millis());
        let tenant = c.tenant;
        s.journals.record(tenant, alert, true);
        Ok(true)
    }

    async fn purge_trash(&self, now: Timestamp, audit: AuditEntry) -> StoreResult<u64> {
        let mut s = lock(&self.state)?;
        let (gone, kept): (Vec<_>, Vec<_>) = std::mem::take(&mut s.trash)
            .into_iter()
            .partition(|(_, t)| t.purge_after <= now);
        s.trash = kept;
        for (tenant, t) in &gone {
            let entry = AuditEntry {
                resource_type: Some(t.kind.name().to_string()),
                resource_id: Some(t.id.to_string()),
                ..audit.clone()
            };
            s.journals.record(
                *tenant,
                Journal {
                    audit: Some(entry),
                    ..Journal::default()
                },
                true,
            );
        }
        Ok(gone.len() as u64)
    }

    fn resources(&self, tenant: TenantId) -> Arc<dyn ResourceStore> {
        Arc::new(resources::MemoryResources {
            state: self.state.clone(),
            tenant,
        })
    }
}
