//! [`SqlStore`]: the storage port (`scim_store::Store`) implemented once
//! for every SQL backend. Each method encodes what it can before it asks
//! the backend for a connection (JSON text, journals), then runs one job
//! of the operation modules as a read or a write ([`Backend`]).

use crate::backend::{task, Backend, Write};
use crate::resources::SqlResources;
use crate::tenants::{self, Audit};
use crate::{admin, breaker, trash};
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;
use scim_store::policy::to_text;
use scim_store::*;
use std::ops::Deref;
use std::sync::Arc;

/// A store on an SQL database; derefs to its backend (for what only that
/// backend offers: `explain`, pool status …).
pub struct SqlStore<B> {
    pub(crate) b: Arc<B>,
}

impl<B> Clone for SqlStore<B> {
    fn clone(&self) -> Self {
        SqlStore { b: self.b.clone() }
    }
}

impl<B> Deref for SqlStore<B> {
    type Target = B;

    fn deref(&self) -> &B {
        &self.b
    }
}

impl<B: Backend> SqlStore<B> {
    /// The store of a backend.
    pub fn new(backend: B) -> SqlStore<B> {
        SqlStore {
            b: Arc::new(backend),
        }
    }

    /// `result` of a write that may have changed a credential (a token,
    /// or the connection or tenant it names): when it committed, the
    /// backend's credential epoch moves ([`Backend::credentials_changed`]).
    pub(crate) fn changed<T>(&self, result: StoreResult<T>) -> StoreResult<T> {
        if result.is_ok() {
            self.b.credentials_changed();
        }
        result
    }
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    async fn create_tenant(&self, name: &str, now: Timestamp) -> StoreResult<Tenant> {
        let job = task((name.to_string(), now), |x, (name, now)| {
            Box::pin(admin::create_tenant(x, name, *now))
        });
        self.b.write(Write::SYSTEM, job).await
    }

    async fn list_tenants(&self) -> StoreResult<Vec<Tenant>> {
        let job = task((), |x, ()| Box::pin(admin::list_tenants(x)));
        self.b.read(false, job).await
    }

    async fn find_tenant(&self, name: &str) -> StoreResult<Option<Tenant>> {
        let job = task(name.to_string(), |x, name| {
            Box::pin(admin::find_tenant(x, name))
        });
        self.b.read(false, job).await
    }

    async fn tenant(&self, id: TenantId) -> StoreResult<Option<Tenant>> {
        let job = task(id, |x, id| Box::pin(admin::tenant(x, *id)));
        self.b.read(true, job).await
    }

    async fn update_tenant(&self, id: TenantId, settings: &TenantSettings) -> StoreResult<bool> {
        let text = to_text(settings)?;
        let limit = settings
            .seat_limit
            .map(|l| i64::try_from(l).unwrap_or(i64::MAX));
        let job = task((id, text, limit), |x, (id, text, limit)| {
            Box::pin(admin::update_tenant(x, *id, text, *limit))
        });
        self.changed(self.b.write(Write::SYSTEM, job).await)
    }

    async fn delete_tenant(
        &self,
        id: TenantId,
        purge: bool,
        audit: TenantAuditFn,
    ) -> StoreResult<TenantDeletion> {
        let job = task((id, purge, Audit::new(audit)), |x, (id, purge, audit)| {
            Box::pin(tenants::delete_tenant(x, *id, *purge, audit))
        });
        // In the tenant's lane, after its queued writes; as much work as a
        // whole batch, so that it runs in a transaction of its own.
        let deleted = self
            .b
            .write(Write::tenant(id.db_key(), usize::MAX), job)
            .await;
        self.changed(deleted)
    }

    async fn create_connection(
        &self,
        tenant: TenantId,
        name: &str,
        profile: Profile,
        now: Timestamp,
    ) -> StoreResult<Connection> {
        let input = (tenant, name.to_string(), profile, now);
        let job = task(input, |x, (t, name, profile, now)| {
            Box::pin(admin::create_connection(x, *t, name, *profile, *now))
        });
        self.b.write(Write::SYSTEM, job).await
    }

