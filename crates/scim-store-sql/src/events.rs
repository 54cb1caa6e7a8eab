//! The audit log, the event outbox and webhook delivery state: the
//! `EventStore` half of the store (docs/events.md), beside the writes of
//! [`crate::journal`]. Delivery leases (`claim_webhook`) are single-row
//! conditional updates, so one replica delivers each webhook.
//!
//! What a tenant sees of the outbox is its events' numbers (`tenant_seq`,
//! given in [`crate::journal`] or [`crate::sequencer`]). A webhook's
//! cursor is such a number (`webhooks.position`). Releases before
//! migration 18 kept it as an event's store-wide `seq` (`webhooks.cursor`,
//! still written for a webhook created here and still read by replicas
//! of those releases during a rolling upgrade); where `position` is NULL
//! (a webhook such a replica created) the cursor reads as the number of
//! the tenant's last event at or before that `seq` ([`hook_cursor`]),
//! which is exact because both grew together until then. Dead letters
//! name their event by its `seq`, which the store translates through the
//! unique `(tenant_id, tenant_seq)`.

use crate::dialect::{Dialect, Sql};
use crate::exec::{Exec, Fail, Param, Row, Stmt};
use crate::rows::{opt_ts, ts};
use crate::stmt;
use scim_core::timestamp::Timestamp;
use scim_store::policy::{from_text, to_text};
use scim_store::*;

/// Rows one purge statement deletes at most: a long backlog is removed in
/// many short write transactions, so that writes queued behind it (the
/// IdPs') never wait on one huge delete.
pub const PURGE_CHUNK: i64 = 5_000;

/// Deletes audit entries older than `$1`, at most `$2` of them.
pub const PURGE_AUDIT: &str =
    "DELETE FROM audit WHERE seq IN (SELECT seq FROM audit WHERE at < $1 LIMIT $2)";

/// Deletes numbered events older than `$1` that every enabled webhook of
/// their tenant has passed and no dead letter names, at most `$2` of them.
pub fn purge_events_sql() -> String {
    format!(
        "DELETE FROM events WHERE seq IN (SELECT e.seq FROM events e WHERE e.at < $1
        AND e.tenant_seq <= coalesce(
            (SELECT min({}) FROM webhooks h WHERE h.tenant_id = e.tenant_id AND h.disabled IS NULL),
            9223372036854775807)
        AND e.seq NOT IN (SELECT event_seq FROM dead_letters) LIMIT $2)",
        hook_cursor("h")
    )
}

/// One chunk of a purge (`sql`: [`PURGE_AUDIT`] or [`purge_events_sql`]).
pub async fn purge_chunk(x: &mut dyn Exec, sql: &str, before: Timestamp) -> Result<u64, Fail> {
    x.execute(&stmt!(sql, before.unix_millis(), PURGE_CHUNK))
        .await
}

/// A tenant's audit entries matching a query, newest first.
pub async fn audit(
    x: &mut dyn Exec,
    tenant: TenantId,
    q: &AuditQuery,
) -> Result<Vec<AuditRecord>, Fail> {
    let mut sql = Sql::default();
    sql.push("SELECT seq, tenant_id, entry, sent FROM audit WHERE tenant_id = ");
    sql.param(Param::Int(tenant.db_key()));
    if let Some((kind, id)) = &q.resource {
        sql.push(" AND resource_id = ");
        sql.param(Param::from(id.clone()));
        sql.push(" AND resource_kind = ");
        sql.param(Param::from(kind.name()));
    }
    if let Some(conn) = q.connection {
        sql.push(" AND connection_id = ");
        sql.param(Param::Int(conn.db_key()));
    }
    if let Some(t) = q.since {
        sql.push(" AND at >= ");
        sql.param(Param::Int(t.unix_millis()));
    }
    if let Some(t) = q.until {
        sql.push(" AND at < ");
        sql.param(Param::Int(t.unix_millis()));
    }
    match q.succeeded {
        Some(true) => sql.push(" AND status BETWEEN 200 AND 299"),
        Some(false) => sql.push(" AND status NOT BETWEEN 200 AND 299"),
        None => {}
    }
    if let Some(b) = q.before_seq {
        sql.push(" AND seq < ");
        sql.param(Param::Int(b));
    }
    let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
    sql.push(&format!(" ORDER BY seq DESC LIMIT {limit}"));
    x.all(&Stmt::once(sql.text, sql.params), |r| {
        let mut entry: AuditEntry = from_text(r.str(2)?)?;
        entry.set_sent_text(r.opt_string(3)?);
        Ok(AuditRecord {
            seq: r.int(0)?,
            tenant: TenantId::from_db(r.int(1)?),
            entry,
        })
    })
    .await
}

