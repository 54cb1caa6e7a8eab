//! List queries: the WHERE clause (tenant, kind, filter), the page with its
//! order, keyset position and limits, and the total. Cursors are those of
//! `scim_store::query::cursor` (`k<seq>` for the default order, `o<offset>`
//! for a sorted listing), the same as SQLite's, so that whichever replica
//! receives the next request continues the listing.

use crate::db::Fail;
use crate::exec::{binds, refs};
use crate::rows;
use deadpool_postgres::GenericClient;
use scim_store::query::cursor::{self, Position};
use scim_store::{Page, PageRequest, Query, ResourceKind, StoreError};
use scim_store_sql::dialect::POSTGRES;
use scim_store_sql::query::{count_statement, page_statement, where_clause};

/// Runs a list query.
pub async fn run(
    c: &impl GenericClient,
    tenant: i64,
    kind: ResourceKind,
    q: &Query,
) -> Result<Page, Fail> {
    let filter = where_clause(&POSTGRES, tenant, kind, q.filter.as_ref());
    let (offset, after_seq, keyset) = match &q.page {
        PageRequest::Offset(o) => (*o, None, false),
        PageRequest::Cursor(None) => (0, None, q.sort.is_none()),
        PageRequest::Cursor(Some(c)) => match cursor::decode(c)? {
            Position::AfterSeq(s) if q.sort.is_none() => (0, Some(s), true),
            Position::Offset(o) if q.sort.is_some() => (o, None, false),
            _ => {
                return Err(Fail::Store(StoreError::InvalidCursor(
                    "the cursor belongs to a listing with another order".into(),
                )))
            }
        },
    };
    let sql = page_statement(
        &POSTGRES,
        &filter,
        q.sort.as_ref(),
        after_seq,
        q.limit.saturating_add(1),
        offset,
    );
    let binds = binds(&filter.params);
    let args = refs(&binds);
    let rows = c.query(sql.as_str(), &args).await?;
    let mut records = Vec::new();
    let mut last_seq = None;
    let mut more = false;
    for row in &rows {
        if records.len() as u64 == q.limit {
            more = true;
            break;
        }
        let (seq, mut r) = rows::record(row)?;
        rows::complete(c, seq, &mut r, q.load).await?;
        records.push(r);
        last_seq = Some(seq);
    }
    let next_cursor = match (&q.page, more) {
        (PageRequest::Cursor(_), true) if keyset => {
            last_seq.map(|s| cursor::encode(Position::AfterSeq(s)))
        }
        (PageRequest::Cursor(_), true) => Some(cursor::encode(Position::Offset(
            offset + records.len() as u64,
        ))),
        _ => None,
    };
    // A page that ends the listing tells the total without counting.
    let from_start = offset == 0 && after_seq.is_none();
    let total = if !more && (from_start || !records.is_empty()) && after_seq.is_none() {
        offset + records.len() as u64
    } else {
        let count = count_statement(&filter);
        let n: i64 = c.query_one(count.as_str(), &args).await?.try_get(0)?;
        u64::try_from(n).unwrap_or(0)
    };
    Ok(Page {
        records,
        total,
        next_cursor,
    })
}
