//! What differs between the SQL of SQLite and of PostgreSQL, as one small
//! trait: capabilities that change how many statements an operation takes
//! (array parameters, statements inside `WITH`, cascading deletes), a few
//! words (row locks, the document column, collation), and the JSON half of
//! filters and sorting (`json_extract`/`json_each` against the `jsonb`
//! operators). Everything else is written once, in the modules that use it.
//!
//! Placeholders need no method: statements use `$N` on both (see
//! [`crate::exec`]); so do `TRUE`/`FALSE`, `NULLS LAST`, `RETURNING`,
//! `ON CONFLICT … DO NOTHING`/`DO UPDATE` and `CAST(… AS bigint)`, which
//! both databases read alike.

mod postgres;
mod sqlite;

pub use postgres::{Postgres, POSTGRES};
pub use sqlite::{Sqlite, SQLITE};

use crate::exec::Param;
use scim_core::filter::{CompareOp, LAttr, LValue};
use scim_core::sort::SortSpec;

/// SQL text being built, with its parameters (`$1`, `$2` … in order).
#[derive(Debug, Default, Clone)]
pub struct Sql {
    pub text: String,
    pub params: Vec<Param<'static>>,
    aliases: usize,
}

impl Sql {
    /// Appends text.
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// Appends a placeholder for `v`; returns it (to use it again).
    pub fn param(&mut self, v: Param<'static>) -> String {
        self.params.push(v);
        let p = format!("${}", self.params.len());
        self.text.push_str(&p);
        p
    }

    /// A fresh alias for a subquery's rows (`e1`, `e2` …).
    pub fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("e{}", self.aliases)
    }
}

/// A quoted SQL string literal.
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The comparison operator of `op` (substring tests have none).
pub fn sym(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "<>",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => "=",
    }
}

/// The document path of an attribute's top level: `[urn,] name`.
pub fn top_path(attr: &LAttr) -> Vec<&str> {
    let mut parts: Vec<&str> = Vec::with_capacity(3);
    if let Some(urn) = &attr.ext_urn {
        parts.push(urn);
    }
    parts.push(&attr.name);
    parts
}

/// The SQL of one database.
pub trait Dialect: Send + Sync + 'static {
    /// Array parameters (`= ANY($1)`, `unnest`): an operation on many rows
    /// is one statement, one round trip. Without them, one statement per
    /// row (cheap where the database is in the process).
    fn arrays(&self) -> bool;
    /// Whether a write's events are numbered after its commit, by their
    /// readers ([`crate::sequencer`]), where writers commit in parallel;
    /// otherwise in the write's transaction, by the one writer.
    fn numbers_events_later(&self) -> bool;
    /// Statements that change rows inside `WITH` (one statement instead of
    /// several).
    fn dml_in_with(&self) -> bool;
    /// Deleting a resource deletes its index rows and memberships by
    /// `ON DELETE CASCADE`.
    fn cascades(&self) -> bool;
    /// The clause that locks the rows a change reads until its commit
    /// (empty where one writer runs at a time).
    fn lock(&self) -> &'static str;
    /// The clause that locks a row to be deleted until the commit (empty
    /// where one writer runs at a time).
    fn lock_to_delete(&self) -> &'static str;
    /// The id a new tenant gets, as an expression, where the database
    /// would otherwise give a deleted tenant's id again (a new tenant must
    /// never see a deleted one's audit log); `None` where ids are never
    /// reused.
    fn new_tenant_id(&self) -> Option<&'static str>;
    /// The table that keeps each tenant's resource counts (by trigger),
    /// if there is one.
    fn counts_table(&self) -> Option<&'static str>;
    /// The column of `resources` and `trash` holding the document's text.
    fn body(&self) -> &'static str;
    /// The columns of `resources r` that make a record, in the order
    /// `rows::record` reads them.
    fn record_columns(&self) -> &'static str;
    /// The column of `webhooks` telling whether SETs carry the resource.
    fn webhook_full(&self) -> &'static str;
    /// What makes a text `ORDER BY` compare code points (empty where that
    /// is the default).
    fn code_points(&self) -> &'static str;
    /// `column` compared as an expression that no index serves, so that a
    /// plan starts from the index lookup beside it.
    fn unindexed(&self, column: &str) -> String;
    /// The condition on `resources` that holds for a local (unmanaged)
    /// resource, exactly as the partial index `resources_local` states it
    /// (migration 12), so that the planner uses the index.
    fn local_resource(&self) -> &'static str;
    /// The statement counting a tenant's users (`$1` the tenant), for the
    /// circuit breaker.
    fn users(&self) -> &'static str;
    /// The statement telling how many resources of `kind` (a code) a
    /// tenant (`$1`) holds in all, for an unfiltered listing.
    fn total(&self, kind: i64) -> String;
    /// What an `INSERT` of one row appends so that [`crate::Exec::insert`]
    /// learns the row's key `column`: ` RETURNING column` where the key
    /// comes back with the rows, nothing where the driver reports the
    /// last key itself (SQLite's `RETURNING` buffers its rows in a
    /// temporary table, which costs a hot insert more than the insert).
    fn returning(&self, column: &str) -> String;
    /// A text `NULL` (a sort key that is always missing).
    fn null_text(&self) -> &'static str;
    /// What asks for a statement's plan, and the column of each line of
    /// the answer.
    fn explain(&self) -> (&'static str, usize);

    /// `pr` of a document attribute of the row `r`.
    fn doc_present(&self, attr: &LAttr, sql: &mut Sql);
    /// A comparison of a document attribute of the row `r`.
    fn doc_compare(&self, attr: &LAttr, op: CompareOp, value: &LValue, sql: &mut Sql);
    /// Opens `EXISTS (…` over the values of the attribute at `path` of the
    /// row `r` (each an element `alias.value`), ready for a condition on
    /// an element and `)`; returns the alias.
    fn elems_open(&self, path: &[&str], multi_valued: bool, sql: &mut Sql) -> String;
    /// `pr` of a sub-attribute `name` of the element `e` (see
    /// [`Dialect::elems_open`]).
    fn elem_present(&self, e: &str, name: &str, sql: &mut Sql);
    /// A comparison of the sub-attribute `name` of the element `e`.
    fn elem_compare(
        &self,
        e: &str,
        name: &str,
        case_exact: bool,
        op: CompareOp,
        value: &LValue,
        sql: &mut Sql,
    );
    /// A comparison of a text column (or expression) with a value; only
    /// strings can match, a NULL never does.
    fn text_compare(
        &self,
        expr: &str,
        case_exact: bool,
        op: CompareOp,
        value: &LValue,
        sql: &mut Sql,
    );
    /// The sort key of a document attribute of the row `r` (NULL where
    /// the resource has no such value).
    fn sort_key(&self, spec: &SortSpec) -> String;
}
