//! The statements of a list query: the WHERE clause (tenant, kind,
//! filter), the page with its order, keyset position and limits, and the
//! count. Positions and limits are written into the text as integer
//! literals: SQLite (built with STAT4) prepares a statement again on every
//! execution when LIMIT, OFFSET or a rowid range are parameters, which
//! costs more than the query.

use crate::dialect::{Dialect, Sql};
use crate::exec::Param;
use crate::filter::condition;
use crate::sort::order_by;
use scim_core::filter::Lowered;
use scim_core::sort::SortSpec;
use scim_store::index::driven_by_index;
use scim_store::ResourceKind;

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