    async fn list_connections(&self, tenant: TenantId) -> StoreResult<Vec<Connection>> {
        let job = task(tenant, |x, t| Box::pin(admin::list_connections(x, *t)));
        self.b.read(false, job).await
    }

    async fn connection(&self, id: ConnectionId) -> StoreResult<Option<Connection>> {
        let job = task(id, |x, id| Box::pin(admin::connection(x, *id)));
        self.b.read(true, job).await
    }

    async fn update_connection(
        &self,
        tenant: TenantId,
        id: ConnectionId,
        change: ConnectionUpdate,
    ) -> StoreResult<Option<Connection>> {
        let policy = to_text(&change.policy)?;
        let job = task(
            (tenant, id, change, policy),
            |x, (t, id, change, policy)| {
                Box::pin(admin::update_connection(x, *t, *id, change, policy))
            },
        );
        self.changed(self.b.write(Write::SYSTEM, job).await)
    }

    async fn delete_connection(&self, tenant: TenantId, id: ConnectionId) -> StoreResult<bool> {
        let job = task((tenant, id), |x, (t, id)| {
            Box::pin(admin::delete_connection(x, *t, *id))
        });
        self.changed(self.b.write(Write::SYSTEM, job).await)
    }

    async fn insert_token(&self, token: NewToken) -> StoreResult<TokenRecord> {
        let job = task(token, |x, t| Box::pin(admin::insert_token(x, t)));
        self.b.write(Write::SYSTEM, job).await
    }

    async fn find_token(&self, hash: &[u8]) -> StoreResult<Option<TokenRecord>> {
        let job = task(hash.to_vec(), |x, h| Box::pin(admin::find_token(x, h)));
        self.b.read(true, job).await
    }

    fn credential_epoch(&self) -> Option<u64> {
        self.b.credential_epoch()
    }

    async fn credential(&self, hash: &[u8]) -> StoreResult<Option<Credential>> {
        let job = task(hash.to_vec(), |x, h| Box::pin(admin::credential(x, h)));
        self.b.read(true, job).await
    }

    async fn list_tokens(&self, tenant: TenantId) -> StoreResult<Vec<TokenRecord>> {
        let job = task(tenant, |x, t| Box::pin(admin::list_tokens(x, *t)));
        self.b.read(false, job).await
    }

    async fn revoke_token(
        &self,
        tenant: TenantId,
        token: i64,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let job = task((tenant, token, now), |x, (t, token, now)| {
            Box::pin(admin::revoke_token(x, *t, *token, *now))
        });
        self.changed(self.b.write(Write::SYSTEM, job).await)
    }

    async fn expire_token(&self, tenant: TenantId, token: i64, at: Timestamp) -> StoreResult<bool> {
        let job = task((tenant, token, at), |x, (t, token, at)| {
            Box::pin(admin::expire_token(x, *t, *token, *at))
        });
        self.changed(self.b.write(Write::SYSTEM, job).await)
    }

    async fn touch_token(&self, token: i64, at: Timestamp) -> StoreResult<()> {
        let job = task((token, at), |x, (token, at)| {
            Box::pin(admin::touch_token(x, *token, *at))
        });
        self.b.write(Write::SYSTEM, job).await
    }

    async fn pause_connection(
        &self,
        connection: ConnectionId,
        at: Timestamp,
        alert: Journal,
    ) -> StoreResult<bool> {
        let job = task((connection.db_key(), at, alert), |x, (c, at, alert)| {
            Box::pin(breaker::pause(x, *c, *at, alert))
        });
        self.changed(self.b.write(Write::SYSTEM.atomic(), job).await)
    }

    async fn purge_trash(&self, now: Timestamp, audit: AuditEntry) -> StoreResult<u64> {
        let job = task((now, audit), |x, (now, audit)| {
            Box::pin(trash::purge(x, *now, audit))
        });
        self.b.write(Write::SYSTEM.atomic(), job).await
    }

    fn resources(&self, tenant: TenantId) -> Arc<dyn ResourceStore> {
        Arc::new(SqlResources {
            b: self.b.clone(),
            tenant: tenant.db_key(),
        })
    }
}
