//! PostgreSQL's SQL: the document is the `doc jsonb` column (generated
//! from the text in `body`), read with `->` and `jsonb_array_elements`;
//! `scim_arr` turns a value into the list of its values, as the evaluator
//! flattens them, and `scim_present`, `scim_fold` and `scim_ts` are the
//! functions of the migrations. Every string comparison is `COLLATE "C"`
//! (code point order, as Rust's `str`); a missing or mistyped value is
//! `FALSE`, never NULL, so that `NOT` keeps the evaluator's meaning.
//!
//! Several replicas write at once, so a change locks the rows it read
//! (`FOR NO KEY UPDATE`), and every statement is a round trip, so an
//! operation on many rows is one statement over array parameters.

use super::{lit, sym, top_path, Dialect, Sql};
use crate::exec::Param;
use scim_core::filter::{fold, CompareOp, LAttr, LValue};
use scim_core::schema::AttrType;
use scim_core::sort::SortSpec;

/// PostgreSQL.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

/// The PostgreSQL dialect.
pub static POSTGRES: Postgres = Postgres;

/// `base -> 'a' -> 'b'`.
fn json_at(base: &str, parts: &[&str]) -> String {
    let mut e = String::from(base);
    for p in parts {
        e.push_str(" -> ");
        e.push_str(&lit(p));
    }
    format!("({e})")
}

/// Opens `EXISTS (…` over the values of the jsonb `top` (flattened as the
/// evaluator does), each as `alias.value`.
fn elems(top: &str, sql: &mut Sql) -> String {
    let e = sql.alias();
    sql.push(&format!(
        "EXISTS (SELECT 1 FROM jsonb_array_elements(scim_arr({top})) {e} WHERE "
    ));
    e
}

/// A sub-attribute of a jsonb element `e.value`. An element that is not an
/// object (of a multi-valued simple attribute) is its own `value`.
fn elem_expr(e: &str, name: &str) -> String {
    let own = if name == "value" {
        format!("{e}.value")
    } else {
        "NULL::jsonb".into()
    };
    format!(
        "(CASE WHEN jsonb_typeof({e}.value) = 'object' THEN {e}.value -> {} ELSE {own} END)",
        lit(name)
    )
}

/// A string test of the text expression `lhs` (already folded if needed)
/// against the parameter of `want`.
fn text_test(lhs: &str, op: CompareOp, want: String, sql: &mut Sql) {
    let lhs = format!("({lhs}) COLLATE \"C\"");
    match op {
        CompareOp::Co => {
            sql.push(&format!("strpos({lhs}, "));
            sql.param(Param::from(want));
            sql.push(") > 0");
        }
        CompareOp::Sw => {
            sql.push(&format!("starts_with({lhs}, "));
            sql.param(Param::from(want));
            sql.push(")");
        }
        CompareOp::Ew => {
            sql.push(&format!("right({lhs}, char_length("));
            let p = sql.param(Param::from(want));
            sql.push(&format!(")) = {p}"));
        }
        _ => {
            sql.push(&format!("{lhs} {} ", sym(op)));
            sql.param(Param::from(want));
        }
    }
}

fn folded(expr: &str, case_exact: bool, want: &str) -> (String, String) {
    if case_exact {
        (expr.to_string(), want.to_string())
    } else {
        (format!("scim_fold({expr})"), fold(want).into_owned())
    }
}

/// A comparison of the jsonb expression `v` with a filter value.
fn compare_json(v: &str, case_exact: bool, op: CompareOp, value: &LValue, sql: &mut Sql) {
    let typed = |ty: &str, cast: &str, rhs: String| {
        format!(
            "coalesce(CASE WHEN jsonb_typeof({v}) = '{ty}' THEN {cast} {} {rhs} ELSE FALSE END, FALSE)",
            sym(op)
        )
    };
    match value {
        LValue::Str(s) => {
            let (lhs, want) = folded(&format!("{v} #>> '{{}}'"), case_exact, s);
            sql.push(&format!(
                "coalesce(CASE WHEN jsonb_typeof({v}) = 'string' THEN "
            ));
            text_test(&lhs, op, want, sql);
            sql.push(" ELSE FALSE END, FALSE)");
        }
        _ if op.is_substring() => sql.push("FALSE"),
        LValue::Bool(b) => sql.push(&typed("boolean", &format!("({v})::boolean"), b.to_string())),
        LValue::Int(i) => sql.push(&typed(
            "number",
            &format!("({v})::numeric"),
            format!("{i}::numeric"),
        )),
        LValue::Dec(d) if d.is_finite() => sql.push(&typed(
            "number",
            &format!("({v})::numeric"),
            format!("{d}::numeric"),
        )),
        LValue::DateTime(t) => sql.push(&typed(
            "string",
            &format!("scim_ts({v} #>> '{{}}')"),
            t.unix_millis().to_string(),
        )),
        LValue::Dec(_) => sql.push("FALSE"),
    }
}

/// A typed sort key from the jsonb value `v` (NULL when it has another type).
fn typed_key(v: &str, kind: AttrType, case_exact: bool) -> String {
    let (ty, expr) = match kind {
        AttrType::Boolean => ("boolean", format!("({v})::boolean")),
        AttrType::Integer | AttrType::Decimal => ("number", format!("({v})::numeric")),
        AttrType::DateTime => ("string", format!("scim_ts({v} #>> '{{}}')")),
        _ if case_exact => ("string", format!("({v} #>> '{{}}')")),
        _ => ("string", format!("scim_fold({v} #>> '{{}}')")),
    };
    format!("(CASE WHEN jsonb_typeof({v}) = '{ty}' THEN {expr} END)")
}

