//! Query parameters of list and search requests (RFC 7644 §3.4.2, §3.4.3),
//! index pagination (§3.4.2.4), cursor pagination (RFC 9865 §2) and the
//! ListResponse message.
//!
//! Paging rules: a `startIndex` below 1 is read as 1; a negative `count` as
//! 0; a `count` above the server maximum is reduced to it (RFC 7644
//! §3.4.2.4). Parameter names match without regard to case.

use crate::filter::Filter;
use crate::json::map_get_ci;
use crate::path::AttrPath;
use crate::project::Projection;
use crate::tolerance::Tolerances;
use crate::{ScimError, ScimResult};
use serde_json::{json, Map, Value};

/// The ListResponse message schema.
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/// The SearchRequest message schema.
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// How results are paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    /// `startIndex` (1-based).
    Index { start_index: u64 },
    /// RFC 9865 `cursor`: empty for the first page.
    Cursor(String),
}

/// A parsed list or search request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    pub filter: Option<Filter>,
    pub sort_by: Option<AttrPath>,
    pub sort_order: Option<String>,
    pub paging: Paging,
    /// The page size after capping; `None` means the server default.
    pub count: Option<u64>,
    pub projection: Projection,
}

/// Server limits on list requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListLimits {
    /// Page size when `count` is absent.
    pub default_count: u64,
    /// Largest page (`filter.maxResults` in ServiceProviderConfig).
    pub max_count: u64,
}

impl Default for ListLimits {
    fn default() -> Self {
        ListLimits {
            default_count: 100,
            max_count: 1000,
        }
    }
}

impl ListQuery {
    /// The effective page size.
    pub fn page_size(&self, limits: &ListLimits) -> u64 {
        self.count
            .unwrap_or(limits.default_count)
            .min(limits.max_count)
    }

    /// From URL query parameters (already percent-decoded).
    pub fn from_query(
        pairs: &[(String, String)],
        tol: &Tolerances,
        limits: &ListLimits,
    ) -> ScimResult<ListQuery> {
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let filter = match get("filter").map(str::trim) {
            None | Some("") => None,
            Some(f) => Some(Filter::parse_with(f, &tol.filter_options())?),
        };
        let start = get("startIndex")
            .map(|s| parse_int("startIndex", s))
            .transpose()?;
        let count = get("count").map(|s| parse_int("count", s)).transpose()?;
        let paging = match get("cursor") {
            Some(c) => {
                if start.is_some() {
                    return Err(ScimError::InvalidValue(
                        "use either cursor or startIndex, not both".into(),
                    ));
                }
                Paging::Cursor(c.to_string())
            }
            None => Paging::Index {
                start_index: clamp_start(start),
            },
        };
        Ok(ListQuery {
            filter,
            sort_by: get("sortBy")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(AttrPath::parse)
                .transpose()
                .map_err(sort_error)?,
            // A bad sortOrder is refused even without sortBy
            // (docs/reliability.md, Hostile input).
            sort_order: match get("sortOrder") {
                Some(o) => {
                    crate::sort::parse_order(Some(o))?;
                    Some(o.to_string())
                }
                None => None,
            },
            paging,
            count: count.map(|c| clamp_count(c, limits)),
            projection: Projection::parse(get("attributes"), get("excludedAttributes"))?,
        })
    }

    /// From a `POST /.search` body (RFC 7644 §3.4.3).
    pub fn from_search_body(
        body: &Value,
        tol: &Tolerances,
        limits: &ListLimits,
    ) -> ScimResult<ListQuery> {
        let obj = body.as_object().ok_or_else(|| {
            ScimError::InvalidSyntax("the search body must be a JSON object".into())
        })?;
        let schema_ok = matches!(obj.get("schemas"), Some(Value::Array(s))
            if s.iter().any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(SEARCH_REQUEST_SCHEMA))));
        if !schema_ok && !tol.loose_patch_envelope {
            return Err(ScimError::InvalidSyntax(format!(
                "\"schemas\" must be [\"{SEARCH_REQUEST_SCHEMA}\"]"
            )));
        }
        let mut pairs = Vec::new();
        for key in [
            "filter",
            "sortBy",
            "sortOrder",
            "startIndex",
            "count",
            "cursor",
        ] {
            match map_get_ci(obj, key) {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => pairs.push((key.to_string(), s.clone())),
                Some(Value::Number(n)) => pairs.push((key.to_string(), n.to_string())),
                Some(_) => {
                    return Err(ScimError::InvalidSyntax(format!(
                        "{key:?} has the wrong type"
                    )))
                }
            }
        }
        for key in ["attributes", "excludedAttributes"] {
            match map_get_ci(obj, key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                    let names = names.ok_or_else(|| {
                        ScimError::InvalidSyntax(format!("{key:?} must hold strings"))
                    })?;
                    pairs.push((key.to_string(), names.join(",")));
                }
                Some(Value::String(s)) => pairs.push((key.to_string(), s.clone())),
                Some(_) => {
                    return Err(ScimError::InvalidSyntax(format!(
                        "{key:?} must be an array of strings"
                    )))
                }
            }
        }
        ListQuery::from_query(&pairs, tol, limits)
    }
}

fn sort_error(e: ScimError) -> ScimError {
    ScimError::InvalidValue(format!("invalid sortBy: {}", e.detail()))
}

fn parse_int(name: &str, s: &str) -> ScimResult<i64> {
    let t = s.trim();
    t.parse::<i64>().or_else(|_| {
        // Out of range numbers saturate; anything else is an error.
        if !t.is_empty()
            && t.trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_digit())
        {
            Ok(if t.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            })
        } else {
            Err(ScimError::InvalidValue(format!(
                "{name} must be an integer, not {s:?}"
            )))
        }
    })
}

fn clamp_start(start: Option<i64>) -> u64 {
    start.map_or(1, |s| u64::try_from(s).unwrap_or(1).max(1))
}

fn clamp_count(count: i64, limits: &ListLimits) -> u64 {
    u64::try_from(count).unwrap_or(0).min(limits.max_count)
}

/// Builds a ListResponse (RFC 7644 §3.4.2); `startIndex` is omitted for
/// cursor paging, where `nextCursor`/`previousCursor` appear (RFC 9865 §2.2).
pub fn list_response(
    resources: Vec<Value>,
    total_results: u64,
    paging: &Paging,
    next_cursor: Option<String>,
    previous_cursor: Option<String>,
) -> Value {
    let mut out = Map::new();
    out.insert("schemas".into(), json!([LIST_RESPONSE_SCHEMA]));
    out.insert("totalResults".into(), json!(total_results));
    out.insert("itemsPerPage".into(), json!(resources.len()));
    match paging {
        Paging::Index { start_index } => {
            out.insert("startIndex".into(), json!(start_index));
        }
        Paging::Cursor(_) => {
            if let Some(p) = previous_cursor {
                out.insert("previousCursor".into(), Value::String(p));
            }
            if let Some(n) = next_cursor {
                out.insert("nextCursor".into(), Value::String(n));
            }
        }
    }
    out.insert("Resources".into(), Value::Array(resources));
    Value::Object(out)
}
