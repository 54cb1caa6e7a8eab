//! The audit log, event outbox and webhook delivery state on SQLite: the
//! [`EventStore`] half of the store. A write's [`Journal`] is written by
//! [`write_journal`] inside the write's own transaction (the writer
//! thread's batch), so events commit exactly when their change does.
//!
//! Events are numbered per tenant (`tenant_seq`, from `event_counters`) by
//! the one writer, so numbers follow commit order. Webhook cursors and
//! dead letters store the events' store-wide `seq` (as every release
//! did); what the [`EventStore`] hands out is the tenant's number: a
//! cursor reads as the number of the tenant's last event at or before it
//! (`webhook_rows::HOOK_CURSOR`), and a number saved converts back to
//! its `seq`.

use crate::webhook_rows::{format_name, hook_columns, hook_of, hook_row};
use crate::writer::backend;
use crate::{ts, SqliteStore};
use async_trait::async_trait;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use scim_core::timestamp::Timestamp;
use scim_store::policy::{from_text, to_text};
use scim_store::*;

/// Writes a journal: the audit entry always, the events when `changed`.
pub fn write_journal(
    conn: &Connection,
    tenant: i64,
    journal: &Journal,
    changed: bool,
) -> StoreResult<()> {
    if let Some(e) = &journal.audit {
        write_audit(conn, tenant, e)?;
    }
    if changed {
        let texts = journal
            .events
            .iter()
            .map(|ev| Ok((ev.at, to_text(ev)?)))
            .collect::<StoreResult<Vec<(i64, String)>>>()?;
        let texts: Vec<(i64, &str)> = texts.iter().map(|(at, t)| (*at, t.as_str())).collect();
        insert_events(conn, tenant, &texts)?;
    }
    Ok(())
}

/// Inserts a write's events (time, JSON text), numbered in the tenant's
/// sequence (`event_counters`, in the write's transaction: the one writer
/// numbers them in commit order).
pub fn insert_events(conn: &Connection, tenant: i64, events: &[(i64, &str)]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let count = events.len() as i64;
    let last: i64 = conn
        .prepare_cached(
            "INSERT INTO event_counters (tenant_id, last) VALUES (?1, ?2)
             ON CONFLICT (tenant_id) DO UPDATE SET last = last + ?2 RETURNING last",
        )
        .map_err(backend)?
        .query_row(params![tenant, count], |r| r.get(0))
        .map_err(backend)?;
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO events (tenant_id, at, event, tenant_seq) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(backend)?;
    for ((at, text), n) in events.iter().zip(last - count + 1..) {
        stmt.execute(params![tenant, at, text, n])
            .map_err(backend)?;
    }
    Ok(())
}

