//! Which attributes stores index, and the index keys of a document.
//!
//! The IdPs look resources up by `userName`, `externalId`, `emails.value`
//! and `displayName` (users) and `displayName`, `externalId` (groups); these
//! never scan. A backend answers `eq` on an indexed path from its index and
//! everything else from the document. Values of case-insensitive attributes
//! are folded with [`fold`], the same function the in-memory evaluator uses.
//!
//! A tenant's extension attributes marked indexed (or unique) have rows
//! too, with codes from [`EXT_BASE`] given when the extension is defined
//! ([`crate::schemas`]); their paths in [`IndexKeys::entries`] are `#code`
//! ([`ext_path`]). Codes from [`UNIQUE_BASE`] are unique within a tenant
//! and kind: the databases refuse a second resource with the same value.

use crate::model::{IndexKeys, ResourceKind};
use scim_core::filter::{fold, CompareOp, LAttr, LValue, Lowered};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The first index code of extension attributes.
pub const EXT_BASE: i64 = 1000;
/// The first index code of extension attributes whose values are unique.
pub const UNIQUE_BASE: i64 = 20000;
/// The index code of the users' effective roles (the scimd roles
/// extension's `effectiveRoles`, `docs/roles.md`): in the extension range,
/// so deleting a user removes its rows as it does an extension's, and
/// never given to a tenant's extension attribute.
pub const ROLES_CODE: i64 = UNIQUE_BASE - 1;
/// The last index code (PostgreSQL keeps codes as `smallint`).
pub const CODE_MAX: i64 = 32767;

/// An indexed extension attribute of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtIndexed {
    /// The extension's URN, as the canonical document keys it.
    pub urn: String,
    /// The attribute's canonical name.
    pub name: String,
    pub code: i64,
    pub case_exact: bool,
}

/// The indexed extension attributes of one tenant and kind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExtIndex(pub Arc<Vec<ExtIndexed>>);

impl ExtIndex {
    /// Whether the tenant indexes no extension attribute of the kind.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The path of an extension attribute's rows in [`IndexKeys::entries`].
pub fn ext_path(code: i64) -> String {
    format!("#{code}")
}

/// The index code of a path of [`IndexKeys::entries`]: an extension's
/// `#code`, or a built-in attribute's position.
pub fn code_of(kind: ResourceKind, path: &str) -> Option<i64> {
    match path.strip_prefix('#') {
        Some(code) => code
            .parse()
            .ok()
            .filter(|c| (EXT_BASE..=CODE_MAX).contains(c)),
        None => attr_position(kind, path).and_then(|i| i64::try_from(i).ok()),
    }
}

/// The index code and case exactness of a lowered attribute with rows in
/// the index, if it has.
pub fn lookup_code(kind: ResourceKind, attr: &LAttr) -> Option<(i64, bool)> {
    if let Some(code) = attr.index {
        return attr.sub.is_none().then_some((code, attr.case_exact));
    }
    if attr.ext_urn.is_some() {
        return None;
    }
    let dotted = attr.dotted();
    indexed(kind)
        .iter()
        .position(|(p, _)| *p == dotted)
        .and_then(|i| Some((i64::try_from(i).ok()?, indexed(kind)[i].1)))
}

/// The most values of one attribute of one resource with rows of their
/// own in the lookup index. Past it, one row holding [`MORE_VALUES`]
/// stands for the rest: a lookup of that attribute also takes the
/// resources holding it and checks their documents (`scim_store_sql`'s
/// filter lowering), so that a user written with 35,000 emails costs
/// 1,001 index rows, not 35,000, and a lookup stays an index lookup.
/// Unique attributes are never cut.
pub const MAX_INDEXED_VALUES: usize = 1000;

/// The index value of the row that stands for the values past
/// [`MAX_INDEXED_VALUES`]. A real value equal to it only makes its
/// resource a candidate whose document is checked.
pub const MORE_VALUES: &str = "\u{1}more";

/// Whether lookups of an attribute must consider [`MORE_VALUES`] rows: a
/// multi-valued attribute that is not unique.
pub fn may_overflow(attr: &LAttr, code: i64) -> bool {
    attr.multi_valued && code < UNIQUE_BASE
}

/// `(dotted path, caseExact)` of the indexed attributes of a kind.
pub fn indexed(kind: ResourceKind) -> &'static [(&'static str, bool)] {
    match kind {
        ResourceKind::User => &[
            ("userName", false),
            ("externalId", true),
            ("displayName", false),
            ("emails.value", false),
        ],
        ResourceKind::Group => &[("displayName", false), ("externalId", true)],
    }
}

