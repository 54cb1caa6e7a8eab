//! List queries: a lowered filter, a sort, paging and what to load.

use crate::model::{Load, Record};
use scim_core::filter::Lowered;
use scim_core::sort::SortSpec;

/// Which page to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// Skip this many results (index pagination, RFC 7644 §3.4.2.4).
    Offset(u64),
    /// Continue after a cursor this store issued; `None` starts (RFC 9865).
    Cursor(Option<String>),
}

/// A list query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub filter: Option<Lowered>,
    pub sort: Option<SortSpec>,
    pub page: PageRequest,
    /// The page size (0 returns only the total).
    pub limit: u64,
    pub load: Load,
    /// The bytes a page may hold ([`record_bytes`]): a store stops loading
    /// records once those loaded reach it, and the page continues after
    /// the last one (always at least one record, so paging advances).
    /// `None`: no bound.
    pub max_bytes: Option<u64>,
}

/// About the bytes a record takes rendered as SCIM JSON: its document,
/// `meta` and the references loaded with it (members, groups).
pub fn record_bytes(r: &Record) -> u64 {
    /// `id`, `meta` with `location` and `version`, `schemas`.
    const ENVELOPE: u64 = 320;
    /// One member or group reference: value, `$ref`, display, type.
    const REFERENCE: u64 = 192;
    let doc = serde_json::to_string(&r.doc).map_or(0, |t| t.len() as u64);
    let refs = r.members.as_ref().map_or(0, Vec::len) + r.groups.as_ref().map_or(0, Vec::len);
    doc + ENVELOPE + refs as u64 * REFERENCE
}

/// The byte budget of one page ([`Query::max_bytes`]).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    left: Option<u64>,
}

impl Budget {
    pub fn new(max: Option<u64>) -> Budget {
        Budget { left: max }
    }

    /// Whether another record may be loaded.
    pub fn open(&self) -> bool {
        self.left.is_none_or(|l| l > 0)
    }

    /// Counts a loaded record against the budget.
    pub fn charge(&mut self, r: &Record) {
        if let Some(l) = &mut self.left {
            *l = l.saturating_sub(record_bytes(r));
        }
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<Record>,
    /// How many resources match the filter in all.
    pub total: u64,
    /// For cursor paging: the cursor of the next page, if there is one.
    pub next_cursor: Option<String>,
}

/// Cursors are opaque to clients but deterministic, so that any replica can
/// continue a listing: `k<n>` continues after insertion sequence `n` (the
/// default order), `o<n>` skips `n` results of a sorted listing.
pub mod cursor {
    use crate::error::StoreError;

    /// A decoded cursor position.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Position {
        AfterSeq(i64),
        Offset(u64),
    }

    /// Encodes a position.
    pub fn encode(p: Position) -> String {
        match p {
            Position::AfterSeq(s) => format!("k{s}"),
            Position::Offset(o) => format!("o{o}"),
        }
    }

    /// Decodes a position, refusing anything this module did not write.
    pub fn decode(s: &str) -> Result<Position, StoreError> {
        let bad = || StoreError::InvalidCursor(format!("{s:?} is not a cursor this server issued"));
        let (tag, rest) = s.split_at_checked(1).ok_or_else(bad)?;
        match tag {
            "k" => rest.parse().map(Position::AfterSeq).map_err(|_| bad()),
            "o" => rest.parse().map(Position::Offset).map_err(|_| bad()),
            _ => Err(bad()),
        }
    }
}
