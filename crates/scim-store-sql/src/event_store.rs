//! The `EventStore` (audit log, outbox, webhooks) and `AdminStore` (admin
//! accounts, sessions) halves of [`SqlStore`].

use crate::backend::{task, Backend, Write};
use crate::events::{self, PURGE_AUDIT, PURGE_CHUNK};
use crate::journal::write_prepared;
use crate::sequencer;
use crate::store::SqlStore;
use crate::{admins, Job};
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;
use scim_store::*;

impl<B: Backend> SqlStore<B> {
    /// Runs `sql` (parameters: the cut-off time, the chunk size) until it
    /// deletes fewer rows than a chunk, each chunk a write of its own; the
    /// number deleted.
    async fn purge_in_chunks(&self, sql: String, before: Timestamp) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let job = task((before, sql.clone()), move |x, (before, sql)| {
                Box::pin(events::purge_chunk(x, sql, *before))
            });
            let n = self.b.write(Write::SYSTEM, job).await?;
            total += n;
            if n < PURGE_CHUNK.unsigned_abs() {
                return Ok(total);
            }
        }
    }

    async fn system<T: Send + 'static>(&self, job: impl Job<T>) -> StoreResult<T> {
        self.b.write(Write::SYSTEM, job).await
    }

    /// Numbers up to [`sequencer::CHUNK`] of the tenant's committed
    /// events, where events are numbered after their commit
    /// ([`crate::sequencer`]); one probe of an index when there are none.
    /// How many it numbered.
    async fn number_events(&self, tenant: TenantId) -> StoreResult<u64> {
        if !self.b.dialect().numbers_events_later() {
            return Ok(0);
        }
        let t = tenant.db_key();
        let probe = task(t, |x, t| Box::pin(sequencer::pending(x, *t)));
        if !self.b.read(true, probe).await? {
            return Ok(0);
        }
        let job = task(t, |x, t| Box::pin(sequencer::number(x, *t)));
        self.b.write(Write::tenant(t, 1), job).await
    }
}

#[async_trait]
impl<B: Backend> EventStore for SqlStore<B> {
    async fn append_audit(&self, tenant: TenantId, entry: AuditEntry) -> StoreResult<()> {
        let journal = PreparedJournal::new(Journal {
            audit: Some(entry),
            ..Journal::default()
        })?;
        let job = task((tenant, journal), |x, (t, j)| {
            Box::pin(write_prepared(x, t.db_key(), j, false))
        });
        self.system(job).await
    }

    async fn append_journal(&self, tenant: TenantId, journal: Journal) -> StoreResult<()> {
        let journal = PreparedJournal::new(journal)?;
        let job = task((tenant, journal), |x, (t, j)| {
            Box::pin(write_prepared(x, t.db_key(), j, true))
        });
        self.b.write(Write::SYSTEM.atomic(), job).await
    }

    async fn audit(&self, tenant: TenantId, q: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
        let job = task((tenant, q.clone()), |x, (t, q)| {
            Box::pin(events::audit(x, *t, q))
        });
        self.b.read(false, job).await
    }

    async fn purge_audit(&self, before: Timestamp) -> StoreResult<u64> {
        self.purge_in_chunks(PURGE_AUDIT.to_string(), before).await
    }

    async fn events(
        &self,
        tenant: TenantId,
        after: i64,
        limit: u64,
    ) -> StoreResult<Vec<StoredEvent>> {
        self.number_events(tenant).await?;
        let job = task((tenant, after, limit), |x, (t, after, limit)| {
            Box::pin(events::events(x, *t, *after, *limit))
        });
        self.b.read(false, job).await
    }

    async fn count_events(&self, tenant: TenantId, after: i64, cap: u64) -> StoreResult<u64> {
        self.number_events(tenant).await?;
        let job = task((tenant, after, cap), |x, (t, after, cap)| {
            Box::pin(events::count_events(x, *t, *after, *cap))
        });
        self.b.read(false, job).await
    }

    async fn event_number_at(&self, tenant: TenantId, seq: i64) -> StoreResult<i64> {
        let job = task((tenant, seq), |x, (t, seq)| {
            Box::pin(events::event_number_at(x, *t, *seq))
        });
        self.b.read(false, job).await
    }

    async fn purge_events(&self, before: Timestamp) -> StoreResult<u64> {
        // Only numbered events expire (webhooks' cursors are numbers).
        let job = task(before, |x, b| {
            Box::pin(sequencer::unnumbered_tenants(x, *b))
        });
        for tenant in self.b.read(false, job).await? {
            let tenant = TenantId::from_db(tenant);
            while self.number_events(tenant).await? == sequencer::CHUNK.unsigned_abs() {}
        }
        self.purge_in_chunks(events::purge_events_sql(), before)
            .await
    }

    async fn create_webhook(&self, hook: NewWebhook) -> StoreResult<Webhook> {
        self.number_events(hook.tenant).await?;
        let job = task(hook, |x, h| Box::pin(events::create_webhook(x, h)));
        self.system(job).await
    }

    async fn set_webhook_secret(&self, id: i64, old: &str, new: &str) -> StoreResult<bool> {
        let job = task(
            (id, old.to_string(), new.to_string()),
            |x, (id, old, new)| Box::pin(events::set_webhook_secret(x, *id, old, new)),
        );
        self.system(job).await
    }

    async fn scrub_free_space(&self) -> StoreResult<()> {
        self.b.scrub_free_space().await
    }

