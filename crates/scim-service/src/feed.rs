//! The change feed: `GET /scim/v2/Events` returns a tenant's change events
//! as RFC 9967 SETs, oldest first, with a resumable cursor, for
//! applications that cannot receive webhooks (`docs/events.md`). A
//! plain JSON feed (RFC 8936's poll protocol needs per-receiver
//! acknowledgement state; a cursor gives the same guarantees statelessly):
//!
//! ```json
//! {"events": [SET, …], "cursor": "n42", "moreAvailable": false}
//! ```
//!
//! Pass `cursor` back to continue exactly after the last event returned;
//! without one the feed starts at the oldest event kept. Any replica can
//! serve any page. A cursor is `n` and the number of the tenant's last
//! event returned, so it says nothing about other tenants; the `e<seq>`
//! cursors of earlier releases (store-wide sequence numbers) still resume
//! where they left off.

use crate::scim::Scim;
use crate::set::security_event;
use scim_core::{ScimError, ScimResult};
use serde_json::{json, Value};

/// Events per page unless asked otherwise, and the most per page.
pub const DEFAULT_COUNT: u64 = 100;
pub const MAX_COUNT: u64 = 1000;

/// A cursor: the tenant's event number it continues after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cursor {
    After(i64),
    /// An `e<seq>` cursor of an earlier release.
    AfterSeq(i64),
}

fn parse_cursor(c: &str) -> ScimResult<Cursor> {
    let number = |s: &str| s.parse::<i64>().ok().filter(|n| *n >= 0);
    let parsed = match c.split_at_checked(1) {
        Some(("n", n)) => number(n).map(Cursor::After),
        Some(("e", n)) => number(n).map(Cursor::AfterSeq),
        _ => None,
    };
    parsed
        .ok_or_else(|| ScimError::InvalidCursor(format!("{c:?} is not a cursor this feed issued")))
}

impl Scim<'_> {
    /// A page of the principal's tenant's change feed.
    pub async fn feed(&self, pairs: &[(String, String)]) -> ScimResult<Value> {
        let (who, ctx) = (self.who, self.ctx);
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.as_str())
        };
        let after = match get("cursor").filter(|c| !c.is_empty()).map(parse_cursor) {
            None => 0,
            Some(Err(e)) => return Err(e),
            Some(Ok(Cursor::After(n))) => n,
            Some(Ok(Cursor::AfterSeq(seq))) => {
                self.core.store.event_number_at(who.tenant(), seq).await?
            }
        };
        let count = match get("count") {
            None => DEFAULT_COUNT,
            Some(c) => c
                .parse::<u64>()
                .map_err(|_| ScimError::InvalidValue(format!("count must be a number, not {c:?}")))?
                .min(MAX_COUNT),
        };
        let full = match get("form") {
            None | Some("full") => true,
            Some("notice") => false,
            Some(f) => {
                return Err(ScimError::InvalidValue(format!(
                    "form must be full or notice, not {f:?}"
                )))
            }
        };
        let mut events = self
            .core
            .store
            .events(who.tenant(), after, count.saturating_add(1))
            .await?;
        let more = events.len() as u64 > count;
        events.truncate(usize::try_from(count).unwrap_or(usize::MAX));
        let cursor = events.last().map_or(after, |e| e.seq);
        let audience = format!("{}/Events", ctx.base_url.trim_end_matches('/'));
        let sets: Vec<Value> = events
            .iter()
            .map(|e| security_event(e, &ctx.base_url, &audience, full))
            .collect();
        Ok(json!({
            "events": sets,
            "cursor": format!("n{cursor}"),
            "moreAvailable": more,
        }))
    }
}
