//! Lowered filters (and sorts) as SQLite SQL over the `resources` row `r`.
//!
//! - `eq` on an indexed attribute (see `scim_store::index`) is an index
//!   lookup in `idx`; so is a value filter that compares `value` with `eq`
//!   (`emails[type eq "work"].value eq "x"`), before its JSON check.
//! - `id` and `meta` come from columns; group `members` and the computed
//!   `groups` from the `members` table; `members eq "u"` is a lookup of `u`
//!   and then of its memberships.
//! - Everything else reads the JSON document: `json_extract` for single
//!   values, `json_each` for multi-valued attributes.
//! - Case-insensitive strings compare through `scim_fold`, dateTimes through
//!   `scim_ts`, so SQL agrees with the core's evaluator (the storage suite
//!   checks it).

use rusqlite::types::Value as SqlValue;
use scim_core::filter::{fold, CompareOp, LAttr, LValue, Lowered};
use scim_store::index::{attr_position, index_value, indexed, is_indexed, value_eq};
use scim_store::ResourceKind;

/// SQL text with positional parameters.
#[derive(Debug, Default)]
pub struct Sql {
    pub text: String,
    pub params: Vec<SqlValue>,
    aliases: usize,
}

impl Sql {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    fn param(&mut self, v: SqlValue) {
        self.text.push('?');
        self.params.push(v);
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("e{}", self.aliases)
    }
}

/// Where a filter's attributes live.
#[derive(Clone, Copy)]
enum Ctx<'a> {
    /// Attributes of the resource row `r`.
    Top { kind: ResourceKind, tenant: i64 },
    /// Sub-attributes of a JSON element `alias.value` (from `json_each`).
    Elem(&'a str),
    /// A member (group `members`) or a group (`groups`) row `alias` of `resources`.
    Ref(&'a str),
}

/// A JSON path as an SQL string literal, quotes included: `'$."a"."b"'`.
///
/// Attribute names are data (tenant-defined schemas may name anything), so
/// no name can end the literal or the label: each label is written as a
/// JSON string (`"` and `\` escaped, control characters as `\u00XX`, which
/// SQLite's path syntax reads back), and the literal doubles `'`.
pub fn json_path(parts: &[&str]) -> String {
    let mut p = String::from("'$");
    for part in parts {
        p.push('.');
        let label = serde_json::Value::String((*part).to_string()).to_string();
        p.push_str(&label.replace('\'', "''"));
    }
    p.push('\'');
    p
}

fn top_path(attr: &LAttr) -> Vec<&str> {
    let mut parts: Vec<&str> = Vec::with_capacity(3);
    if let Some(urn) = &attr.ext_urn {
        parts.push(urn);
    }
    parts.push(&attr.name);
    parts
}

/// Appends the condition for `f` to `sql`.
pub fn condition(f: &Lowered, kind: ResourceKind, tenant: i64, sql: &mut Sql) {
    cond(f, Ctx::Top { kind, tenant }, sql)
}

fn cond(f: &Lowered, ctx: Ctx<'_>, sql: &mut Sql) {
    match f {
        Lowered::Const(b) => sql.push(if *b { "1" } else { "0" }),
        Lowered::And(parts) | Lowered::Or(parts) => {
            let joiner = if matches!(f, Lowered::And(_)) {
                " AND "
            } else {
                " OR "
            };
            sql.push("(");
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    sql.push(joiner);
                }
                cond(p, ctx, sql);
            }
            sql.push(")");
        }
        Lowered::Not(inner) => {
            sql.push("NOT (");
            cond(inner, ctx, sql);
            sql.push(")");
        }
        Lowered::Present(attr) => present(attr, ctx, sql),
        Lowered::Cmp { attr, op, value } => compare_attr(attr, *op, value, ctx, sql),
        Lowered::Any { attr, filter } => any(attr, filter, ctx, sql),
    }
}

/// `present` of a JSON value at `path` inside `doc` (an SQL expression).
fn json_present(doc: &str, path: &str, sql: &mut Sql) {
    sql.push(&format!(
        "COALESCE(json_type({doc}, {path}) IN ('true','false','integer','real','array','object') OR (json_type({doc}, {path}) = 'text' AND json_extract({doc}, {path}) <> ''), 0)"
    ));
}