impl Dialect for Postgres {
    fn arrays(&self) -> bool {
        true
    }

    fn numbers_events_later(&self) -> bool {
        true
    }

    fn dml_in_with(&self) -> bool {
        true
    }

    fn cascades(&self) -> bool {
        true
    }

    fn lock(&self) -> &'static str {
        " FOR NO KEY UPDATE"
    }

    fn lock_to_delete(&self) -> &'static str {
        " FOR UPDATE"
    }

    /// Tenant ids come from an identity column, never reused.
    fn new_tenant_id(&self) -> Option<&'static str> {
        None
    }

    fn counts_table(&self) -> Option<&'static str> {
        None
    }

    fn body(&self) -> &'static str {
        "body"
    }

    fn record_columns(&self) -> &'static str {
        "r.seq, r.kind, r.id, r.version, r.created, r.last_modified, r.body, r.provenance"
    }

    fn webhook_full(&self) -> &'static str {
        "full_form"
    }

    fn code_points(&self) -> &'static str {
        " COLLATE \"C\""
    }

    /// Statistics that lag a fast-growing tenant (an IdP's initial sync
    /// into an empty one: a few rows when last analysed, thousands now)
    /// make walking the tenant's listing index look as cheap as the index
    /// lookup, and every create's account matching then scans the tenant
    /// (seen with auto_explain during a 6 000-user seed: 8 ms per
    /// account-matching query; 93 creates/s before, 526 after).
    fn unindexed(&self, column: &str) -> String {
        format!("({column} + 0)")
    }

    fn local_resource(&self) -> &'static str {
        "coalesce(provenance::jsonb ->> 'managed', 'false') = 'false'"
    }

    fn users(&self) -> &'static str {
        "SELECT count(*) FROM resources WHERE tenant_id = $1 AND kind = 0"
    }

    fn total(&self, kind: i64) -> String {
        format!("SELECT count(*) FROM resources WHERE tenant_id = $1 AND kind = {kind}")
    }

    fn returning(&self, column: &str) -> String {
        format!(" RETURNING {column}")
    }

    fn null_text(&self) -> &'static str {
        "NULL::text"
    }

    fn explain(&self) -> (&'static str, usize) {
        ("EXPLAIN", 0)
    }

    fn doc_present(&self, attr: &LAttr, sql: &mut Sql) {
        let e = elems(&json_at("r.doc", &top_path(attr)), sql);
        match &attr.sub {
            None => sql.push(&format!("scim_present({e}.value))")),
            Some(sub) => {
                let f = elems(&json_at(&format!("{e}.value"), &[sub]), sql);
                sql.push(&format!("scim_present({f}.value)))"));
            }
        }
    }

    fn doc_compare(&self, attr: &LAttr, op: CompareOp, value: &LValue, sql: &mut Sql) {
        let top = json_at("r.doc", &top_path(attr));
        match (&attr.sub, attr.multi_valued) {
            (None, false) => compare_json(&top, attr.case_exact, op, value, sql),
            (Some(sub), false) => {
                compare_json(&json_at(&top, &[sub]), attr.case_exact, op, value, sql)
            }
            (sub, true) => {
                let e = elems(&top, sql);
                let expr = match sub {
                    Some(s) => json_at(&format!("{e}.value"), &[s]),
                    None => format!("{e}.value"),
                };
                compare_json(&expr, attr.case_exact, op, value, sql);
                sql.push(")");
            }
        }
    }

    fn elems_open(&self, path: &[&str], _multi_valued: bool, sql: &mut Sql) -> String {
        elems(&json_at("r.doc", path), sql)
    }

    fn elem_present(&self, e: &str, name: &str, sql: &mut Sql) {
        let x = elem_expr(e, name);
        sql.push(&format!("coalesce(scim_present({x}), FALSE)"));
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
        compare_json(&elem_expr(e, name), case_exact, op, value, sql)
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
            LValue::Str(s) => {
                let (lhs, want) = folded(expr, case_exact, s);
                sql.push("coalesce(");
                text_test(&lhs, op, want, sql);
                sql.push(", FALSE)");
            }
            _ => sql.push("FALSE"),
        }
    }

    fn sort_key(&self, spec: &SortSpec) -> String {
        let a = &spec.attr;
        let top = json_at("r.doc", &top_path(a));
        let expr = if a.multi_valued {
            let leaf = match &a.sub {
                Some(s) => format!("(e.value -> {})", lit(s)),
                None => "e.value".into(),
            };
            format!(
                "(SELECT {} FROM jsonb_array_elements(scim_arr({top})) WITH ORDINALITY e(value, n) ORDER BY (e.value -> 'primary') = 'true'::jsonb DESC NULLS LAST, e.n LIMIT 1)",
                typed_key(&leaf, a.kind, a.case_exact)
            )
        } else {
            let leaf = match &a.sub {
                Some(s) => json_at(&top, &[s]),
                None => top,
            };
            typed_key(&leaf, a.kind, a.case_exact)
        };
        let text = !matches!(
            a.kind,
            AttrType::Boolean | AttrType::Integer | AttrType::Decimal | AttrType::DateTime
        );
        if text {
            format!("({expr} COLLATE \"C\")")
        } else {
            expr
        }
    }
}