/// A tenant's events numbered after `after`, oldest first.
pub async fn events(
    x: &mut dyn Exec,
    tenant: TenantId,
    after: i64,
    limit: u64,
) -> Result<Vec<StoredEvent>, Fail> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let sql = "SELECT tenant_seq, tenant_id, event FROM events
         WHERE tenant_id = $1 AND tenant_seq > $2 ORDER BY tenant_seq LIMIT $3";
    x.all(&stmt!(sql, tenant.db_key(), after, limit), |r| {
        Ok(StoredEvent {
            seq: r.int(0)?,
            tenant: TenantId::from_db(r.int(1)?),
            event: from_text(r.str(2)?)?,
        })
    })
    .await
}

/// How many events of a tenant come after number `after`, counting at
/// most `cap`.
pub async fn count_events(
    x: &mut dyn Exec,
    tenant: TenantId,
    after: i64,
    cap: u64,
) -> Result<u64, Fail> {
    let cap = i64::try_from(cap).unwrap_or(i64::MAX);
    let sql = "SELECT count(*) FROM (SELECT 1 FROM events WHERE tenant_id = $1 AND tenant_seq > $2 LIMIT $3) x";
    x.count(&stmt!(sql, tenant.db_key(), after, cap)).await
}

/// The number of the tenant's last event at store-wide `seq` or before
/// (0 if none).
pub async fn event_number_at(x: &mut dyn Exec, tenant: TenantId, seq: i64) -> Result<i64, Fail> {
    let sql = "SELECT tenant_seq FROM events WHERE tenant_id = $1 AND seq <= $2 AND tenant_seq IS NOT NULL ORDER BY seq DESC LIMIT 1";
    let n = x
        .opt(&stmt!(sql, tenant.db_key(), seq), |r| r.int(0))
        .await?;
    Ok(n.unwrap_or(0))
}

/// The cursor of the webhook row `h` as its tenant's event number: its
/// `position`; without one (a webhook a replica of a release before
/// migration 18 created or last moved), its `cursor` (a `seq`) as the
/// number of the tenant's last event at or before it; when retention
/// removed those, the number before the first event kept (all of which
/// are after it); with no event kept, the tenant's last number.
pub fn hook_cursor(h: &str) -> String {
    format!(
        "coalesce({h}.position,
    (SELECT e.tenant_seq FROM events e WHERE e.tenant_id = {h}.tenant_id AND e.seq <= {h}.cursor AND e.tenant_seq IS NOT NULL ORDER BY e.seq DESC LIMIT 1),
    (SELECT min(e.tenant_seq) - 1 FROM events e WHERE e.tenant_id = {h}.tenant_id),
    (SELECT c.last FROM event_counters c WHERE c.tenant_id = {h}.tenant_id),
    0)"
    )
}

/// The columns of the webhook `h`: its cursor as its tenant's event
/// number, its dead letters counted.
fn hook(d: &dyn Dialect) -> String {
    format!(
        "h.id, h.tenant_id, h.url, h.secret, h.format, h.{}, h.created, {}, h.failures, h.last_error, h.next_attempt, (SELECT count(*) FROM dead_letters d WHERE d.webhook_id = h.id), h.allow_private, h.disabled",
        d.webhook_full(),
        hook_cursor("h")
    )
}

fn hook_of(r: &dyn Row) -> Result<Webhook, Fail> {
    Ok(Webhook {
        id: r.int(0)?,
        tenant: TenantId::from_db(r.int(1)?),
        url: r.string(2)?,
        secret: r.string(3)?,
        format: from_text(&format!("{:?}", r.str(4)?))?,
        full: r.bool(5)?,
        created: ts(r.int(6)?)?,
        cursor: r.int(7)?,
        failures: u32::try_from(r.int(8)?).unwrap_or(u32::MAX),
        last_error: r.opt_string(9)?,
        next_attempt: opt_ts(r.opt_int(10)?)?,
        dead: u64::try_from(r.int(11)?).unwrap_or(0),
        allow_private: r.bool(12)?,
        disabled: opt_ts(r.opt_int(13)?)?,
    })
}

