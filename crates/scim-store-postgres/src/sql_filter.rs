//! Lowered filters (`scim_core::filter::Lowered`) as PostgreSQL SQL over
//! the `resources` row `r`, with the semantics of the core's evaluator (the
//! storage suite checks agreement):
//!
//! - `eq` on an indexed attribute (see `scim_store::index`) is a lookup in
//!   `idx` by key; so is a value filter that compares `value` with `eq`
//!   (`emails[type eq "work"].value eq "x"`), before its JSON check, and
//!   `members eq "u"` is a lookup of `u` and then of its memberships.
//! - `id` and `meta` come from columns; group `members` and the computed
//!   `groups` from the `members` table.
//! - Everything else reads the `doc` jsonb column; `scim_arr` turns a value
//!   into the list of its values, as the evaluator flattens them.
//! - Case-insensitive strings compare through `scim_fold`, every string
//!   comparison is `COLLATE "C"` (code point order, as Rust's `str`), and
//!   dateTimes compare through `scim_ts`. A missing or mistyped value is
//!   `FALSE`, never NULL, so that `NOT` keeps the evaluator's meaning.
//!
//! Only strings travel as parameters; numbers, booleans, kinds and index
//! attribute codes are written as literals.

use scim_core::filter::{fold, CompareOp, LAttr, LValue, Lowered};
use scim_store::index::{attr_position, index_value, indexed, is_indexed, value_eq};
use scim_store::ResourceKind;
use tokio_postgres::types::ToSql;

/// A statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum P {
    Text(String),
    Int(i64),
}

/// SQL text with positional parameters (`$1`, `$2` …).
#[derive(Debug, Default, Clone)]
pub struct Sql {
    pub text: String,
    pub params: Vec<P>,
    aliases: usize,
}

impl Sql {
    pub fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// Appends a placeholder for `v`; returns it (to use it again).
    pub fn param(&mut self, v: P) -> String {
        self.params.push(v);
        let p = format!("${}", self.params.len());
        self.text.push_str(&p);
        p
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("e{}", self.aliases)
    }

    /// The parameters as tokio-postgres wants them.
    pub fn args(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| match p {
                P::Text(s) => s as &(dyn ToSql + Sync),
                P::Int(i) => i as &(dyn ToSql + Sync),
            })
            .collect()
    }
}

