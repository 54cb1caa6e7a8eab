//! Lowered filters (`scim_core::filter::Lowered`) as SQL over the
//! `resources` row `r`, with the semantics of the core's evaluator (the
//! storage suite checks agreement on every backend):
//!
//! - `eq` on an indexed attribute (see `scim_store::index`) is a lookup in
//!   `idx` by key; so is a value filter that compares `value` with `eq`
//!   (`emails[type eq "work"].value eq "x"`), before its JSON check, and
//!   `members eq "u"` is a lookup of `u` and then of its memberships.
//! - `id` and `meta` come from columns; group `members` and the computed
//!   `groups` from the `members` table.
//! - Everything else reads the document, in the [`Dialect`]'s JSON.
//!
//! Strings travel as parameters; numbers, kinds and index attribute codes
//! are written as literals.

use crate::dialect::{lit, sym, top_path, Dialect, Sql};
use crate::exec::Param;
use scim_core::filter::{CompareOp, LAttr, LValue, Lowered};
use scim_store::index::{
    attr_position, index_value, lookup_code, may_overflow, value_eq, MORE_VALUES,
};
use scim_store::ResourceKind;

/// Where a filter's attributes live.
#[derive(Clone, Copy)]
enum Ctx<'a> {
    /// Attributes of the resource row `r`.
    Top { kind: ResourceKind, tenant: i64 },
    /// Sub-attributes of a document element `alias.value`.
    Elem(&'a str),
    /// A member (group `members`) or a group (`groups`) row `alias` of `resources`.
    Ref(&'a str),
}

/// Appends the condition for `f` to `sql`.
pub fn condition(d: &dyn Dialect, f: &Lowered, kind: ResourceKind, tenant: i64, sql: &mut Sql) {
    cond(d, f, Ctx::Top { kind, tenant }, sql)
}

fn cond(d: &dyn Dialect, f: &Lowered, ctx: Ctx<'_>, sql: &mut Sql) {
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
                cond(d, p, ctx, sql);
            }
            sql.push(")");
        }
        Lowered::Not(inner) => {
            sql.push("NOT (");
            cond(d, inner, ctx, sql);
            sql.push(")");
        }
        Lowered::Present(attr) => present(d, attr, ctx, sql),
        Lowered::Cmp { attr, op, value } => compare_attr(d, attr, *op, value, ctx, sql),
        Lowered::Any { attr, filter } => any(d, attr, filter, ctx, sql),
    }
}

fn present(d: &dyn Dialect, attr: &LAttr, ctx: Ctx<'_>, sql: &mut Sql) {
    match ctx {
        Ctx::Top { kind, .. } => match (attr.ext_urn.is_none(), attr.name.as_str()) {
            (true, "id" | "meta") => sql.push("TRUE"),
            (true, "members") if kind == ResourceKind::Group => {
                sql.push("EXISTS (SELECT 1 FROM members m WHERE m.group_seq = r.seq)")
            }
            (true, "groups") => {
                sql.push("EXISTS (SELECT 1 FROM members m WHERE m.member_seq = r.seq)")
            }
            _ => d.doc_present(attr, sql),
        },
        Ctx::Elem(e) => d.elem_present(e, &attr.name, sql),
        Ctx::Ref(x) => match attr.name.as_str() {
            "value" | "type" => sql.push("TRUE"),
            "display" => {
                let v = ref_display(x);
                sql.push(&format!("({v} IS NOT NULL AND {v} <> '')"))
            }
            _ => sql.push("FALSE"),
        },
    }
}

/// Ancestor groups of `r`, as `x`, opened for a condition and `)`.
const ANCESTORS_EXISTS: &str = "EXISTS (WITH RECURSIVE anc(g) AS (SELECT group_seq FROM members WHERE member_seq = r.seq UNION SELECT m.group_seq FROM members m JOIN anc ON m.member_seq = anc.g) SELECT 1 FROM anc JOIN resources x ON x.seq = anc.g WHERE ";

/// A group's members, as `mx` joined with `members m`, opened for a
/// condition and `)`.
const MEMBERS_EXISTS: &str = "EXISTS (SELECT 1 FROM members m JOIN resources mx ON mx.seq = m.member_seq WHERE m.group_seq = r.seq AND ";

/// The alias of a member's row of `resources`, joined with `members m`.
const MEMBER: &str = "mx";

