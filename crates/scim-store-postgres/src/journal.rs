//! The audit log, event outbox and webhook delivery state on PostgreSQL:
//! the [`EventStore`] half of the store (docs/events.md).
//!
//! A write's [`Journal`] is written by [`write_journal`] in the write's own
//! transaction, last before its commit, so events commit exactly when their
//! change does. Events are numbered per tenant (`tenant_seq`) by a trigger
//! that locks the tenant's `event_counters` row to the commit, so a
//! tenant's numbers follow its commit order across replicas: no event
//! becomes visible with a number below one a reader already passed. The
//! writer also takes a transaction-scoped advisory lock before it inserts
//! and holds it to its commit, which keeps the store-wide `seq` in commit
//! order too: webhook cursors and dead letters store `seq` (as every
//! release did), and the store translates between them and the tenant's
//! numbers, which is exact because both grow together ([`HOOK_CURSOR`]).
//! Delivery leases (`claim_webhook`) are single-row conditional updates,
//! so one replica delivers each webhook.

use crate::db::{backend, Fail};
use crate::rows::ts;
use crate::sql_filter::{Sql, P};
use crate::PostgresStore;
use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use scim_core::timestamp::Timestamp;
use scim_store::policy::{from_text, to_text};
use scim_store::*;
use tokio_postgres::Row;

/// The advisory lock that orders event inserts ("events" in ASCII).
const EVENTS_LOCK: i64 = 0x6576_656e_7473;

/// Writes one audit entry (its `sent` body in a column of its own).
pub async fn write_audit(c: &impl GenericClient, tenant: i64, e: &AuditEntry) -> Result<(), Fail> {
    let (entry, sent) = e.stored_texts()?;
    let stmt = c
        .prepare_cached(
            "INSERT INTO audit (tenant_id, at, connection_id, status, resource_kind, resource_id, entry, sent)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .await?;
    c.execute(
        &stmt,
        &[
            &tenant,
            &e.at,
            &e.connection,
            &i32::from(e.status),
            &e.resource_type,
            &e.resource_id,
            &entry,
            &sent,
        ],
    )
    .await?;
    Ok(())
}

/// Writes a journal: the audit entry always, the events when `changed`.
pub async fn write_journal(
    c: &impl GenericClient,
    tenant: i64,
    journal: &Journal,
    changed: bool,
) -> Result<(), Fail> {
    if let Some(e) = &journal.audit {
        write_audit(c, tenant, e).await?;
    }
    if changed && !journal.events.is_empty() {
        // The lock and every event in one statement, so that the lock is
        // held for this round trip and the commit's only: each round trip
        // inside it is paid by every writer queued behind it.
        let stmt = c
            .prepare_cached(
                "INSERT INTO events (tenant_id, at, event)
                 SELECT $1, t.at, t.event
                 FROM (SELECT pg_advisory_xact_lock($2)) AS l,
                      unnest($3::bigint[], $4::text[]) WITH ORDINALITY AS t(at, event, n)
                 ORDER BY t.n",
            )
            .await?;
        let at: Vec<i64> = journal.events.iter().map(|e| e.at).collect();
        let text = journal
            .events
            .iter()
            .map(to_text)
            .collect::<Result<Vec<String>, _>>()?;
        c.execute(&stmt, &[&tenant, &EVENTS_LOCK, &at, &text])
            .await?;
    }
    Ok(())
}

/// A webhook's cursor (a `seq`) as its tenant's event number: that of the
/// tenant's last event at or before it; when retention removed those, the
/// number before the first event kept (all of which are after it); with
/// no event kept, the tenant's last number.
const HOOK_CURSOR: &str = "coalesce(
    (SELECT e.tenant_seq FROM events e WHERE e.tenant_id = h.tenant_id AND e.seq <= h.cursor ORDER BY e.seq DESC LIMIT 1),
    (SELECT min(e.tenant_seq) - 1 FROM events e WHERE e.tenant_id = h.tenant_id),
    (SELECT c.last FROM event_counters c WHERE c.tenant_id = h.tenant_id),
    0)";

fn hook_columns() -> String {
    format!("h.id, h.tenant_id, h.url, h.secret, h.format, h.full_form, h.created, {HOOK_CURSOR}, h.failures, h.last_error, h.next_attempt, (SELECT count(*) FROM dead_letters d WHERE d.webhook_id = h.id), h.allow_private, h.disabled")
}

