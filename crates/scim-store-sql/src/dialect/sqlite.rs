//! SQLite's SQL: the document is JSON text read with `json_extract` and
//! `json_each`; strings compare through the functions the SQLite backend
//! registers on each connection (`scim_fold`, `scim_co`, `scim_sw`,
//! `scim_ew`, `scim_ts`), so that SQL agrees with the core's evaluator.
//! One writer runs at a time and statements run in the process: no row
//! locks, and an operation on many rows is one cheap statement per row.

use super::{lit, sym, top_path, Dialect, Sql};
use crate::exec::Param;
use scim_core::filter::{fold, CompareOp, LAttr, LValue};
use scim_core::schema::AttrType;
use scim_core::sort::SortSpec;

/// SQLite.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

/// The SQLite dialect.
pub static SQLITE: Sqlite = Sqlite;

/// A JSON path as an SQL string literal, quotes included: `'$."a"."b"'`.
///
/// Attribute names are data (tenant-defined schemas may name anything), so
/// no name can end the literal or the label: each label is written as a
/// JSON string (`"` and `\` escaped, control characters as `\u00XX`, which
/// SQLite's path syntax reads back), and the literal doubles `'`.
fn json_path(parts: &[&str]) -> String {
    let mut p = String::from("$");
    for part in parts {
        p.push('.');
        p.push_str(&serde_json::Value::String((*part).to_string()).to_string());
    }
    lit(&p)
}

/// `pr` of the JSON value at `path` (a literal) inside `doc`.
fn json_present(doc: &str, path: &str, sql: &mut Sql) {
    sql.push(&format!(
        "COALESCE(json_type({doc}, {path}) IN ('true','false','integer','real','array','object') OR (json_type({doc}, {path}) = 'text' AND json_extract({doc}, {path}) <> ''), 0)"
    ));
}

/// A sub-attribute of a `json_each` element `e`. An element that is not an
/// object (of a multi-valued simple attribute) is its own `value`.
fn elem_expr(e: &str, name: &str) -> String {
    let extract = format!("json_extract({e}.value, {})", json_path(&[name]));
    if name == "value" {
        format!("(CASE WHEN {e}.type = 'object' THEN {extract} ELSE {e}.value END)")
    } else {
        extract
    }
}

/// A comparison of the SQL value `expr` (from JSON or a column).
fn compare(expr: &str, case_exact: bool, op: CompareOp, value: &LValue, sql: &mut Sql) {
    let (lhs, param) = match value {
        LValue::Str(s) if case_exact => (expr.to_string(), Param::from(s.clone())),
        LValue::Str(s) => (
            format!("scim_fold({expr})"),
            Param::from(fold(s).into_owned()),
        ),
        LValue::Bool(b) => (expr.to_string(), Param::Int(i64::from(*b))),
        LValue::Int(i) => (expr.to_string(), Param::Int(*i)),
        LValue::Dec(d) => (expr.to_string(), Param::Real(*d)),
        LValue::DateTime(t) => (format!("scim_ts({expr})"), Param::Int(t.unix_millis())),
    };
    let func = match op {
        CompareOp::Co => "scim_co",
        CompareOp::Sw => "scim_sw",
        CompareOp::Ew => "scim_ew",
        _ if matches!(value, LValue::Str(_)) => {
            // A text comparison only matches text: SQLite would order
            // numbers before text.
            sql.push(&format!("(typeof({expr}) = 'text' AND {lhs} {} ", sym(op)));
            sql.param(param);
            return sql.push(")");
        }
        _ if matches!(value, LValue::Bool(_)) => {
            sql.push(&format!(
                "COALESCE({expr} IS NOT NULL AND {lhs} {} ",
                sym(op)
            ));
            sql.param(param);
            return sql.push(", 0)");
        }
        _ => {
            // NULL (a missing value) must read as false, also under NOT.
            sql.push(&format!("COALESCE({lhs} {} ", sym(op)));
            sql.param(param);
            return sql.push(", 0)");
        }
    };
    sql.push(&format!("COALESCE({func}({lhs}, "));
    sql.param(param);
    sql.push("), 0)");
}

impl Dialect for Sqlite {
    fn arrays(&self) -> bool {
        false
    }

    fn numbers_events_later(&self) -> bool {
        false
    }

    fn dml_in_with(&self) -> bool {
        false
    }

    fn cascades(&self) -> bool {
        false
    }