fn compare_attr(
    d: &dyn Dialect,
    attr: &LAttr,
    op: CompareOp,
    value: &LValue,
    ctx: Ctx<'_>,
    sql: &mut Sql,
) {
    let (kind, tenant) = match ctx {
        Ctx::Top { kind, tenant } => (kind, tenant),
        Ctx::Elem(e) => return d.elem_compare(e, &attr.name, attr.case_exact, op, value, sql),
        Ctx::Ref(x) => return compare_ref(d, x, &attr.name, attr.case_exact, op, value, sql),
    };
    if attr.ext_urn.is_none() {
        let sub = attr.sub.as_deref();
        match (attr.name.as_str(), sub) {
            ("id", None) => {
                if let (CompareOp::Eq, LValue::Str(s)) = (op, value) {
                    // A key lookup (`r.id` is never NULL): no wrapper, so
                    // the index applies.
                    sql.push("r.id = ");
                    sql.param(Param::from(s.clone()));
                    return;
                }
                return d.text_compare("r.id", true, op, value, sql);
            }
            ("meta", Some("created")) => return compare_millis("r.created", op, value, sql),
            ("meta", Some("lastModified")) => {
                return compare_millis("r.last_modified", op, value, sql)
            }
            ("meta", Some("resourceType")) => {
                return d.text_compare(&lit(kind.name()), attr.case_exact, op, value, sql)
            }
            ("meta", Some("version")) => {
                return d.text_compare("('W/\"' || r.version || '\"')", true, op, value, sql)
            }
            ("meta", Some(_)) => return sql.push("FALSE"),
            ("members", _) if kind == ResourceKind::Group => {
                if let (None | Some("value"), CompareOp::Eq, LValue::Str(id)) = (sub, op, value) {
                    // Okta's `members eq "u"` (`index::member_eq`): find u
                    // by key, then its groups.
                    sql.push("r.seq IN (SELECT m.group_seq FROM resources x JOIN members m ON m.member_seq = x.seq WHERE x.tenant_id = ");
                    sql.param(Param::Int(tenant));
                    sql.push(" AND x.kind IN (0, 1) AND x.id = ");
                    sql.param(Param::from(id.clone()));
                    return sql.push(")");
                }
                sql.push(MEMBERS_EXISTS);
                let sub = sub.unwrap_or("value");
                compare_ref(d, MEMBER, sub, attr.case_exact, op, value, sql);
                return sql.push(")");
            }
            ("groups", _) => {
                sql.push(ANCESTORS_EXISTS);
                let sub = sub.unwrap_or("value");
                compare_ref(d, "x", sub, attr.case_exact, op, value, sql);
                return sql.push(")");
            }
            _ => {}
        }
    }
    if let (Some(code), CompareOp::Eq, LValue::Str(s)) = (lookup_code(kind, attr), op, value) {
        if !may_overflow(attr, code.0) {
            return index_lookup(kind, tenant, code, s, false, sql);
        }
        // Resources past the index's cap hold a MORE_VALUES row: their
        // documents are checked (so are the others', which is cheap).
        sql.push("(");
        index_lookup(kind, tenant, code, s, true, sql);
        sql.push(" AND ");
        d.doc_compare(attr, op, value, sql);
        return sql.push(")");
    }
    d.doc_compare(attr, op, value, sql)
}

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
fn compare_ref(
    d: &dyn Dialect,
    x: &str,
    sub: &str,
    case_exact: bool,
    op: CompareOp,
    value: &LValue,
    sql: &mut Sql,
) {
    let expr = match sub {
        "value" => return d.text_compare(&format!("{x}.id"), true, op, value, sql),
        "type" => format!("(CASE {x}.kind WHEN 0 THEN 'User' ELSE 'Group' END)"),
        "display" => ref_display(x),
        _ => return sql.push("FALSE"),
    };
    d.text_compare(&expr, case_exact, op, value, sql)
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

/// `r.seq IN` the index rows of attribute `code` (with its case
/// exactness) holding `value`, and with `more` those holding
/// [`MORE_VALUES`] (the caller then checks the documents).
fn index_lookup(
    kind: ResourceKind,
    tenant: i64,
    (code, exact): (i64, bool),
    value: &str,
    more: bool,
    sql: &mut Sql,
) {
    sql.push("r.seq IN (SELECT i.seq FROM idx i WHERE i.tenant_id = ");
    sql.param(Param::Int(tenant));
    sql.push(&format!(
        " AND i.kind = {} AND i.attr = {code} AND i.value ",
        kind.code()
    ));
    if more {
        sql.push("IN (");
        sql.param(Param::from(index_value(value, exact)));
        sql.push(", ");
        sql.param(Param::from(MORE_VALUES));
        sql.push("))");
    } else {
        sql.push("= ");
        sql.param(Param::from(index_value(value, exact)));
        sql.push(")");
    }
}

/// The index attribute code of a path (its position in `indexed(kind)`).
pub fn attr_code(kind: ResourceKind, dotted: &str) -> Option<i64> {
    attr_position(kind, dotted).and_then(|i| i64::try_from(i).ok())
}

fn any(d: &dyn Dialect, attr: &LAttr, filter: &Lowered, ctx: Ctx<'_>, sql: &mut Sql) {
    let Ctx::Top { kind, tenant } = ctx else {
        return sql.push("FALSE");
    };
    if attr.ext_urn.is_none()
        && ((attr.name == "members" && kind == ResourceKind::Group) || attr.name == "groups")
    {
        let alias = if attr.name == "members" {
            sql.push(MEMBERS_EXISTS);
            MEMBER
        } else {
            sql.push(ANCESTORS_EXISTS);
            "x"
        };
        cond(d, filter, Ctx::Ref(alias), sql);
        return sql.push(")");
    }
    sql.push("(");
    if let Some(v) = value_eq(filter) {
        let dotted = format!("{}.value", attr.name);
        let code = attr_code(kind, &dotted)
            .zip(
                scim_store::index::indexed(kind)
                    .iter()
                    .find(|(p, _)| *p == dotted),
            )
            .map(|(c, (_, exact))| (c, *exact));
        if let (None, Some(code)) = (&attr.ext_urn, code) {
            // Narrow by the index first (with the resources past its cap);
            // the JSON check then runs on few rows.
            index_lookup(kind, tenant, code, v, true, sql);
            sql.push(" AND ");
        }
    }
    let e = d.elems_open(&top_path(attr), attr.multi_valued, sql);
    cond(d, filter, Ctx::Elem(&e), sql);
    sql.push("))");
}
