//! Query resources: `GET /Users`, `GET /Groups` (RFC 7644 §3.4.2) and
//! `POST /.search`, `POST /Users/.search`, `POST /Groups/.search` (§3.4.3):
//! filter, sort, index or cursor (RFC 9865) pagination, and projection.
//!
//! A page holds at most `ServiceConfig::max_page_bytes` (the store stops
//! loading there, after at least one resource): it may hold fewer
//! resources than asked for, as §3.4.2.4 allows, `itemsPerPage` says how
//! many, and the next `startIndex` or cursor continues right after them.

use crate::render::projected;
use crate::scim::Scim;
use scim_core::filter::{lower, lower_across};
use scim_core::list::{list_response, ListQuery, Paging};
use scim_core::sort::SortSpec;
use scim_core::{ScimError, ScimResult};
use scim_store::{PageRequest, Query, ResourceKind};
use serde_json::Value;

/// Where the query parameters come from.
#[derive(Debug, Clone, Copy)]
pub enum ListSource<'a> {
    /// URL query parameters of a GET.
    Query(&'a [(String, String)]),
    /// The body of a `POST …/.search`.
    Search(&'a Value),
}

impl Scim<'_> {
    /// Lists one resource type, or (with `kind` `None`, the root `/.search`)
    /// all: a ListResponse.
    pub async fn list(
        &self,
        kind: Option<ResourceKind>,
        source: ListSource<'_>,
    ) -> ScimResult<Value> {
        let (core, who, ctx) = (self.core, self.who, self.ctx);
        let tol = who.profile().tolerances();
        let q = match source {
            ListSource::Query(pairs) => ListQuery::from_query(pairs, &tol, &core.config.list)?,
            ListSource::Search(body) => ListQuery::from_search_body(body, &tol, &core.config.list)?,
        };
        q.projection.check(&tol)?;
        let limit = q.page_size(&core.config.list);
        let kinds: Vec<ResourceKind> = match kind {
            Some(k) => vec![k],
            None => {
                if matches!(q.paging, Paging::Cursor(_)) {
                    return Err(ScimError::InvalidValue(
                        "cursor pagination needs a resource type: search /Users or /Groups".into(),
                    ));
                }
                vec![ResourceKind::User, ResourceKind::Group]
            }
        };
        let single = kinds.len() == 1;
        // Across resource types, a filter that no type can evaluate is an
        // error; one that some type can is lowered for each type with what
        // that type lacks as false (`lower_across`).
        if let (Some(f), false) = (&q.filter, single) {
            let mut first = None;
            let mut any = false;
            for k in &kinds {
                match lower(f, &who.schemas().view(*k)?) {
                    Ok(_) => any = true,
                    Err(e) => first = first.or(Some(e)),
                }
            }
            if let (false, Some(e)) = (any, first) {
                return Err(e);
            }
        }
        let mut resources = Vec::new();
        let mut bytes_left = core.config.max_page_bytes.max(1);
        // A page its byte budget ended: the kinds after it give only totals.
        let mut full = false;
        let mut total = 0u64;
        let mut next_cursor = None;
        let mut skip = match &q.paging {
            Paging::Index { start_index } => start_index.saturating_sub(1),
            Paging::Cursor(_) => 0,
        };
        for k in kinds {
            let view = self.who.schemas().view(k)?;
            let filter = match &q.filter {
                None => None,
                Some(f) if single => Some(lower(f, &view)?),
                Some(f) => Some(lower_across(f, &view)?),
            };
            let sort = match &q.sort_by {
                Some(by) => match SortSpec::resolve(by, q.sort_order.as_deref(), &view) {
                    Ok(s) => Some(s),
                    Err(_) if !single => None,
                    Err(e) => return Err(e),
                },
                None => None,
            };
            let page = match &q.paging {
                Paging::Index { .. } => PageRequest::Offset(skip),
                Paging::Cursor(c) if c.is_empty() => PageRequest::Cursor(None),
                Paging::Cursor(c) => PageRequest::Cursor(Some(c.clone())),
            };
            let want = if full {
                0
            } else {
                limit.saturating_sub(resources.len() as u64)
            };
            let offset = skip;
            let query = Query {
                filter,
                sort,
                page,
                limit: want,
                load: core.load_for(k, &q.projection)?,
                max_bytes: Some(bytes_left),
            };
            let result = core.store.resources(who.tenant()).query(k, &query).await?;
            let got = result.records.len() as u64;
            full |= got < want && offset.saturating_add(got) < result.total;
            for r in &result.records {
                bytes_left = bytes_left.saturating_sub(scim_store::query::record_bytes(r));
            }
            total += result.total;
            skip = skip.saturating_sub(result.total);
            next_cursor = result.next_cursor;
            for r in &result.records {
                resources.push(projected(r, &ctx.base_url, &q.projection, &view));
            }
        }
        Ok(list_response(
            resources,
            total,
            &q.paging,
            next_cursor,
            None,
        ))
    }
}