/// Writes one audit entry (its `sent` body in a column of its own).
pub fn write_audit(conn: &Connection, tenant: i64, e: &AuditEntry) -> StoreResult<()> {
    let (entry, sent) = e.stored_texts()?;
    conn.prepare_cached(
        "INSERT INTO audit (tenant_id, at, connection_id, status, resource_kind, resource_id, entry, sent)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .map_err(backend)?
    .execute(params![
        tenant,
        e.at,
        e.connection,
        e.status,
        e.resource_type,
        e.resource_id,
        entry,
        sent
    ])
    .map_err(backend)?;
    Ok(())
}

type AuditRow = (i64, i64, String, Option<String>);

fn audit_row(r: &Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn event_row(r: &Row<'_>) -> rusqlite::Result<(i64, i64, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
}

/// Rows one purge transaction deletes at most: a long backlog is removed in
/// many short write transactions, so that the writer (and the IdP's writes
/// queued behind it) never waits on one huge delete.
const PURGE_CHUNK: i64 = 5_000;

impl SqliteStore {
    /// Runs `sql` (parameters: the cut-off time, the chunk size) until it
    /// deletes fewer rows than a chunk; the number deleted.
    async fn purge_in_chunks(&self, sql: &'static str, before: Timestamp) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let n = self
                .writer
                .write(move |c| {
                    c.prepare_cached(sql)
                        .map_err(backend)?
                        .execute(params![before.unix_millis(), PURGE_CHUNK])
                        .map_err(backend)
                })
                .await?;
            total += n as u64;
            if (n as i64) < PURGE_CHUNK {
                return Ok(total);
            }
        }
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    async fn append_audit(&self, tenant: TenantId, entry: AuditEntry) -> StoreResult<()> {
        let journal = Journal {
            audit: Some(entry),
            events: Vec::new(),
            ..Journal::default()
        };
        self.writer
            .write(move |c| write_journal(c, tenant.db_key(), &journal, false))
            .await
    }

    async fn append_journal(&self, tenant: TenantId, journal: Journal) -> StoreResult<()> {
        self.writer
            .write(move |c| write_journal(c, tenant.db_key(), &journal, true))
            .await
    }

    async fn audit(&self, tenant: TenantId, q: &AuditQuery) -> StoreResult<Vec<AuditRecord>> {
        let q = q.clone();
        self.readers
            .read(move |c| {
                let mut sql = String::from(
                    "SELECT seq, tenant_id, entry, sent FROM audit WHERE tenant_id = ?",
                );
                let mut args: Vec<rusqlite::types::Value> = vec![tenant.db_key().into()];
                if let Some((kind, id)) = &q.resource {
                    sql.push_str(" AND resource_id = ? AND resource_kind = ?");
                    args.push(id.clone().into());
                    args.push(kind.name().to_string().into());
                }
                if let Some(conn) = q.connection {
                    sql.push_str(" AND connection_id = ?");
                    args.push(conn.db_key().into());
                }
                if let Some(t) = q.since {
                    sql.push_str(" AND at >= ?");
                    args.push(t.unix_millis().into());
                }
                if let Some(t) = q.until {
                    sql.push_str(" AND at < ?");
                    args.push(t.unix_millis().into());
                }
                match q.succeeded {
                    Some(true) => sql.push_str(" AND status BETWEEN 200 AND 299"),
                    Some(false) => sql.push_str(" AND status NOT BETWEEN 200 AND 299"),
                    None => {}
                }
                if let Some(b) = q.before_seq {
                    sql.push_str(" AND seq < ?");
                    args.push(b.into());
                }
                sql.push_str(" ORDER BY seq DESC LIMIT ?");
                args.push(i64::try_from(q.limit).unwrap_or(i64::MAX).into());
                let mut stmt = c.prepare_cached(&sql).map_err(backend)?;
                let rows = stmt
                    .query_map(params_from_iter(args.iter()), audit_row)
                    .map_err(backend)?;
                rows.map(|r| {
                    let (seq, tenant, entry, sent) = r.map_err(backend)?;
                    let mut entry: AuditEntry = from_text(&entry)?;
                    entry.set_sent_text(sent);
                    Ok(AuditRecord {
                        seq,
                        tenant: TenantId::from_db(tenant),
                        entry,
                    })
                })
                .collect()
            })
            .await
    }

    async fn purge_audit(&self, before: Timestamp) -> StoreResult<u64> {
        self.purge_in_chunks(
            "DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE at < ?1 LIMIT ?2)",
            before,
        )
        .await
    }

    async fn events(
        &self,
        tenant: TenantId,
        after: i64,
        limit: u64,
    ) -> StoreResult<Vec<StoredEvent>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.readers
            .read(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT tenant_seq, tenant_id, event FROM events
                         WHERE tenant_id = ?1 AND tenant_seq > ?2 ORDER BY tenant_seq LIMIT ?3",
                    )
                    .map_err(backend)?;
                let rows = stmt
                    .query_map(params![tenant.db_key(), after, limit], event_row)
                    .map_err(backend)?;
                rows.map(|r| {
                    let (seq, tenant, event) = r.map_err(backend)?;
                    Ok(StoredEvent {
                        seq,
                        tenant: TenantId::from_db(tenant),
                        event: from_text(&event)?,
                    })
                })
                .collect()
            })
            .await
    }

    async fn count_events(&self, tenant: TenantId, after: i64, cap: u64) -> StoreResult<u64> {
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        self.readers
            .read(move |c| {
                let n: i64 = c
                    .prepare_cached(
                        "SELECT count(*) FROM (SELECT 1 FROM events WHERE tenant_id = ?1 AND tenant_seq > ?2 LIMIT ?3)",
                    )
                    .map_err(backend)?
                    .query_row([tenant.db_key(), after, cap], |r| r.get(0))
                    .map_err(backend)?;
                Ok(u64::try_from(n).unwrap_or(0))
            })
            .await
    }

    async fn event_number_at(&self, tenant: TenantId, seq: i64) -> StoreResult<i64> {
        self.readers
            .read(move |c| {
                let n: Option<i64> = c
                    .prepare_cached(
                        "SELECT tenant_seq FROM events WHERE tenant_id = ?1 AND seq <= ?2 ORDER BY seq DESC LIMIT 1",
                    )
                    .map_err(backend)?
                    .query_row([tenant.db_key(), seq], |r| r.get(0))
                    .optional()
                    .map_err(backend)?;
                Ok(n.unwrap_or(0))
            })
            .await
    }

    async fn purge_events(&self, before: Timestamp) -> StoreResult<u64> {
        self.purge_in_chunks(
            "DELETE FROM events WHERE seq IN (SELECT e.seq FROM events e WHERE e.at < ?1
                AND e.seq <= coalesce(
                    (SELECT min(h.cursor) FROM webhooks h WHERE h.tenant_id = e.tenant_id AND h.disabled IS NULL),
                    9223372036854775807)
                AND e.seq NOT IN (SELECT event_seq FROM dead_letters) LIMIT ?2)",
            before,
        )
        .await
    }

    async fn create_webhook(&self, h: NewWebhook) -> StoreResult<Webhook> {
        let format = format_name(h.format)?;
        self.writer
            .write(move |c| {
                let cursor: i64 = c
                    .query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))
                    .map_err(backend)?;
                c.execute(
                    "INSERT INTO webhooks (tenant_id, url, secret, format, full, created, cursor, allow_private) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![h.tenant.db_key(), h.url, h.secret, format, h.full, h.created.unix_millis(), cursor, h.allow_private],
                )
                .map_err(backend)?;
                let id = c.last_insert_rowid();
                c.query_row(&format!("SELECT {} FROM webhooks h WHERE h.id = ?1", hook_columns()), [id], hook_row)
                    .map_err(backend)
                    .and_then(hook_of)
            })
            .await
    }

    async fn set_webhook_secret(&self, id: i64, old: &str, new: &str) -> StoreResult<bool> {
        let (old, new) = (old.to_string(), new.to_string());
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "UPDATE webhooks SET secret = ?1 WHERE id = ?2 AND secret = ?3",
                        params![new, id, old],
                    )
                    .map_err(backend)?;
                Ok(n > 0)
            })
            .await
    }

    async fn scrub_free_space(&self) -> StoreResult<()> {
        let path = self.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            let c = Connection::open(&path).map_err(backend)?;
            c.busy_timeout(std::time::Duration::from_secs(30))
                .map_err(backend)?;
            c.execute_batch("VACUUM").map_err(backend)?;
            c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .map_err(backend)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("vacuum: {e}")))?
    }

    async fn list_webhooks(&self, tenant: Option<TenantId>) -> StoreResult<Vec<Webhook>> {
        self.readers
            .read(move |c| {
                let sql = format!(
                    "SELECT {} FROM webhooks h WHERE ?1 IS NULL OR h.tenant_id = ?1 ORDER BY h.id",
                    hook_columns()
                );
                let mut stmt = c.prepare_cached(&sql).map_err(backend)?;
                let rows = stmt
                    .query_map([tenant.map(TenantId::db_key)], hook_row)
                    .map_err(backend)?;
                rows.map(|r| r.map_err(backend).and_then(hook_of)).collect()
            })
            .await
    }

    async fn delete_webhook(&self, tenant: TenantId, id: i64) -> StoreResult<bool> {
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "DELETE FROM webhooks WHERE tenant_id = ?1 AND id = ?2",
                        params![tenant.db_key(), id],
                    )
                    .map_err(backend)?;
                if n > 0 {
                    c.execute("DELETE FROM dead_letters WHERE webhook_id = ?1", [id])
                        .map_err(backend)?;
                }
                Ok(n > 0)
            })
            .await
    }

    async fn set_webhook_disabled(
        &self,
        tenant: TenantId,
        id: i64,
        at: Option<Timestamp>,
    ) -> StoreResult<bool> {
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "UPDATE webhooks SET disabled = ?1 WHERE tenant_id = ?2 AND id = ?3",
                        params![at.map(|t| t.unix_millis()), tenant.db_key(), id],
                    )
                    .map_err(backend)?;
                Ok(n > 0)
            })
            .await
    }

    async fn claim_webhook(
        &self,
        id: i64,
        owner: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> StoreResult<bool> {
        let owner = owner.to_string();
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "UPDATE webhooks SET lease_owner = ?1, lease_until = ?2
                         WHERE id = ?3 AND (lease_owner IS NULL OR lease_owner = ?1 OR lease_until <= ?4)",
                        params![owner, until.unix_millis(), id, now.unix_millis()],
                    )
                    .map_err(backend)?;
                Ok(n > 0)
            })
            .await
    }

    async fn save_delivery(&self, id: i64, owner: &str, p: DeliveryProgress) -> StoreResult<bool> {
        let owner = owner.to_string();
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "UPDATE webhooks SET cursor = max(cursor, coalesce(
                            (SELECT e.seq FROM events e WHERE e.tenant_id = webhooks.tenant_id AND e.tenant_seq <= ?1
                             ORDER BY e.tenant_seq DESC LIMIT 1), cursor)),
                            failures = ?2, last_error = ?3, next_attempt = ?4
                         WHERE id = ?5 AND lease_owner = ?6",
                        params![p.cursor, p.failures, p.last_error, p.next_attempt.map(|t| t.unix_millis()), id, owner],
                    )
                    .map_err(backend)?;
                Ok(n > 0)
            })
            .await
    }

    async fn dead_letter(&self, d: DeadLetter) -> StoreResult<()> {
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "INSERT OR REPLACE INTO dead_letters (webhook_id, event_seq, tenant_id, error, at, requeued)
                         SELECT h.id, e.seq, h.tenant_id, ?3, ?4, ?5 FROM webhooks h
                         JOIN events e ON e.tenant_id = h.tenant_id AND e.tenant_seq = ?2 WHERE h.id = ?1",
                        params![d.webhook, d.event_seq, d.error, d.at.unix_millis(), d.requeued],
                    )
                    .map_err(backend)?;
                if n == 0 {
                    return Err(StoreError::Backend(format!(
                        "no webhook {} or no event {} of its tenant",
                        d.webhook, d.event_seq
                    )));
                }
                Ok(())
            })
            .await
    }

    async fn dead_letters(&self, webhook: i64) -> StoreResult<Vec<DeadLetter>> {
        self.readers
            .read(move |c| {
                let mut stmt = c
                    .prepare_cached(
                        "SELECT e.tenant_seq, d.error, d.at, d.requeued FROM dead_letters d
                         JOIN events e ON e.seq = d.event_seq WHERE d.webhook_id = ?1 ORDER BY d.event_seq",
                    )
                    .map_err(backend)?;
                let rows = stmt
                    .query_map([webhook], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, bool>(3)?))
                    })
                    .map_err(backend)?;
                rows.map(|r| {
                    let (event_seq, error, at, requeued) = r.map_err(backend)?;
                    Ok(DeadLetter { webhook, event_seq, error, at: ts(at)?, requeued })
                })
                .collect()
            })
            .await
    }

    async fn requeue_dead_letters(
        &self,
        tenant: TenantId,
        webhook: i64,
        event_seq: Option<i64>,
    ) -> StoreResult<u64> {
        self.writer
            .write(move |c| {
                let n = c
                    .execute(
                        "UPDATE dead_letters SET requeued = 1 WHERE tenant_id = ?1 AND webhook_id = ?2 AND (?3 IS NULL OR event_seq =
                            (SELECT seq FROM events WHERE tenant_id = ?1 AND tenant_seq = ?3))",
                        params![tenant.db_key(), webhook, event_seq],
                    )
                    .map_err(backend)?;
                Ok(n as u64)
            })
            .await
    }

    async fn resolve_dead_letter(&self, webhook: i64, event_seq: i64) -> StoreResult<()> {
        self.writer
            .write(move |c| {
                c.execute(
                    "DELETE FROM dead_letters WHERE webhook_id = ?1 AND event_seq =
                        (SELECT e.seq FROM events e JOIN webhooks h ON h.tenant_id = e.tenant_id
                         WHERE h.id = ?1 AND e.tenant_seq = ?2)",
                    params![webhook, event_seq],
                )
                .map_err(backend)?;
                Ok(())
            })
            .await
    }
}