fn hook_of(r: &Row) -> Result<Webhook, Fail> {
    let format: String = r.try_get(4)?;
    let failures: i64 = r.try_get(8)?;
    let dead: i64 = r.try_get(11)?;
    Ok(Webhook {
        id: r.try_get(0)?,
        tenant: TenantId::from_db(r.try_get(1)?),
        url: r.try_get(2)?,
        secret: r.try_get(3)?,
        format: from_text(&format!("{format:?}"))?,
        full: r.try_get(5)?,
        created: ts(r.try_get(6)?)?,
        cursor: r.try_get(7)?,
        failures: u32::try_from(failures).unwrap_or(u32::MAX),
        last_error: r.try_get(9)?,
        next_attempt: r.try_get::<_, Option<i64>>(10)?.map(ts).transpose()?,
        dead: u64::try_from(dead).unwrap_or(0),
        allow_private: r.try_get(12)?,
        disabled: r.try_get::<_, Option<i64>>(13)?.map(ts).transpose()?,
    })
}

fn format_name(f: WebhookFormat) -> StoreResult<String> {
    Ok(to_text(&f)?.trim_matches('"').to_string())
}

fn fail(e: Fail) -> StoreError {
    e.into_store(String::new)
}

impl PostgresStore {
    async fn exec(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> StoreResult<u64> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(backend)?;
        client.execute(&stmt, params).await.map_err(backend)
    }

    async fn select(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> StoreResult<Vec<Row>> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await.map_err(backend)?;
        client.query(&stmt, params).await.map_err(backend)
    }
}

#[async_trait]
impl EventStore for PostgresStore {
    async fn append_audit(&self, tenant: TenantId, entry: AuditEntry) -> StoreResult<()> {
        let client = self.client().await?;
        let journal = Journal {
            audit: Some(entry),
            events: Vec::new(),
            ..Journal::default()
        };
        write_journal(&client, tenant.db_key(), &journal, false)
            .await
            .map_err(fail)
    }