fn present(attr: &LAttr, ctx: Ctx<'_>, sql: &mut Sql) {
    match ctx {
        Ctx::Top { kind, .. } => match (attr.ext_urn.is_none(), attr.name.as_str()) {
            (true, "id" | "meta") => sql.push("1"),
            (true, "members") if kind == ResourceKind::Group => {
                sql.push("EXISTS (SELECT 1 FROM members m WHERE m.group_seq = r.seq)")
            }
            (true, "groups") => {
                sql.push("EXISTS (SELECT 1 FROM members m WHERE m.member_seq = r.seq)")
            }
            _ => {
                let base = json_path(&top_path(attr));
                match (&attr.sub, attr.multi_valued) {
                    (None, _) => json_present("r.doc", &base, sql),
                    (Some(sub), false) => {
                        let mut parts = top_path(attr);
                        parts.push(sub);
                        json_present("r.doc", &json_path(&parts), sql)
                    }
                    (Some(sub), true) => {
                        let e = sql.alias();
                        sql.push(&format!(
                            "EXISTS (SELECT 1 FROM json_each(r.doc, {base}) {e} WHERE "
                        ));
                        json_present(&format!("{e}.value"), &json_path(&[sub]), sql);
                        sql.push(")");
                    }
                }
            }
        },
        Ctx::Elem(e) => {
            let x = elem_expr(e, &attr.name);
            sql.push(&format!(
                "COALESCE({x} IS NOT NULL AND (typeof({x}) <> 'text' OR {x} <> ''), 0)"
            ));
        }
        Ctx::Ref(x) => match attr.name.as_str() {
            "value" | "type" => sql.push("1"),
            "display" => {
                let d = ref_display(x);
                sql.push(&format!("({d} IS NOT NULL AND {d} <> '')"))
            }
            _ => sql.push("0"),
        },
    }
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

fn compare_attr(attr: &LAttr, op: CompareOp, value: &LValue, ctx: Ctx<'_>, sql: &mut Sql) {
    match ctx {
        Ctx::Top { kind, tenant } => {
            if attr.ext_urn.is_none() {
                match (attr.name.as_str(), attr.sub.as_deref()) {
                    ("id", None) => return compare_expr("r.id", true, op, value, sql),
                    ("meta", Some("created")) => {
                        return compare_expr("r.created", true, op, value, sql)
                    }
                    ("meta", Some("lastModified")) => {
                        return compare_expr("r.last_modified", true, op, value, sql)
                    }
                    ("meta", Some("resourceType")) => {
                        return compare_expr(
                            &format!("'{}'", kind.name()),
                            attr.case_exact,
                            op,
                            value,
                            sql,
                        )
                    }
                    ("meta", Some("version")) => {
                        return compare_expr("('W/\"' || r.version || '\"')", true, op, value, sql)
                    }
                    ("meta", Some(_)) => return sql.push("0"),
                    ("members", _) if kind == ResourceKind::Group => {
                        if let (None | Some("value"), CompareOp::Eq, LValue::Str(id)) =
                            (attr.sub.as_deref(), op, value)
                        {
                            // Okta's `members eq "u"` (`index::member_eq`):
                            // find u by key, then its groups.
                            sql.push("r.seq IN (SELECT m.group_seq FROM resources x JOIN members m ON m.member_seq = x.seq WHERE x.tenant_id = ");
                            sql.param(SqlValue::Integer(tenant));
                            sql.push(" AND x.kind IN (0, 1) AND x.id = ");
                            sql.param(SqlValue::Text(id.clone()));
                            return sql.push(")");
                        }
                        sql.push("EXISTS (SELECT 1 FROM members m JOIN resources mx ON mx.seq = m.member_seq WHERE m.group_seq = r.seq AND ");
                        compare_ref(
                            MEMBER,
                            attr.sub.as_deref().unwrap_or("value"),
                            attr.case_exact,
                            op,
                            value,
                            sql,
                        );
                        return sql.push(")");
                    }
                    ("groups", _) => {
                        sql.push(ANCESTORS_EXISTS);
                        compare_ref(
                            "x",
                            attr.sub.as_deref().unwrap_or("value"),
                            attr.case_exact,
                            op,
                            value,
                            sql,
                        );
                        return sql.push(")");
                    }
                    _ => {}
                }
            }
            if let (true, CompareOp::Eq, LValue::Str(s)) = (is_indexed(kind, attr), op, value) {
                return index_lookup(kind, tenant, &attr.dotted(), s, sql);
            }
            let base = top_path(attr);
            match (&attr.sub, attr.multi_valued) {
                (None, false) => compare_expr(
                    &format!("json_extract(r.doc, {})", json_path(&base)),
                    attr.case_exact,
                    op,
                    value,
                    sql,
                ),
                (Some(sub), false) => {
                    let mut parts = base.clone();
                    parts.push(sub);
                    compare_expr(
                        &format!("json_extract(r.doc, {})", json_path(&parts)),
                        attr.case_exact,
                        op,
                        value,
                        sql,
                    )
                }
                (sub, true) => {
                    let e = sql.alias();
                    sql.push(&format!(
                        "EXISTS (SELECT 1 FROM json_each(r.doc, {}) {e} WHERE ",
                        json_path(&base)
                    ));
                    let expr = match sub {
                        Some(s) => format!("json_extract({e}.value, {})", json_path(&[s])),
                        None => format!("{e}.value"),
                    };
                    compare_expr(&expr, attr.case_exact, op, value, sql);
                    sql.push(")");
                }
            }
        }
        Ctx::Elem(e) => compare_expr(&elem_expr(e, &attr.name), attr.case_exact, op, value, sql),
        Ctx::Ref(x) => compare_ref(x, &attr.name, attr.case_exact, op, value, sql),
    }
}

/// Ancestor groups of `r`, as `x`, opened for a condition and `)`.
const ANCESTORS_EXISTS: &str = "EXISTS (WITH RECURSIVE anc(g) AS (SELECT group_seq FROM members WHERE member_seq = r.seq UNION SELECT m.group_seq FROM members m JOIN anc ON m.member_seq = anc.g) SELECT 1 FROM anc JOIN resources x ON x.seq = anc.g WHERE ";

/// The alias of a member's row of `resources`, joined with `members m`.
const MEMBER: &str = "mx";

/// A referenced row's display: for a member, the display the client gave
/// when it added it, else (as for a group of `groups`) the row's name.
fn ref_display(x: &str) -> String {
    if x == MEMBER {
        format!("coalesce(m.display, {x}.display)")
    } else {
        format!("{x}.display")
    }
}

/// A comparison on a referenced resource row (`members.value` is its id).
fn compare_ref(x: &str, sub: &str, case_exact: bool, op: CompareOp, value: &LValue, sql: &mut Sql) {
    match sub {
        "value" => compare_expr(&format!("{x}.id"), true, op, value, sql),
        "type" => compare_expr(
            &format!("(CASE {x}.kind WHEN 0 THEN 'User' ELSE 'Group' END)"),
            case_exact,
            op,
            value,
            sql,
        ),
        "display" => compare_expr(&ref_display(x), case_exact, op, value, sql),
        _ => sql.push("0"),
    }
}

fn index_lookup(kind: ResourceKind, tenant: i64, dotted: &str, value: &str, sql: &mut Sql) {
    let (code, exact) = indexed(kind)
        .iter()
        .enumerate()
        .find(|(_, (p, _))| *p == dotted)
        .map_or((-1, true), |(i, (_, exact))| (i as i64, *exact));
    sql.push("r.seq IN (SELECT seq FROM idx WHERE tenant_id = ");
    sql.param(SqlValue::Integer(tenant));
    sql.push(&format!(
        " AND kind = {} AND attr = {code} AND value = ",
        kind.code()
    ));
    sql.param(SqlValue::Text(index_value(value, exact)));
    sql.push(")");
}

/// The index attribute code of a path (its position in `indexed(kind)`).
pub fn attr_code(kind: ResourceKind, dotted: &str) -> Option<i64> {
    attr_position(kind, dotted).and_then(|i| i64::try_from(i).ok())
}

fn compare_expr(expr: &str, case_exact: bool, op: CompareOp, value: &LValue, sql: &mut Sql) {
    let sym = match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "<>",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => "",
    };
    let (lhs, param) = match value {
        LValue::Str(s) if case_exact => (expr.to_string(), SqlValue::Text(s.clone())),
        LValue::Str(s) => (
            format!("scim_fold({expr})"),
            SqlValue::Text(fold(s).into_owned()),
        ),
        LValue::Bool(b) => (expr.to_string(), SqlValue::Integer(i64::from(*b))),
        LValue::Int(i) => (expr.to_string(), SqlValue::Integer(*i)),
        LValue::Dec(d) => (expr.to_string(), SqlValue::Real(*d)),
        LValue::DateTime(t) if expr.starts_with("r.") => {
            (expr.to_string(), SqlValue::Integer(t.unix_millis()))
        }
        LValue::DateTime(t) => (
            format!("scim_ts({expr})"),
            SqlValue::Integer(t.unix_millis()),
        ),
    };
    let func = match op {
        CompareOp::Co => Some("scim_co"),
        CompareOp::Sw => Some("scim_sw"),
        CompareOp::Ew => Some("scim_ew"),
        _ => None,
    };
    match func {
        Some(f) => {
            sql.push(&format!("COALESCE({f}({lhs}, "));
            sql.param(param);
            sql.push("), 0)");
        }
        None => {
            // A text comparison only matches text: SQLite would order numbers before text.
            if matches!(value, LValue::Str(_)) {
                sql.push(&format!("(typeof({expr}) = 'text' AND {lhs} {sym} "));
                sql.param(param);
                sql.push(")");
            } else if matches!(value, LValue::Bool(_)) {
                sql.push(&format!("COALESCE({expr} IS NOT NULL AND {lhs} {sym} "));
                sql.param(param);
                sql.push(", 0)");
            } else {
                // NULL (a missing value) must read as false, also under NOT.
                sql.push(&format!("COALESCE({lhs} {sym} "));
                sql.param(param);
                sql.push(", 0)");
            }
        }
    }
}