/// Whether a lowered attribute is answered from the index.
pub fn is_indexed(kind: ResourceKind, attr: &LAttr) -> bool {
    lookup_code(kind, attr).is_some()
}

/// The value stored in the index for `value` of an attribute.
pub fn index_value(value: &str, case_exact: bool) -> String {
    if case_exact {
        value.to_string()
    } else {
        fold(value).into_owned()
    }
}

fn values_at<'d>(doc: &'d Map<String, Value>, path: &str) -> Vec<&'d str> {
    let (top, sub) = match path.split_once('.') {
        Some((t, s)) => (t, Some(s)),
        None => (path, None),
    };
    let Some(v) = doc.get(top) else {
        return Vec::new();
    };
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .filter_map(|e| match sub {
            Some(s) => e.get(s),
            None => Some(e),
        })
        .filter_map(Value::as_str)
        .collect()
}

/// The index keys of a canonical document. `unique_group_names` decides
/// whether a group's displayName is its unique key.
pub fn keys(kind: ResourceKind, doc: &Map<String, Value>, unique_group_names: bool) -> IndexKeys {
    keys_with(kind, doc, unique_group_names, &ExtIndex::default())
}

/// [`keys`] with the rows of a tenant's indexed extension attributes.
pub fn keys_with(
    kind: ResourceKind,
    doc: &Map<String, Value>,
    unique_group_names: bool,
    spec: &ExtIndex,
) -> IndexKeys {
    // Linear in the number of values, and at most MAX_INDEXED_VALUES
    // rows (and one MORE_VALUES row) per attribute: a user may carry tens
    // of thousands of emails.
    let mut entries = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut add = |path: &str, values: Vec<&str>, exact: bool, cap: bool| {
        let mut rows = 0;
        for v in values {
            if cap && rows == MAX_INDEXED_VALUES {
                entries.push((path.to_string(), MORE_VALUES.to_string()));
                return;
            }
            let value = index_value(v, exact);
            if seen.insert((path.to_string(), value.clone())) {
                entries.push((path.to_string(), value));
                rows += 1;
            }
        }
    };
    for (path, exact) in indexed(kind) {
        add(path, values_at(doc, path), *exact, true);
    }
    for e in spec.0.iter() {
        let Some(Value::Object(ext)) = doc.get(&e.urn) else {
            continue;
        };
        add(
            &ext_path(e.code),
            values_at(ext, &e.name),
            e.case_exact,
            e.code < UNIQUE_BASE,
        );
    }
    let first = |p: &str| values_at(doc, p).first().map(|s| s.to_string());
    match kind {
        ResourceKind::User => IndexKeys {
            unique: first("userName").map(|u| fold(&u).into_owned()),
            entries,
            spec: spec.clone(),
            display: first("displayName").or_else(|| first("userName")),
            active: doc.get("active").and_then(Value::as_bool).unwrap_or(true),
        },
        ResourceKind::Group => IndexKeys {
            unique: if unique_group_names {
                first("displayName").map(|d| fold(&d).into_owned())
            } else {
                None
            },
            entries,
            spec: spec.clone(),
            display: first("displayName"),
            active: true,
        },
    }
}

/// The position of a dotted path among the indexed attributes of `kind`:
/// the `attr` code of its rows in a backend's lookup table.
pub fn attr_position(kind: ResourceKind, dotted: &str) -> Option<usize> {
    indexed(kind).iter().position(|(p, _)| *p == dotted)
}

/// The string a value filter (`emails[type eq "work" and value eq "…"]`)
/// requires `value` to equal, if it does.
pub fn value_eq(f: &Lowered) -> Option<&str> {
    match f {
        Lowered::Cmp {
            attr,
            op: CompareOp::Eq,
            value: LValue::Str(s),
        } if attr.name == "value" => Some(s),
        Lowered::And(parts) => parts.iter().find_map(value_eq),
        _ => None,
    }
}

/// The member id of a group filter `members eq "u"` (or `members.value eq
/// "u"`, Okta's membership check): a backend answers it with a key lookup
/// of `u` and then of its memberships, never by walking the groups.
pub fn member_eq(f: &Lowered, kind: ResourceKind) -> Option<&str> {
    match f {
        Lowered::Cmp {
            attr,
            op: CompareOp::Eq,
            value: LValue::Str(s),
        } if kind == ResourceKind::Group
            && attr.ext_urn.is_none()
            && attr.name == "members"
            && matches!(attr.sub.as_deref(), None | Some("value")) =>
        {
            Some(s)
        }
        _ => None,
    }
}