/// A quoted SQL string literal.
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `base -> 'a' -> 'b'`.
pub fn json_at(base: &str, parts: &[&str]) -> String {
    let mut e = String::from(base);
    for p in parts {
        e.push_str(" -> ");
        e.push_str(&lit(p));
    }
    format!("({e})")
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

/// Where a filter's attributes live.
#[derive(Clone, Copy)]
enum Ctx<'a> {
    /// Attributes of the resource row `r`.
    Top { kind: ResourceKind, tenant: i64 },
    /// Sub-attributes of a jsonb element `alias.value`.
    Elem(&'a str),
    /// A member (group `members`) or a group (`groups`) row `alias` of `resources`.
    Ref(&'a str),
}

/// Appends the condition for `f` to `sql`.
pub fn condition(f: &Lowered, kind: ResourceKind, tenant: i64, sql: &mut Sql) {
    cond(f, Ctx::Top { kind, tenant }, sql)
}

fn cond(f: &Lowered, ctx: Ctx<'_>, sql: &mut Sql) {
    match f {
        Lowered::Const(b) => sql.push(if *b { "TRUE" } else { "FALSE" }),
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

/// Some value of the jsonb `top` (flattened as the evaluator does) as `e.value`.
fn elems_exists(top: &str, e: &str) -> String {
    format!("EXISTS (SELECT 1 FROM jsonb_array_elements(scim_arr({top})) {e} WHERE ")
}

fn present(attr: &LAttr, ctx: Ctx<'_>, sql: &mut Sql) {
    match ctx {
        Ctx::Top { kind, .. } => match (attr.ext_urn.is_none(), attr.name.as_str()) {
            (true, "id" | "meta") => sql.push("TRUE"),
            (true, "members") if kind == ResourceKind::Group => {
                sql.push("EXISTS (SELECT 1 FROM members m WHERE m.group_seq = r.seq)")
            }
            (true, "groups") => {
                sql.push("EXISTS (SELECT 1 FROM members m WHERE m.member_seq = r.seq)")
            }
            _ => {
                let top = json_at("r.doc", &top_path(attr));
                let e = sql.alias();
                sql.push(&elems_exists(&top, &e));
                match &attr.sub {
                    None => sql.push(&format!("scim_present({e}.value))")),
                    Some(sub) => {
                        let f = sql.alias();
                        let inner = json_at(&format!("{e}.value"), &[sub]);
                        sql.push(&elems_exists(&inner, &f));
                        sql.push(&format!("scim_present({f}.value)))"));
                    }
                }
            }
        },
        Ctx::Elem(e) => {
            let x = elem_expr(e, &attr.name);
            sql.push(&format!("coalesce(scim_present({x}), FALSE)"));
        }
        Ctx::Ref(x) => match attr.name.as_str() {
            "value" | "type" => sql.push("TRUE"),
            "display" => {
                let d = ref_display(x);
                sql.push(&format!("({d} IS NOT NULL AND {d} <> '')"))
            }
            _ => sql.push("FALSE"),
        },
    }
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

/// Ancestor groups of `r`, as `x`, opened for a condition and `)`.
const ANCESTORS_EXISTS: &str = "EXISTS (WITH RECURSIVE anc(g) AS (SELECT group_seq FROM members WHERE member_seq = r.seq UNION SELECT m.group_seq FROM members m JOIN anc ON m.member_seq = anc.g) SELECT 1 FROM anc JOIN resources x ON x.seq = anc.g WHERE ";

fn compare_attr(attr: &LAttr, op: CompareOp, value: &LValue, ctx: Ctx<'_>, sql: &mut Sql) {
    match ctx {
        Ctx::Top { kind, tenant } => {
            if attr.ext_urn.is_none() {
                match (attr.name.as_str(), attr.sub.as_deref()) {
                    ("id", None) => {
                        if let (CompareOp::Eq, LValue::Str(s)) = (op, value) {
                            // A key lookup (`r.id` is never NULL): no wrapper, so the index applies.
                            sql.push("r.id = ");
                            sql.param(P::Text(s.clone()));
                            return;
                        }
                        return compare_text("r.id", true, op, value, sql);
                    }
                    ("meta", Some("created")) => {
                        return compare_millis("r.created", op, value, sql)
                    }
                    ("meta", Some("lastModified")) => {
                        return compare_millis("r.last_modified", op, value, sql)
                    }
                    ("meta", Some("resourceType")) => {
                        return compare_text(&lit(kind.name()), attr.case_exact, op, value, sql)
                    }
                    ("meta", Some("version")) => {
                        return compare_text("('W/\"' || r.version || '\"')", true, op, value, sql)
                    }
                    ("meta", Some(_)) => return sql.push("FALSE"),
                    ("members", sub) if kind == ResourceKind::Group => {
                        if let (None | Some("value"), CompareOp::Eq, LValue::Str(s)) =
                            (sub, op, value)
                        {
                            // Okta's `members eq "u"`: find u by key, then its groups.
                            sql.push("r.seq IN (SELECT m.group_seq FROM resources x JOIN members m ON m.member_seq = x.seq WHERE x.tenant_id = ");
                            sql.param(P::Int(tenant));
                            sql.push(" AND x.kind IN (0, 1) AND x.id = ");
                            sql.param(P::Text(s.clone()));
                            return sql.push(")");
                        }
                        sql.push("EXISTS (SELECT 1 FROM members m JOIN resources mx ON mx.seq = m.member_seq WHERE m.group_seq = r.seq AND ");
                        compare_ref(
                            MEMBER,
                            sub.unwrap_or("value"),
                            attr.case_exact,
                            op,
                            value,
                            sql,
                        );
                        return sql.push(")");
                    }
                    ("groups", sub) => {
                        sql.push(ANCESTORS_EXISTS);
                        compare_ref("x", sub.unwrap_or("value"), attr.case_exact, op, value, sql);
                        return sql.push(")");
                    }
                    _ => {}
                }
            }
            if let (true, CompareOp::Eq, LValue::Str(s)) = (is_indexed(kind, attr), op, value) {
                return index_lookup(kind, tenant, &attr.dotted(), s, sql);
            }
            let top = json_at("r.doc", &top_path(attr));
            match (&attr.sub, attr.multi_valued) {
                (None, false) => compare_json(&top, attr.case_exact, op, value, sql),
                (Some(sub), false) => {
                    compare_json(&json_at(&top, &[sub]), attr.case_exact, op, value, sql)
                }
                (sub, true) => {
                    let e = sql.alias();
                    sql.push(&elems_exists(&top, &e));
                    let expr = match sub {
                        Some(s) => json_at(&format!("{e}.value"), &[s]),
                        None => format!("{e}.value"),
                    };
                    compare_json(&expr, attr.case_exact, op, value, sql);
                    sql.push(")");
                }
            }
        }
        Ctx::Elem(e) => compare_json(&elem_expr(e, &attr.name), attr.case_exact, op, value, sql),
        Ctx::Ref(x) => compare_ref(x, &attr.name, attr.case_exact, op, value, sql),
    }
}

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
        "value" => compare_text(&format!("{x}.id"), true, op, value, sql),
        "type" => compare_text(
            &format!("(CASE {x}.kind WHEN 0 THEN 'User' ELSE 'Group' END)"),
            case_exact,
            op,
            value,
            sql,
        ),
        "display" => compare_text(&ref_display(x), case_exact, op, value, sql),
        _ => sql.push("FALSE"),
    }
}

fn index_lookup(kind: ResourceKind, tenant: i64, dotted: &str, value: &str, sql: &mut Sql) {
    let (code, exact) = indexed(kind)
        .iter()
        .enumerate()
        .find(|(_, (p, _))| *p == dotted)
        .map_or((-1, true), |(i, (_, exact))| (i as i64, *exact));
    sql.push("r.seq IN (SELECT i.seq FROM idx i WHERE i.tenant_id = ");
    sql.param(P::Int(tenant));
    sql.push(&format!(
        " AND i.kind = {} AND i.attr = {code} AND i.value = ",
        kind.code()
    ));
    sql.param(P::Text(index_value(value, exact)));
    sql.push(")");
}

/// The index attribute code of a path (its position in `indexed(kind)`).
pub fn attr_code(kind: ResourceKind, dotted: &str) -> Option<i16> {
    attr_position(kind, dotted).and_then(|i| i16::try_from(i).ok())
}

fn sym(op: CompareOp) -> &'static str {
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

/// A string test of the text expression `lhs` (already folded if needed)
/// against the parameter of `want`.
fn text_test(lhs: &str, op: CompareOp, want: String, sql: &mut Sql) {
    let lhs = format!("({lhs}) COLLATE \"C\"");
    match op {
        CompareOp::Co => {
            sql.push(&format!("strpos({lhs}, "));
            sql.param(P::Text(want));
            sql.push(") > 0");
        }
        CompareOp::Sw => {
            sql.push(&format!("starts_with({lhs}, "));
            sql.param(P::Text(want));
            sql.push(")");
        }
        CompareOp::Ew => {
            sql.push(&format!("right({lhs}, char_length("));
            let p = sql.param(P::Text(want));
            sql.push(&format!(")) = {p}"));
        }
        _ => {
            sql.push(&format!("{lhs} {} ", sym(op)));
            sql.param(P::Text(want));
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

fn number(value: &LValue) -> Option<String> {
    match value {
        LValue::Int(i) => Some(i.to_string()),
        LValue::Dec(d) if d.is_finite() => Some(format!("{d}")),
        _ => None,
    }
}

/// A comparison of the jsonb expression `v` with a filter value.
fn compare_json(v: &str, case_exact: bool, op: CompareOp, value: &LValue, sql: &mut Sql) {
    match value {
        LValue::Str(s) => {
            let (lhs, want) = folded(&format!("{v} #>> '{{}}'"), case_exact, s);
            sql.push(&format!(
                "coalesce(CASE WHEN jsonb_typeof({v}) = 'string' THEN "
            ));
            text_test(&lhs, op, want, sql);
            sql.push(" ELSE FALSE END, FALSE)");
        }
        LValue::Bool(b) if !op.is_substring() => sql.push(&format!(
            "coalesce(CASE WHEN jsonb_typeof({v}) = 'boolean' THEN ({v})::boolean {} {b} ELSE FALSE END, FALSE)",
            sym(op)
        )),
        LValue::Int(_) | LValue::Dec(_) if !op.is_substring() => match number(value) {
            Some(n) => sql.push(&format!(
                "coalesce(CASE WHEN jsonb_typeof({v}) = 'number' THEN ({v})::numeric {} {n}::numeric ELSE FALSE END, FALSE)",
                sym(op)
            )),
            None => sql.push("FALSE"),
        },
        LValue::DateTime(t) if !op.is_substring() => sql.push(&format!(
            "coalesce(CASE WHEN jsonb_typeof({v}) = 'string' THEN scim_ts({v} #>> '{{}}') {} {} ELSE FALSE END, FALSE)",
            sym(op),
            t.unix_millis()
        )),
        _ => sql.push("FALSE"),
    }
}

/// A comparison of a text column (or expression) with a filter value; only strings match.
fn compare_text(expr: &str, case_exact: bool, op: CompareOp, value: &LValue, sql: &mut Sql) {
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

/// A comparison of a millisecond column with a dateTime.
fn compare_millis(col: &str, op: CompareOp, value: &LValue, sql: &mut Sql) {
    match value {
        LValue::DateTime(t) if !op.is_substring() => {
            sql.push(&format!("{col} {} {}", sym(op), t.unix_millis()))
        }
        _ => sql.push("FALSE"),
    }
}

fn any(attr: &LAttr, filter: &Lowered, ctx: Ctx<'_>, sql: &mut Sql) {
    let Ctx::Top { kind, tenant } = ctx else {
        return sql.push("FALSE");
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
    sql.push("(");
    if let Some(v) = value_eq(filter) {
        let dotted = format!("{}.value", attr.name);
        if attr.ext_urn.is_none() && attr_code(kind, &dotted).is_some() {
            // Narrow by the index first; the JSON check then runs on few rows.
            index_lookup(kind, tenant, &dotted, v, sql);
            sql.push(" AND ");
        }
    }
    let top = json_at("r.doc", &top_path(attr));
    let e = sql.alias();
    sql.push(&elems_exists(&top, &e));
    cond(filter, Ctx::Elem(&e), sql);
    sql.push("))");
}
