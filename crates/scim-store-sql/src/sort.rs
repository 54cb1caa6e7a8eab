//! `sortBy` as an SQL `ORDER BY` that matches `scim_core::sort::SortSpec`:
//! missing values last when ascending and first when descending, the
//! primary (else first) value of a multi-valued attribute, case folding
//! unless caseExact, code point order for strings, and insertion order for
//! ties. The key of a document attribute is the [`Dialect`]'s.

use crate::dialect::Dialect;
use scim_core::sort::SortSpec;

/// The sort key expression over the row `r`.
fn key(d: &dyn Dialect, spec: &SortSpec) -> String {
    let a = &spec.attr;
    match (a.ext_urn.is_none(), a.name.as_str(), a.sub.as_deref()) {
        (true, "id", None) => "r.id".into(),
        (true, "meta", Some("created")) => "r.created".into(),
        (true, "meta", Some("lastModified")) => "r.last_modified".into(),
        (true, "meta", _) | (true, "members" | "groups", _) => d.null_text().into(),
        _ => d.sort_key(spec),
    }
}

/// `ORDER BY …` for a sort (or insertion order without one).
pub fn order_by(d: &dyn Dialect, spec: Option<&SortSpec>) -> String {
    match spec {
        None => "ORDER BY r.seq".into(),
        Some(s) if s.descending => format!("ORDER BY {} DESC NULLS FIRST, r.seq", key(d, s)),
        Some(s) => format!("ORDER BY {} ASC NULLS LAST, r.seq", key(d, s)),
    }
}