fn any(attr: &LAttr, filter: &Lowered, ctx: Ctx<'_>, sql: &mut Sql) {
    let Ctx::Top { kind, tenant } = ctx else {
        return sql.push("0");
    };
    if attr.ext_urn.is_none()
        && ((attr.name == "members" && kind == ResourceKind::Group) || attr.name == "groups")
    {
        if attr.name == "members" {
            sql.push("EXISTS (SELECT 1 FROM members m JOIN resources mx ON mx.seq = m.member_seq WHERE m.group_seq = r.seq AND ");
        } else {
            sql.push(ANCESTORS_EXISTS);
        }
        let alias = if attr.name == "members" { MEMBER } else { "x" };
        cond(filter, Ctx::Ref(alias), sql);
        return sql.push(")");
    }
    if let Some(v) = value_eq(filter) {
        let dotted = format!("{}.value", attr.name);
        if attr.ext_urn.is_none() && attr_code(kind, &dotted).is_some() {
            // Narrow by the index first; the JSON check then runs on few rows.
            index_lookup(kind, tenant, &dotted, v, sql);
            sql.push(" AND ");
        }
    }
    let base = json_path(&top_path(attr));
    let e = sql.alias();
    if attr.multi_valued {
        sql.push(&format!(
            "EXISTS (SELECT 1 FROM json_each(r.doc, {base}) {e} WHERE "
        ));
    } else {
        sql.push(&format!(
            "EXISTS (SELECT 1 FROM (SELECT json_extract(r.doc, {base}) AS value, 'object' AS type) {e} WHERE {e}.value IS NOT NULL AND "
        ));
    }
    let alias = e.clone();
    cond(filter, Ctx::Elem(&alias), sql);
    sql.push(")");
}
