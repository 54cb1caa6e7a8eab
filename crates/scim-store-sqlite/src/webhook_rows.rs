//! Webhook rows of SQLite's event store: the columns read (with the
//! cursor translated into the tenant's event number) and their decoding.

use crate::{opt_ts, ts};
use rusqlite::Row;
use scim_store::policy::{from_text, to_text};
use scim_store::*;

/// A webhook's cursor (a `seq`) as its tenant's event number: that of the
/// tenant's last event at or before it; when retention removed those, the
/// number before the first event kept (all of which are after it); with
/// no event kept, the tenant's last number.
pub(crate) const HOOK_CURSOR: &str = "coalesce(
    (SELECT e.tenant_seq FROM events e WHERE e.tenant_id = h.tenant_id AND e.seq <= h.cursor ORDER BY e.seq DESC LIMIT 1),
    (SELECT min(e.tenant_seq) - 1 FROM events e WHERE e.tenant_id = h.tenant_id),
    (SELECT c.last FROM event_counters c WHERE c.tenant_id = h.tenant_id),
    0)";

pub(crate) fn hook_columns() -> String {
    format!("h.id, h.tenant_id, h.url, h.secret, h.format, h.full, h.created, {HOOK_CURSOR}, h.failures, h.last_error, h.next_attempt, (SELECT count(*) FROM dead_letters d WHERE d.webhook_id = h.id), h.allow_private, h.disabled")
}

pub(crate) type HookRow = (
    i64,
    i64,
    String,
    String,
    String,
    bool,
    i64,
    i64,
    i64,
    Option<String>,
    Option<i64>,
    i64,
    bool,
    Option<i64>,
);

pub(crate) fn hook_row(r: &Row<'_>) -> rusqlite::Result<HookRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
        r.get(11)?,
        r.get(12)?,
        r.get(13)?,
    ))
}

pub(crate) fn hook_of(h: HookRow) -> StoreResult<Webhook> {
    let (
        id,
        tenant,
        url,
        secret,
        format,
        full,
        created,
        cursor,
        failures,
        last_error,
        next,
        dead,
        allow_private,
        disabled,
    ) = h;
    Ok(Webhook {
        id,
        tenant: TenantId::from_db(tenant),
        url,
        secret,
        format: from_text(&format!("{format:?}"))?,
        full,
        created: ts(created)?,
        cursor,
        failures: u32::try_from(failures).unwrap_or(u32::MAX),
        last_error,
        next_attempt: opt_ts(next)?,
        dead: u64::try_from(dead).unwrap_or(0),
        allow_private,
        disabled: opt_ts(disabled)?,
    })
}

pub(crate) fn format_name(f: WebhookFormat) -> StoreResult<String> {
    Ok(to_text(&f)?.trim_matches('"').to_string())
}
