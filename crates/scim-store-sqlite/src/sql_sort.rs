//! `sortBy` as an SQL ORDER BY that matches `scim_core::sort::SortSpec`:
//! missing values last when ascending and first when descending, the
//! primary (else first) value of a multi-valued attribute, case folding
//! unless caseExact, and insertion order for ties.

use crate::sql_filter::json_path as path;
use scim_core::schema::AttrType;
use scim_core::sort::SortSpec;

/// The sort key expression over the row `r`.
fn key(spec: &SortSpec) -> String {
    let a = &spec.attr;
    let raw = match (a.ext_urn.is_none(), a.name.as_str(), a.sub.as_deref()) {
        (true, "id", None) => "r.id".to_string(),
        (true, "meta", Some("created")) => return "r.created".into(),
        (true, "meta", Some("lastModified")) => return "r.last_modified".into(),
        (true, "meta", _) => return "NULL".into(),
        (true, "members" | "groups", _) => return "NULL".into(),
        _ => {
            let mut base: Vec<&str> = Vec::new();
            if let Some(u) = &a.ext_urn {
                base.push(u);
            }
            base.push(&a.name);
            if a.multi_valued {
                let sub = a.sub.as_deref().map_or_else(
                    || "e.value".to_string(),
                    |s| format!("json_extract(e.value, {})", path(&[s])),
                );
                format!(
                    "(SELECT {sub} FROM json_each(r.doc, {}) e ORDER BY (json_extract(e.value, '$.\"primary\"') IS 1) DESC, e.key LIMIT 1)",
                    path(&base)
                )
            } else {
                if let Some(s) = &a.sub {
                    base.push(s);
                }
                format!("json_extract(r.doc, {})", path(&base))
            }
        }
    };
    match a.kind {
        AttrType::DateTime => format!("scim_ts({raw})"),
        AttrType::String | AttrType::Reference | AttrType::Binary if !a.case_exact => {
            format!("scim_fold({raw})")
        }
        _ => raw,
    }
}

/// `ORDER BY …` for a sort (or insertion order without one).
pub fn order_by(spec: Option<&SortSpec>) -> String {
    match spec {
        None => "ORDER BY r.seq".into(),
        Some(s) => {
            let k = key(s);
            if s.descending {
                format!("ORDER BY ({k}) IS NULL DESC, ({k}) DESC, r.seq")
            } else {
                format!("ORDER BY ({k}) IS NULL, ({k}), r.seq")
            }
        }
    }
}