    async fn append_journal(&self, tenant: TenantId, journal: Journal) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(backend)?;
        write_journal(&tx, tenant.db_key(), &journal, true)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(backend)
    }

    async fn audit(&self, tenant: TenantId, q: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
        let mut sql = Sql::default();
        sql.push("SELECT seq, tenant_id, entry, sent FROM audit WHERE tenant_id = ");
        sql.param(P::Int(tenant.db_key()));
        if let Some((kind, id)) = &q.resource {
            sql.push(" AND resource_id = ");
            sql.param(P::Text(id.clone()));
            sql.push(" AND resource_kind = ");
            sql.param(P::Text(kind.name().to_string()));
        }
        if let Some(conn) = q.connection {
            sql.push(" AND connection_id = ");
            sql.param(P::Int(conn.db_key()));
        }
        if let Some(t) = q.since {
            sql.push(" AND at >= ");
            sql.param(P::Int(t.unix_millis()));
        }
        if let Some(t) = q.until {
            sql.push(" AND at < ");
            sql.param(P::Int(t.unix_millis()));
        }
        match q.succeeded {
            Some(true) => sql.push(" AND status BETWEEN 200 AND 299"),
            Some(false) => sql.push(" AND status NOT BETWEEN 200 AND 299"),
            None => {}
        }
        if let Some(b) = q.before_seq {
            sql.push(" AND seq < ");
            sql.param(P::Int(b));
        }
        sql.push(&format!(
            " ORDER BY seq DESC LIMIT {}",
            i64::try_from(q.limit).unwrap_or(i64::MAX)
        ));
        let client = self.client().await?;
        let rows = client
            .query(sql.text.as_str(), &sql.args())
            .await
            .map_err(backend)?;
        rows.iter()
            .map(|r| {
                let entry: &str = r.try_get(2).map_err(backend)?;
                let mut entry: AuditEntry = from_text(entry)?;
                entry.set_sent_text(r.try_get(3).map_err(backend)?);
                Ok(AuditRecord {
                    seq: r.try_get(0).map_err(backend)?,
                    tenant: TenantId::from_db(r.try_get(1).map_err(backend)?),
                    entry,
                })
            })
            .collect()
    }

    async fn purge_audit(&self, before: Timestamp) -> StoreResult<u64> {
        self.exec("DELETE FROM audit WHERE at < $1", &[&before.unix_millis()])
            .await
    }

    async fn events(
        &self,
        tenant: TenantId,
        after: i64,
        limit: u64,
    ) -> StoreResult<Vec<StoredEvent>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .select(
                "SELECT tenant_seq, tenant_id, event FROM events
                 WHERE tenant_id = $1 AND tenant_seq > $2 ORDER BY tenant_seq LIMIT $3",
                &[&tenant.db_key(), &after, &limit],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let event: &str = r.try_get(2).map_err(backend)?;
                Ok(StoredEvent {
                    seq: r.try_get(0).map_err(backend)?,
                    tenant: TenantId::from_db(r.try_get(1).map_err(backend)?),
                    event: from_text(event)?,
                })
            })
            .collect()
    }

    async fn count_events(&self, tenant: TenantId, after: i64, cap: u64) -> StoreResult<u64> {
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        let rows = self
            .select(
                "SELECT count(*) FROM (SELECT 1 FROM events WHERE tenant_id = $1 AND tenant_seq > $2 LIMIT $3) x",
                &[&tenant.db_key(), &after, &cap],
            )
            .await?;
        let n: i64 = rows
            .first()
            .map(|r| r.try_get(0))
            .transpose()
            .map_err(backend)?
            .unwrap_or(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn event_number_at(&self, tenant: TenantId, seq: i64) -> StoreResult<i64> {
        let rows = self
            .select(
                "SELECT tenant_seq FROM events WHERE tenant_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT 1",
                &[&tenant.db_key(), &seq],
            )
            .await?;
        match rows.first() {
            Some(r) => r.try_get(0).map_err(backend),
            None => Ok(0),
        }
    }

    async fn purge_events(&self, before: Timestamp) -> StoreResult<u64> {
        self.exec(
            "DELETE FROM events e WHERE e.at < $1 AND e.seq <= coalesce(
                (SELECT min(h.cursor) FROM webhooks h WHERE h.tenant_id = e.tenant_id AND h.disabled IS NULL),
                9223372036854775807)
             AND e.seq NOT IN (SELECT event_seq FROM dead_letters)",
            &[&before.unix_millis()],
        )
        .await
    }

    async fn create_webhook(&self, h: NewWebhook) -> StoreResult<Webhook> {
        let format = format_name(h.format)?;
        let rows = self
            .select(
                &format!(
                    "WITH h AS (
                        INSERT INTO webhooks (tenant_id, url, secret, format, full_form, created, cursor, allow_private)
                        VALUES ($1, $2, $3, $4, $5, $6, (SELECT coalesce(max(seq), 0) FROM events), $7)
                        RETURNING *
                     ) SELECT {} FROM h",
                    hook_columns()
                ),
                &[
                    &h.tenant.db_key(),
                    &h.url,
                    &h.secret,
                    &format,
                    &h.full,
                    &h.created.unix_millis(),
                    &h.allow_private,
                ],
            )
            .await?;
        rows.first()
            .ok_or_else(|| StoreError::Backend("webhook insert returned nothing".into()))
            .and_then(|r| hook_of(r).map_err(fail))
    }

    async fn set_webhook_secret(&self, id: i64, old: &str, new: &str) -> StoreResult<bool> {
        let n = self
            .exec(
                "UPDATE webhooks SET secret = $1 WHERE id = $2 AND secret = $3",
                &[&new, &id, &old],
            )
            .await?;
        Ok(n > 0)
    }

    async fn list_webhooks(&self, tenant: Option<TenantId>) -> StoreResult<Vec<Webhook>> {
        let rows = self
            .select(
                &format!("SELECT {} FROM webhooks h WHERE $1::bigint IS NULL OR h.tenant_id = $1 ORDER BY h.id", hook_columns()),
                &[&tenant.map(TenantId::db_key)],
            )
            .await?;
        rows.iter().map(|r| hook_of(r).map_err(fail)).collect()
    }

    async fn delete_webhook(&self, tenant: TenantId, id: i64) -> StoreResult<bool> {
        let n = self
            .exec(
                "WITH gone AS (DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2 RETURNING id),
                      d AS (DELETE FROM dead_letters WHERE webhook_id IN (SELECT id FROM gone))
                 SELECT id FROM gone",
                &[&tenant.db_key(), &id],
            )
            .await?;
        Ok(n > 0)
    }

    async fn set_webhook_disabled(
        &self,
        tenant: TenantId,
        id: i64,
        at: Option<Timestamp>,
    ) -> StoreResult<bool> {
        let n = self
            .exec(
                "UPDATE webhooks SET disabled = $1 WHERE tenant_id = $2 AND id = $3",
                &[&at.map(|t| t.unix_millis()), &tenant.db_key(), &id],
            )
            .await?;
        Ok(n > 0)
    }

    async fn claim_webhook(
        &self,
        id: i64,
        owner: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let n = self
            .exec(
                "UPDATE webhooks SET lease_owner = $1, lease_until = $2
                 WHERE id = $3 AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until <= $4)",
                &[&owner, &until.unix_millis(), &id, &now.unix_millis()],
            )
            .await?;
        Ok(n > 0)
    }

    async fn save_delivery(&self, id: i64, owner: &str, p: DeliveryProgress) -> StoreResult<bool> {
        let n = self
            .exec(
                "UPDATE webhooks SET cursor = greatest(cursor, coalesce(
                    (SELECT e.seq FROM events e WHERE e.tenant_id = webhooks.tenant_id AND e.tenant_seq <= $1
                     ORDER BY e.tenant_seq DESC LIMIT 1), cursor)),
                    failures = $2, last_error = $3, next_attempt = $4
                 WHERE id = $5 AND lease_owner = $6",
                &[
                    &p.cursor,
                    &i64::from(p.failures),
                    &p.last_error,
                    &p.next_attempt.map(|t| t.unix_millis()),
                    &id,
                    &owner,
                ],
            )
            .await?;
        Ok(n > 0)
    }

    async fn dead_letter(&self, d: DeadLetter) -> StoreResult<()> {
        let n = self
            .exec(
                "INSERT INTO dead_letters (webhook_id, event_seq, tenant_id, error, at, requeued)
                 SELECT h.id, e.seq, h.tenant_id, $3, $4, $5 FROM webhooks h
                 JOIN events e ON e.tenant_id = h.tenant_id AND e.tenant_seq = $2 WHERE h.id = $1
                 ON CONFLICT (webhook_id, event_seq) DO UPDATE SET
                    tenant_id = EXCLUDED.tenant_id, error = EXCLUDED.error,
                    at = EXCLUDED.at, requeued = EXCLUDED.requeued",
                &[
                    &d.webhook,
                    &d.event_seq,
                    &d.error,
                    &d.at.unix_millis(),
                    &d.requeued,
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Backend(format!(
                "no webhook {} or no event {} of its tenant",
                d.webhook, d.event_seq
            )));
        }
        Ok(())
    }

    async fn dead_letters(&self, webhook: i64) -> StoreResult<Vec<DeadLetter>> {
        let rows = self
            .select(
                "SELECT e.tenant_seq, d.error, d.at, d.requeued FROM dead_letters d
                 JOIN events e ON e.seq = d.event_seq WHERE d.webhook_id = $1 ORDER BY d.event_seq",
                &[&webhook],
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(DeadLetter {
                    webhook,
                    event_seq: r.try_get(0).map_err(backend)?,
                    error: r.try_get(1).map_err(backend)?,
                    at: ts(r.try_get(2).map_err(backend)?)?,
                    requeued: r.try_get(3).map_err(backend)?,
                })
            })
            .collect()
    }

    async fn requeue_dead_letters(
        &self,
        tenant: TenantId,
        webhook: i64,
        event_seq: Option<i64>,
    ) -> StoreResult<u64> {
        self.exec(
            "UPDATE dead_letters SET requeued = true
             WHERE tenant_id = $1 AND webhook_id = $2 AND ($3::bigint IS NULL OR event_seq =
                (SELECT seq FROM events WHERE tenant_id = $1 AND tenant_seq = $3))",
            &[&tenant.db_key(), &webhook, &event_seq],
        )
        .await
    }

    async fn resolve_dead_letter(&self, webhook: i64, event_seq: i64) -> StoreResult<()> {
        self.exec(
            "DELETE FROM dead_letters WHERE webhook_id = $1 AND event_seq =
                (SELECT e.seq FROM events e JOIN webhooks h ON h.tenant_id = e.tenant_id
                 WHERE h.id = $1 AND e.tenant_seq = $2)",
            &[&webhook, &event_seq],
        )
        .await
        .map(|_| ())
    }
}