/// The most comparisons a [`point_lookup`] holds besides its index's.
pub const POINT_TERMS: usize = 8;

/// Whether `f` is a point lookup: [`driven_by_index`], and small enough
/// that testing the rows the index finds against the rest costs about
/// nothing (at most [`POINT_TERMS`] comparisons). Backends run point
/// lookups the cheapest way (SQLite: inline, on the request's thread);
/// other queries where they can take time (SQLite: the readers' pool;
/// PostgreSQL: under the request's `statement_timeout`).
pub fn point_lookup(f: &Lowered, kind: ResourceKind) -> bool {
    driven_by_index(f, kind) && terms(f, POINT_TERMS + 1) <= POINT_TERMS
}

/// The comparisons and presence tests in `f`, counted up to `cap`.
fn terms(f: &Lowered, cap: usize) -> usize {
    match f {
        Lowered::Const(_) => 0,
        Lowered::Cmp { .. } | Lowered::Present(_) => 1,
        Lowered::Not(inner) => terms(inner, cap),
        Lowered::Any { filter, .. } => terms(filter, cap),
        Lowered::And(parts) | Lowered::Or(parts) => {
            let mut n = 0;
            for p in parts {
                n += terms(p, cap - n.min(cap));
                if n >= cap {
                    break;
                }
            }
            n
        }
    }
}

/// Whether `f` has a conjunct that one lookup of the index answers (an `eq`
/// on an indexed attribute, a value path with a `value eq` on one, or a
/// [`member_eq`]), so that a backend should start the query from its lookup
/// table rather than from the tenant's listing.
pub fn driven_by_index(f: &Lowered, kind: ResourceKind) -> bool {
    match f {
        Lowered::Cmp {
            attr,
            op: CompareOp::Eq,
            value: LValue::Str(_),
        } => is_indexed(kind, attr) || member_eq(f, kind).is_some(),
        Lowered::And(parts) => parts.iter().any(|p| driven_by_index(p, kind)),
        Lowered::Any { attr, filter } => {
            attr.ext_urn.is_none()
                && value_eq(filter).is_some()
                && attr_position(kind, &format!("{}.value", attr.name)).is_some()
        }
        _ => false,
    }
}

#[cfg(test)]
mod point_tests {
    use super::*;
    use scim_core::filter::{lower, Filter};
    use scim_core::schema::SchemaRegistry;

    fn check(filter: &str, point: bool) {
        let reg = SchemaRegistry::builtin().unwrap();
        let view = reg.view("User").unwrap();
        let lowered = lower(&Filter::parse(filter).unwrap(), &view).unwrap();
        assert_eq!(
            point_lookup(&lowered, ResourceKind::User),
            point,
            "{filter}"
        );
    }

    #[test]
    fn past_the_cap_one_row_stands_for_the_rest() {
        use serde_json::json;
        let emails: Vec<Value> = (0..MAX_INDEXED_VALUES + 500)
            .map(|i| json!({"value": format!("E{i}@x")}))
            .collect();
        let doc = json!({"userName": "u", "emails": emails, "externalId": "x"});
        let k = keys(ResourceKind::User, doc.as_object().unwrap(), true);
        let mails: Vec<&(String, String)> = k
            .entries
            .iter()
            .filter(|(p, _)| p == "emails.value")
            .collect();
        assert_eq!(mails.len(), MAX_INDEXED_VALUES + 1);
        assert_eq!(mails[0].1, "e0@x");
        assert_eq!(mails[MAX_INDEXED_VALUES].1, MORE_VALUES);
        assert!(k.entries.iter().any(|(p, v)| p == "externalId" && v == "x"));
    }

    #[test]
    fn point_lookups_are_index_led_and_small() {
        check(r#"userName eq "a""#, true);
        check(r#"emails[value eq "a@x"]"#, true);
        check(r#"userName eq "a" and active eq true"#, true);
        check(r#"userName co "a""#, false);
        let eight: Vec<String> = (0..7).map(|n| format!(r#"emails co "z{n}""#)).collect();
        check(
            &format!(r#"userName eq "a" and ({})"#, eight.join(" or ")),
            true,
        );
        let nine: Vec<String> = (0..8).map(|n| format!(r#"emails co "z{n}""#)).collect();
        check(
            &format!(r#"userName eq "a" and ({})"#, nine.join(" or ")),
            false,
        );
        let many: Vec<String> = (0..500).map(|n| format!(r#"emails co "z{n}""#)).collect();
        check(
            &format!(r#"userName eq "a" and ({})"#, many.join(" or ")),
            false,
        );
    }
}