/// Adds a webhook; its cursor starts at the tenant's newest numbered
/// event (`cursor`, for replicas of earlier releases: the newest `seq`).
pub async fn create_webhook(x: &mut dyn Exec, h: &NewWebhook) -> Result<Webhook, Fail> {
    let format = to_text(&h.format)?.trim_matches('"').to_string();
    let d = x.dialect();
    let insert = format!(
        "INSERT INTO webhooks (tenant_id, url, secret, format, {}, created, cursor, position, allow_private)
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT coalesce(max(seq), 0) FROM events),
            coalesce((SELECT last FROM event_counters WHERE tenant_id = $1), 0), $7)",
        d.webhook_full()
    );
    let params = vec![
        h.tenant.db_key().into(),
        h.url.as_str().into(),
        h.secret.as_str().into(),
        format.into(),
        h.full.into(),
        h.created.unix_millis().into(),
        h.allow_private.into(),
    ];
    if d.dml_in_with() {
        let sql = format!("WITH h AS ({insert} RETURNING *) SELECT {} FROM h", hook(d));
        return x.one(&Stmt::new(sql, params), hook_of).await;
    }
    let id = x
        .insert(&Stmt::new(format!("{insert}{}", d.returning("id")), params))
        .await?;
    let sql = format!("SELECT {} FROM webhooks h WHERE h.id = $1", hook(d));
    x.one(&stmt!(sql, id), hook_of).await
}

/// Replaces a webhook's secret if it still is `old`.
pub async fn set_webhook_secret(
    x: &mut dyn Exec,
    id: i64,
    old: &str,
    new: &str,
) -> Result<bool, Fail> {
    let sql = "UPDATE webhooks SET secret = $1 WHERE id = $2 AND secret = $3";
    Ok(x.execute(&stmt!(sql, new, id, old)).await? > 0)
}

/// A tenant's webhooks (every tenant's with `None`).
pub async fn list_webhooks(
    x: &mut dyn Exec,
    tenant: Option<TenantId>,
) -> Result<Vec<Webhook>, Fail> {
    let sql = format!(
        "SELECT {} FROM webhooks h WHERE CAST($1 AS bigint) IS NULL OR h.tenant_id = $1 ORDER BY h.id",
        hook(x.dialect())
    );
    x.all(&stmt!(sql, tenant.map(TenantId::db_key)), hook_of)
        .await
}

/// Deletes a webhook of the tenant and its dead letters.
pub async fn delete_webhook(x: &mut dyn Exec, tenant: TenantId, id: i64) -> Result<bool, Fail> {
    let (t, h) = (tenant.db_key(), id);
    let letters = "DELETE FROM dead_letters WHERE webhook_id IN (SELECT id FROM webhooks WHERE tenant_id = $1 AND id = $2)";
    let hook = "DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2";
    if x.dialect().dml_in_with() {
        let sql = format!("WITH d AS ({letters}) {hook}");
        return Ok(x.execute(&stmt!(sql, t, h)).await? > 0);
    }
    x.execute(&stmt!(letters, t, h)).await?;
    Ok(x.execute(&stmt!(hook, t, h)).await? > 0)
}

/// Disables a webhook of the tenant since `at` (`None`: enables it);
/// whether the tenant has it.
pub async fn set_webhook_disabled(
    x: &mut dyn Exec,
    tenant: TenantId,
    id: i64,
    at: Option<Timestamp>,
) -> Result<bool, Fail> {
    let sql = "UPDATE webhooks SET disabled = $1 WHERE tenant_id = $2 AND id = $3";
    let s = stmt!(sql, at.map(Timestamp::unix_millis), tenant.db_key(), id);
    Ok(x.execute(&s).await? > 0)
}