    fn lock(&self) -> &'static str {
        ""
    }

    fn lock_to_delete(&self) -> &'static str {
        ""
    }

    /// Above every tenant id the database has seen, including those of
    /// deleted tenants whose audit logs remain.
    fn new_tenant_id(&self) -> Option<&'static str> {
        Some(
            "(SELECT max(coalesce((SELECT max(id) FROM tenants), 0), \
             coalesce((SELECT max(tenant_id) FROM audit), 0)) + 1)",
        )
    }

    fn counts_table(&self) -> Option<&'static str> {
        Some("resource_counts")
    }

    fn body(&self) -> &'static str {
        "doc"
    }

    fn record_columns(&self) -> &'static str {
        "r.seq, r.kind, r.id, r.version, r.created, r.last_modified, r.doc, r.provenance"
    }

    fn webhook_full(&self) -> &'static str {
        "full"
    }

    fn code_points(&self) -> &'static str {
        ""
    }

    fn unindexed(&self, column: &str) -> String {
        format!("+{column}")
    }

    fn local_resource(&self) -> &'static str {
        "coalesce(json_extract(provenance, '$.managed'), 0) = 0"
    }

    fn users(&self) -> &'static str {
        // Kept by triggers (schema migration 5): no counting.
        "SELECT n FROM resource_counts WHERE tenant_id = $1 AND kind = 0"
    }

    fn total(&self, kind: i64) -> String {
        format!("SELECT n FROM resource_counts WHERE tenant_id = $1 AND kind = {kind}")
    }

    fn returning(&self, _column: &str) -> String {
        String::new()
    }

    fn null_text(&self) -> &'static str {
        "NULL"
    }

    fn explain(&self) -> (&'static str, usize) {
        ("EXPLAIN QUERY PLAN", 3)
    }

    fn doc_present(&self, attr: &LAttr, sql: &mut Sql) {
        let base = top_path(attr);
        match (&attr.sub, attr.multi_valued) {
            (None, _) => json_present("r.doc", &json_path(&base), sql),
            (Some(sub), false) => {
                let mut parts = base;
                parts.push(sub);
                json_present("r.doc", &json_path(&parts), sql)
            }
            (Some(sub), true) => {
                let e = self.elems_open(&base, true, sql);
                json_present(&format!("{e}.value"), &json_path(&[sub]), sql);
                sql.push(")");
            }
        }
    }

    fn doc_compare(&self, attr: &LAttr, op: CompareOp, value: &LValue, sql: &mut Sql) {
        let mut parts = top_path(attr);
        match (&attr.sub, attr.multi_valued) {
            (sub, false) => {
                parts.extend(sub.as_deref());
                let expr = format!("json_extract(r.doc, {})", json_path(&parts));
                compare(&expr, attr.case_exact, op, value, sql)
            }
            (sub, true) => {
                let e = self.elems_open(&parts, true, sql);
                let expr = match sub {
                    Some(s) => format!("json_extract({e}.value, {})", json_path(&[s])),
                    None => format!("{e}.value"),
                };
                compare(&expr, attr.case_exact, op, value, sql);
                sql.push(")");
            }
        }
    }

    fn elems_open(&self, path: &[&str], multi_valued: bool, sql: &mut Sql) -> String {
        let base = json_path(path);
        let e = sql.alias();
        if multi_valued {
            sql.push(&format!(
                "EXISTS (SELECT 1 FROM json_each(r.doc, {base}) {e} WHERE "
            ));
        } else {
            sql.push(&format!(
                "EXISTS (SELECT 1 FROM (SELECT json_extract(r.doc, {base}) AS value, 'object' AS type) {e} WHERE {e}.value IS NOT NULL AND "
            ));
        }
        e
    }

    fn elem_present(&self, e: &str, name: &str, sql: &mut Sql) {
        let x = elem_expr(e, name);
        sql.push(&format!(
            "COALESCE({x} IS NOT NULL AND (typeof({x}) <> 'text' OR {x} <> ''), 0)"
        ));
    }

    fn elem_compare(
        &self,
        e: &str,
        name: &str,
        case_exact: bool,
        op: CompareOp,
        value: &LValue,
        sql: &mut Sql,
    ) {
        compare(&elem_expr(e, name), case_exact, op, value, sql)
    }

    fn text_compare(
        &self,
        expr: &str,
        case_exact: bool,
        op: CompareOp,
        value: &LValue,
        sql: &mut Sql,
    ) {
        match value {
            LValue::Str(_) => compare(expr, case_exact, op, value, sql),
            _ => sql.push("FALSE"),
        }
    }

    fn sort_key(&self, spec: &SortSpec) -> String {
        let a = &spec.attr;
        let mut base = top_path(a);
        let raw = if a.multi_valued {
            let sub = a.sub.as_deref().map_or_else(
                || "e.value".to_string(),
                |s| format!("json_extract(e.value, {})", json_path(&[s])),
            );
            format!(
                "(SELECT {sub} FROM json_each(r.doc, {}) e ORDER BY (json_extract(e.value, '$.\"primary\"') IS 1) DESC, e.key LIMIT 1)",
                json_path(&base)
            )
        } else {
            base.extend(a.sub.as_deref());
            format!("json_extract(r.doc, {})", json_path(&base))
        };
        match a.kind {
            AttrType::DateTime => format!("scim_ts({raw})"),
            AttrType::String | AttrType::Reference | AttrType::Binary if !a.case_exact => {
                format!("scim_fold({raw})")
            }
            _ => raw,
        }
    }
}
