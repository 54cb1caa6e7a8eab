//! `sortBy` as a PostgreSQL ORDER BY that matches `scim_core::sort::SortSpec`:
//! missing values last when ascending and first when descending, the
//! primary (else first) value of a multi-valued attribute, case folding
//! unless caseExact, code point order for strings (`COLLATE "C"`), and
//! insertion order for ties.

use crate::sql_filter::{json_at, lit, top_path};
use scim_core::schema::AttrType;
use scim_core::sort::SortSpec;

/// A typed sort key from the jsonb value `v` (NULL when it has another type).
fn typed(v: &str, kind: AttrType, case_exact: bool) -> String {
    match kind {
        AttrType::Boolean => {
            format!("(CASE WHEN jsonb_typeof({v}) = 'boolean' THEN ({v})::boolean END)")
        }
        AttrType::Integer | AttrType::Decimal => {
            format!("(CASE WHEN jsonb_typeof({v}) = 'number' THEN ({v})::numeric END)")
        }
        AttrType::DateTime => {
            format!("(CASE WHEN jsonb_typeof({v}) = 'string' THEN scim_ts({v} #>> '{{}}') END)")
        }
        _ if case_exact => {
            format!("(CASE WHEN jsonb_typeof({v}) = 'string' THEN ({v} #>> '{{}}') END)")
        }
        _ => format!("(CASE WHEN jsonb_typeof({v}) = 'string' THEN scim_fold({v} #>> '{{}}') END)"),
    }
}

/// The sort key expression over the row `r`.
fn key(spec: &SortSpec) -> String {
    let a = &spec.attr;
    match (a.ext_urn.is_none(), a.name.as_str(), a.sub.as_deref()) {
        (true, "id", None) => return "r.id".into(),
        (true, "meta", Some("created")) => return "r.created".into(),
        (true, "meta", Some("lastModified")) => return "r.last_modified".into(),
        (true, "meta", _) | (true, "members" | "groups", _) => return "NULL::text".into(),
        _ => {}
    }
    let top = json_at("r.doc", &top_path(a));
    let text = !matches!(
        a.kind,
        AttrType::Boolean | AttrType::Integer | AttrType::Decimal | AttrType::DateTime
    );
    let expr = if a.multi_valued {
        let leaf = match &a.sub {
            Some(s) => format!("(e.value -> {})", lit(s)),
            None => "e.value".into(),
        };
        format!(
            "(SELECT {} FROM jsonb_array_elements(scim_arr({top})) WITH ORDINALITY e(value, n) ORDER BY (e.value -> 'primary') = 'true'::jsonb DESC NULLS LAST, e.n LIMIT 1)",
            typed(&leaf, a.kind, a.case_exact)
        )
    } else {
        let leaf = match &a.sub {
            Some(s) => json_at(&top, &[s]),
            None => top,
        };
        typed(&leaf, a.kind, a.case_exact)
    };
    if text {
        format!("({expr} COLLATE \"C\")")
    } else {
        expr
    }
}

/// `ORDER BY …` for a sort (or insertion order without one).
pub fn order_by(spec: Option<&SortSpec>) -> String {
    match spec {
        None => "ORDER BY r.seq".into(),
        Some(s) => {
            let k = key(s);
            if s.descending {
                format!("ORDER BY {k} DESC NULLS FIRST, r.seq")
            } else {
                format!("ORDER BY {k} ASC NULLS LAST, r.seq")
            }
        }
    }
}