    async fn list_webhooks(&self, tenant: Option<TenantId>) -> StoreResult<Vec<Webhook>> {
        let job = task(tenant, |x, t| Box::pin(events::list_webhooks(x, *t)));
        self.b.read(false, job).await
    }

    async fn delete_webhook(&self, tenant: TenantId, id: i64) -> StoreResult<bool> {
        let job = task((tenant, id), |x, (t, id)| {
            Box::pin(events::delete_webhook(x, *t, *id))
        });
        self.system(job).await
    }

    async fn set_webhook_disabled(
        &self,
        tenant: TenantId,
        id: i64,
        at: Option<Timestamp>,
    ) -> StoreResult<bool> {
        let job = task((tenant, id, at), |x, (t, id, at)| {
            Box::pin(events::set_webhook_disabled(x, *t, *id, *at))
        });
        self.system(job).await
    }

    async fn claim_webhook(
        &self,
        id: i64,
        owner: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let input = (id, owner.to_string(), until, now);
        let job = task(input, |x, (id, owner, until, now)| {
            Box::pin(events::claim_webhook(x, *id, owner, *until, *now))
        });
        self.system(job).await
    }

    async fn save_delivery(
        &self,
        id: i64,
        owner: &str,
        progress: DeliveryProgress,
    ) -> StoreResult<bool> {
        let job = task((id, owner.to_string(), progress), |x, (id, owner, p)| {
            Box::pin(events::save_delivery(x, *id, owner, p))
        });
        self.system(job).await
    }

    async fn dead_letter(&self, letter: DeadLetter) -> StoreResult<()> {
        let job = task(letter, |x, d| Box::pin(events::dead_letter(x, d)));
        self.system(job).await
    }

    async fn dead_letters(&self, webhook: i64) -> StoreResult<Vec<DeadLetter>> {
        let job = task(webhook, |x, w| Box::pin(events::dead_letters(x, *w)));
        self.b.read(false, job).await
    }

    async fn requeue_dead_letters(
        &self,
        tenant: TenantId,
        webhook: i64,
        event_seq: Option<i64>,
    ) -> StoreResult<u64> {
        let job = task((tenant, webhook, event_seq), |x, (t, w, e)| {
            Box::pin(events::requeue_dead_letters(x, *t, *w, *e))
        });
        self.system(job).await
    }

    async fn resolve_dead_letter(&self, webhook: i64, event_seq: i64) -> StoreResult<()> {
        let job = task((webhook, event_seq), |x, (w, e)| {
            Box::pin(events::resolve_dead_letter(x, *w, *e))
        });
        self.system(job).await
    }
}

#[async_trait]
impl<B: Backend> AdminStore for SqlStore<B> {
    async fn create_admin(&self, admin: NewAdmin) -> StoreResult<AdminAccount> {
        let job = task(admin, |x, a| Box::pin(admins::create_admin(x, a)));
        self.system(job).await
    }

    async fn find_admin(&self, username: &str) -> StoreResult<Option<AdminAccount>> {
        let job = task(username.to_string(), |x, u| {
            Box::pin(admins::find_admin(x, u))
        });
        self.b.read(false, job).await
    }

    async fn admin(&self, id: i64) -> StoreResult<Option<AdminAccount>> {
        let job = task(id, |x, id| Box::pin(admins::admin(x, *id)));
        self.b.read(false, job).await
    }

    async fn list_admins(&self) -> StoreResult<Vec<AdminAccount>> {
        let job = task((), |x, ()| Box::pin(admins::list_admins(x)));
        self.b.read(false, job).await
    }

    async fn set_admin_password(&self, id: i64, password_hash: &str) -> StoreResult<bool> {
        let job = task((id, password_hash.to_string()), |x, (id, hash)| {
            Box::pin(admins::set_admin_password(x, *id, hash))
        });
        self.system(job).await
    }

    async fn set_admin_disabled(&self, id: i64, disabled: Option<Timestamp>) -> StoreResult<bool> {
        let job = task((id, disabled), |x, (id, at)| {
            Box::pin(admins::set_admin_disabled(x, *id, *at))
        });
        self.system(job).await
    }

    async fn delete_admin(&self, id: i64) -> StoreResult<bool> {
        let job = task(id, |x, id| Box::pin(admins::delete_admin(x, *id)));
        self.system(job).await
    }

    async fn create_session(&self, session: AdminSession) -> StoreResult<()> {
        let job = task(session, |x, s| Box::pin(admins::create_session(x, s)));
        self.system(job).await
    }

    async fn find_session(&self, hash: &[u8], now: Timestamp) -> StoreResult<Option<AdminSession>> {
        let job = task((hash.to_vec(), now), |x, (h, now)| {
            Box::pin(admins::find_session(x, h, *now))
        });
        self.b.read(true, job).await
    }

    async fn delete_session(&self, hash: &[u8]) -> StoreResult<bool> {
        let job = task(hash.to_vec(), |x, h| Box::pin(admins::delete_session(x, h)));
        self.system(job).await
    }

    async fn delete_admin_sessions(&self, admin: i64) -> StoreResult<u64> {
        let job = task(admin, |x, a| Box::pin(admins::delete_admin_sessions(x, *a)));
        self.system(job).await
    }

    async fn purge_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        let job = task(now, |x, now| Box::pin(admins::purge_sessions(x, *now)));
        self.system(job).await
    }
}
