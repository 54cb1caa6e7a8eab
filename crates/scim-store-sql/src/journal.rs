//! Writing a journal (audit entry and events) in the transaction of the
//! write it records: the audit entry always, the events only when the
//! write changed something, and one `membership` entry on the timeline of
//! each member a group write added or removed.
//!
//! Events are numbered per tenant (`tenant_seq`: 1, 2, 3 …). SQLite's one
//! writer numbers them here, from `event_counters`, in commit order.
//! Where writers commit in parallel (PostgreSQL) they insert their events
//! unnumbered and take no lock for them: each row records its
//! transaction's id, and [`crate::sequencer`] numbers the events once
//! every transaction that could still come before them has ended.

use crate::exec::{Exec, Fail, Param};
use crate::stmt;
use scim_store::policy::to_text;
use scim_store::{AuditEntry, ChangeEvent, Journal, MemberDeltas, PreparedJournal};

/// Writes one audit entry from its stored texts (see
/// [`AuditEntry::stored_texts`]).
pub async fn write_audit_texts(
    x: &mut dyn Exec,
    tenant: i64,
    e: &AuditEntry,
    entry: &str,
    sent: Option<&str>,
) -> Result<(), Fail> {
    let sql = "INSERT INTO audit (tenant_id, at, connection_id, status, resource_kind, resource_id, entry, sent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    let s = stmt!(
        sql,
        tenant,
        e.at,
        e.connection,
        e.status,
        e.resource_type.as_deref(),
        e.resource_id.as_deref(),
        entry,
        sent
    );
    x.execute(&s).await.map(|_| ())
}

/// Writes one audit entry.
pub async fn write_audit(x: &mut dyn Exec, tenant: i64, e: &AuditEntry) -> Result<(), Fail> {
    let (entry, sent) = e.stored_texts()?;
    write_audit_texts(x, tenant, e, &entry, sent.as_deref()).await
}

/// Inserts events (their times and JSON texts), in their order.
async fn write_events(
    x: &mut dyn Exec,
    tenant: i64,
    events: &[ChangeEvent],
    texts: &[String],
) -> Result<(), Fail> {
    if events.is_empty() {
        return Ok(());
    }
    if x.dialect().arrays() {
        let sql = "INSERT INTO events (tenant_id, at, event)
             SELECT $1, t.at, t.event
             FROM unnest($2::bigint[], $3::text[]) WITH ORDINALITY AS t(at, event, n)
             ORDER BY t.n";
        let at = Param::Ints(events.iter().map(|e| e.at).collect());
        let text = Param::Texts(texts.iter().map(String::as_str).collect());
        let s = crate::Stmt::new(sql, vec![tenant.into(), at, text]);
        x.execute(&s).await?;
    } else {
        // Numbered here (where a trigger does not): the one writer takes
        // the tenant's next numbers in commit order.
        let count = events.len() as i64;
        let counter = "INSERT INTO event_counters (tenant_id, last) VALUES ($1, $2)
             ON CONFLICT (tenant_id) DO UPDATE SET last = last + $2 RETURNING last";
        let last = x.one(&stmt!(counter, tenant, count), |r| r.int(0)).await?;
        let sql = "INSERT INTO events (tenant_id, at, event, tenant_seq) VALUES ($1, $2, $3, $4)";
        for ((e, text), n) in events.iter().zip(texts).zip(last - count + 1..) {
            x.execute(&stmt!(sql, tenant, e.at, text, n)).await?;
        }
    }
    Ok(())
}

/// Writes a journal encoded beforehand: the audit entry always, the events
/// when `changed`.
pub async fn write_prepared(
    x: &mut dyn Exec,
    tenant: i64,
    j: &PreparedJournal,
    changed: bool,
) -> Result<(), Fail> {
    if let (Some(e), Some((entry, sent))) = (j.entry(), &j.audit) {
        write_audit_texts(x, tenant, e, entry, sent.as_deref()).await?;
    }
    if changed {
        write_events(x, tenant, &j.journal.events, &j.events).await?;
    }
    Ok(())
}

/// Writes a journal, encoding it here (writes whose rows are only known
/// inside the transaction: a purge, a tripped breaker).
pub async fn write_journal(
    x: &mut dyn Exec,
    tenant: i64,
    journal: &Journal,
    changed: bool,
) -> Result<(), Fail> {
    if let Some(e) = &journal.audit {
        write_audit(x, tenant, e).await?;
    }
    if changed {
        let texts = journal
            .events
            .iter()
            .map(to_text)
            .collect::<Result<Vec<String>, _>>()?;
        write_events(x, tenant, &journal.events, &texts).await?;
    }
    Ok(())
}

/// Writes the `membership` entries of a group write on its members'
/// timelines (none without the group's audit entry).
pub async fn write_member_entries(
    x: &mut dyn Exec,
    tenant: i64,
    deltas: &MemberDeltas,
    group: Option<&AuditEntry>,
    display: Option<&str>,
) -> Result<(), Fail> {
    let Some(group) = group else { return Ok(()) };
    for d in deltas.iter() {
        write_audit(x, tenant, &group.for_member(&d, display)).await?;
    }
    Ok(())
}
