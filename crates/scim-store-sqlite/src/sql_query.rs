//! The statements of a list query: the WHERE clause (tenant, kind, filter),
//! the count, and the page with its order, keyset position and limits as
//! parameters, so that prepared statements are reused across pages.

use crate::rows::COLUMNS;
use crate::sql_filter::{condition, Sql};
use crate::sql_sort::order_by;
use rusqlite::types::Value as SqlValue;
use scim_core::filter::Lowered;
use scim_core::sort::SortSpec;
use scim_store::index::driven_by_index;
use scim_store::ResourceKind;

/// `WHERE` text and parameters selecting the resources a query may return.
pub fn where_clause(tenant: i64, kind: ResourceKind, filter: Option<&Lowered>) -> Sql {
    let mut sql = Sql::default();
    // With an index lookup in the filter, `+` keeps SQLite from walking the
    // tenant's listing index: the rows come from idx by key.
    if filter.is_some_and(|f| driven_by_index(f, kind)) {
        sql.text.push_str("+r.tenant_id = ?1 AND +r.kind = ?2");
    } else {
        sql.text.push_str("r.tenant_id = ?1 AND r.kind = ?2");
    }
    sql.params.push(tenant.into());
    sql.params.push(kind.code().into());
    if let Some(f) = filter {
        sql.text.push_str(" AND ");
        condition(f, kind, tenant, &mut sql);
    }
    sql
}

/// `SELECT count(*)` over the clause.
pub fn count_statement(w: &Sql) -> String {
    format!("SELECT count(*) FROM resources r WHERE {}", w.text)
}

/// The page statement and its parameters: after `after_seq` (keyset, only
/// without a sort), `limit` rows from `offset`. The three numbers are
/// written into the SQL as integer literals: SQLite (built with STAT4)
/// re-prepares a statement on every execution when LIMIT, OFFSET or a rowid
/// range are bound parameters, which cost more than the query itself.
pub fn page_statement(
    w: &Sql,
    sort: Option<&SortSpec>,
    after_seq: Option<i64>,
    limit: u64,
    offset: u64,
) -> (String, Vec<SqlValue>) {
    let mut text = w.text.clone();
    if let Some(s) = after_seq {
        text.push_str(&format!(" AND r.seq > {s}"));
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let sql = format!(
        "SELECT {COLUMNS} FROM resources r WHERE {text} {} LIMIT {limit} OFFSET {offset}",
        order_by(sort)
    );
    (sql, w.params.clone())
}
