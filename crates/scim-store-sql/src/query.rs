//! List queries: the WHERE clause (tenant, kind, filter), the page with
//! its order, keyset position and limits, the total, and running them.
//! Cursors are those of `scim_store::query::cursor` (`k<seq>` for the
//! default order, `o<offset>` for a sorted listing), so that whichever
//! replica receives the next request continues the listing. Positions and limits are written into the text as integer
//! literals: SQLite (built with STAT4) prepares a statement again on every
//! execution when LIMIT, OFFSET or a rowid range are parameters, which
//! costs more than the query.

use crate::dialect::{Dialect, Sql};
use crate::exec::{Exec, Fail, Param, Stmt};
use crate::filter::condition;
use crate::sort::order_by;
use crate::{rows, stmt};
use scim_core::filter::Lowered;
use scim_core::sort::SortSpec;
use scim_store::index::driven_by_index;
use scim_store::query::cursor::{self, Position};
use scim_store::query::Budget;
use scim_store::{Page, PageRequest, Query, ResourceKind, StoreError};

/// `WHERE` text and parameters selecting the resources a query may return.
///
/// With an index lookup in the filter, the tenant and kind are compared as
/// expressions no index serves ([`Dialect::unindexed`]), so that the plan
/// starts from `idx` rather than from the tenant's listing.
pub fn where_clause(
    d: &dyn Dialect,
    tenant: i64,
    kind: ResourceKind,
    filter: Option<&Lowered>,
) -> Sql {
    let mut sql = Sql::default();
    let (t, k) = if filter.is_some_and(|f| driven_by_index(f, kind)) {
        (d.unindexed("r.tenant_id"), d.unindexed("r.kind"))
    } else {
        ("r.tenant_id".to_string(), "r.kind".to_string())
    };
    sql.push(&format!("{t} = "));
    sql.param(Param::Int(tenant));
    sql.push(&format!(" AND {k} = {}", kind.code()));
    if let Some(f) = filter {
        sql.push(" AND ");
        condition(d, f, kind, tenant, &mut sql);
    }
    sql
}

/// The page statement: after `after_seq` (keyset, only without a sort),
/// `limit` rows from `offset`.
pub fn page_statement(
    d: &dyn Dialect,
    w: &Sql,
    sort: Option<&SortSpec>,
    after_seq: Option<i64>,
    limit: u64,
    offset: u64,
) -> String {
    let mut text = w.text.clone();
    if let Some(s) = after_seq {
        text.push_str(&format!(" AND r.seq > {s}"));
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    format!(
        "SELECT {} FROM resources r WHERE {text} {} LIMIT {limit} OFFSET {offset}",
        d.record_columns(),
        order_by(d, sort)
    )
}

/// `SELECT count(*)` over the clause.
pub fn count_statement(w: &Sql) -> String {
    format!("SELECT count(*) FROM resources r WHERE {}", w.text)
}

/// Where a list query starts: an offset, a keyset position, and whether
/// its next cursor is a keyset position (the default order).
fn position(q: &Query) -> Result<(u64, Option<i64>, bool), StoreError> {
    Ok(match &q.page {
        PageRequest::Offset(o) => (*o, None, false),
        PageRequest::Cursor(None) => (0, None, q.sort.is_none()),
        PageRequest::Cursor(Some(c)) => match cursor::decode(c)? {
            Position::AfterSeq(s) if q.sort.is_none() => (0, Some(s), true),
            Position::Offset(o) if q.sort.is_some() => (o, None, false),
            _ => {
                return Err(StoreError::InvalidCursor(
                    "the cursor belongs to a listing with another order".into(),
                ))
            }
        },
    })
}

/// Runs a list query: one page, its cursor and the total.
pub async fn run(
    x: &mut dyn Exec,
    tenant: i64,
    kind: ResourceKind,
    q: &Query,
) -> Result<Page, Fail> {
    let d = x.dialect();
    let mut filter = where_clause(d, tenant, kind, q.filter.as_ref());
    let (offset, after_seq, keyset) = position(q)?;
    let limit = q.limit.saturating_add(1);
    let sql = page_statement(d, &filter, q.sort.as_ref(), after_seq, limit, offset);
    // Rows stream in, so a page that reaches its byte budget stops reading.
    // Members and groups load after the rows are read, each record charged
    // again with them: the page ends after the record that spends the
    // budget (always at least one, so paging advances).
    let mut page = Vec::new();
    let mut more = false;
    let mut budget = Budget::new(q.max_bytes);
    // A first page's text repeats (an IdP's lookups); a later page's
    // offset or position is its own.
    let params = std::mem::take(&mut filter.params);
    let s = if offset == 0 && after_seq.is_none() {
        Stmt::once(sql, params)
    } else {
        Stmt::one_use(sql, params)
    };
    x.each(&s, &mut |r| {
        if page.len() as u64 == q.limit || !budget.open() {
            more = true;
            return Ok(false);
        }
        let (seq, record) = rows::record(r)?;
        budget.charge(&record);
        page.push((seq, record));
        Ok(true)
    })
    .await?;
    let mut budget = Budget::new(q.max_bytes);
    let mut records = Vec::with_capacity(page.len());
    let mut last_seq = None;
    for (seq, mut r) in page {
        if !budget.open() {
            more = true;
            break;
        }
        rows::complete(x, seq, &mut r, q.load).await?;
        budget.charge(&r);
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
    // A page that ends the listing tells the total without counting (the
    // common case of an IdP lookup: zero or one match from the start).
    let from_start = offset == 0 && after_seq.is_none();
    let total = if !more && (from_start || !records.is_empty()) && after_seq.is_none() {
        offset + records.len() as u64
    } else if q.filter.is_none() {
        x.count(&stmt!(d.total(kind.code()), tenant)).await?
    } else {
        // Rare (a page that does not end the listing): the clause again.
        let filter = where_clause(d, tenant, kind, q.filter.as_ref());
        x.count(&Stmt::once(count_statement(&filter), filter.params))
            .await?
    };
    Ok(Page {
        records,
        total,
        next_cursor,
    })
}

/// How many resources of a kind a tenant holds (active ones only when
/// `active_only`).
/// Whether the tenant holds a local (unmanaged) resource of `kind`: one
/// probe of the partial index `resources_local` (migration 12).
pub async fn any_local(x: &mut dyn Exec, tenant: i64, kind: ResourceKind) -> Result<bool, Fail> {
    let sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM resources WHERE tenant_id = $1 AND kind = {} AND {} LIMIT 1) AS l",
        kind.code(),
        x.dialect().local_resource()
    );
    Ok(x.count(&stmt!(sql, tenant)).await? > 0)
}

pub async fn count(
    x: &mut dyn Exec,
    tenant: i64,
    kind: ResourceKind,
    active_only: bool,
) -> Result<u64, Fail> {
    let sql = format!(
        "SELECT count(*) FROM resources WHERE tenant_id = $1 AND kind = {}{}",
        kind.code(),
        if active_only {
            " AND active = TRUE"
        } else {
            ""
        }
    );
    x.count(&stmt!(sql, tenant)).await
}