/// Takes a webhook's delivery lease unless another owner holds one.
pub async fn claim_webhook(
    x: &mut dyn Exec,
    id: i64,
    owner: &str,
    until: Timestamp,
    now: Timestamp,
) -> Result<bool, Fail> {
    let sql = "UPDATE webhooks SET lease_owner = $1, lease_until = $2
         WHERE id = $3 AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until <= $4)";
    let s = stmt!(sql, owner, until.unix_millis(), id, now.unix_millis());
    Ok(x.execute(&s).await? > 0)
}

/// Saves delivery progress if `owner` still holds the lease. The cursor
/// (a number of the tenant's events) never moves back.
pub async fn save_delivery(
    x: &mut dyn Exec,
    id: i64,
    owner: &str,
    p: &DeliveryProgress,
) -> Result<bool, Fail> {
    let now = hook_cursor("webhooks");
    let sql = format!(
        "UPDATE webhooks SET position = CASE WHEN $1 > {now} THEN $1 ELSE {now} END,
            failures = $2, last_error = $3, next_attempt = $4
         WHERE id = $5 AND lease_owner = $6"
    );
    let s = stmt!(
        sql,
        p.cursor,
        i64::from(p.failures),
        p.last_error.as_deref(),
        p.next_attempt.map(Timestamp::unix_millis),
        id,
        owner
    );
    Ok(x.execute(&s).await? > 0)
}

/// Records (or records again) a dead letter of the tenant's event number
/// `d.event_seq`.
pub async fn dead_letter(x: &mut dyn Exec, d: &DeadLetter) -> Result<(), Fail> {
    let sql = "INSERT INTO dead_letters (webhook_id, event_seq, tenant_id, error, at, requeued)
         SELECT h.id, e.seq, h.tenant_id, $3, $4, $5 FROM webhooks h
         JOIN events e ON e.tenant_id = h.tenant_id AND e.tenant_seq = $2 WHERE h.id = $1
         ON CONFLICT (webhook_id, event_seq) DO UPDATE SET
            tenant_id = excluded.tenant_id, error = excluded.error,
            at = excluded.at, requeued = excluded.requeued";
    let s = stmt!(
        sql,
        d.webhook,
        d.event_seq,
        d.error.as_str(),
        d.at.unix_millis(),
        d.requeued
    );
    if x.execute(&s).await? == 0 {
        let (w, e) = (d.webhook, d.event_seq);
        let why = format!("no webhook {w} or no event {e} of its tenant");
        return Err(StoreError::Backend(why).into());
    }
    Ok(())
}

/// A webhook's dead letters, by their events' numbers.
pub async fn dead_letters(x: &mut dyn Exec, webhook: i64) -> Result<Vec<DeadLetter>, Fail> {
    let sql = "SELECT e.tenant_seq, d.error, d.at, d.requeued FROM dead_letters d
         JOIN events e ON e.seq = d.event_seq WHERE d.webhook_id = $1 ORDER BY d.event_seq";
    x.all(&stmt!(sql, webhook), |r| {
        Ok(DeadLetter {
            webhook,
            event_seq: r.int(0)?,
            error: r.string(1)?,
            at: ts(r.int(2)?)?,
            requeued: r.bool(3)?,
        })
    })
    .await
}

/// Marks a webhook's dead letter (all of them with `None`) for redelivery.
pub async fn requeue_dead_letters(
    x: &mut dyn Exec,
    tenant: TenantId,
    webhook: i64,
    event_seq: Option<i64>,
) -> Result<u64, Fail> {
    let sql = "UPDATE dead_letters SET requeued = TRUE
         WHERE tenant_id = $1 AND webhook_id = $2 AND (CAST($3 AS bigint) IS NULL OR event_seq =
            (SELECT seq FROM events WHERE tenant_id = $1 AND tenant_seq = $3))";
    x.execute(&stmt!(sql, tenant.db_key(), webhook, event_seq))
        .await
}

/// Removes a dead letter once redelivered.
pub async fn resolve_dead_letter(
    x: &mut dyn Exec,
    webhook: i64,
    event_seq: i64,
) -> Result<(), Fail> {
    let sql = "DELETE FROM dead_letters WHERE webhook_id = $1 AND event_seq =
            (SELECT e.seq FROM events e JOIN webhooks h ON h.tenant_id = e.tenant_id
             WHERE h.id = $1 AND e.tenant_seq = $2)";
    x.execute(&stmt!(sql, webhook, event_seq)).await.map(|_| ())
}
