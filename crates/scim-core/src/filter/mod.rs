//! SCIM filters: the grammar of RFC 7644 §3.4.2.2, a parser with positioned
//! errors and limits, a canonical display, a typed storage-neutral lowered
//! form, and an in-memory evaluator.
//!
//! # Grammar
//!
//! RFC 7644 §3.4.2.2, Figure 1, as implemented:
//!
//! ```text
//! FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
//! valuePath = attrPath "[" valFilter "]"
//!             ; FILTER uses sub-attributes of a parent attrPath
//! valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
//! attrExp   = (attrPath SP "pr") /
//!             (attrPath SP compareOp SP compValue)
//! logExp    = FILTER SP ("and" / "or") SP FILTER
//! compValue = false / null / true / number / string
//!             ; rules from JSON Data Interchange format ABNF
//! compareOp = "eq" / "ne" / "co" /
//!             "sw" / "ew" /
//!             "gt" / "lt" /
//!             "ge" / "le"
//! attrPath  = [URI ":"] ATTRNAME *1subAttr
//!             ; SCIM attribute name
//!             ; URI is SCIM "schema" URI
//! ATTRNAME  = ALPHA *(nameChar)
//! nameChar  = "-" / "_" / DIGIT / ALPHA
//! subAttr   = "." ATTRNAME
//!             ; a sub-attribute of a complex attribute
//! ```
//!
//! Precedence (§3.4.2.2): grouping, then `not` over `and` over `or`;
//! `and` and `or` associate to the left. Keywords and operators match
//! without regard to case (`userName Eq "john"`).
//!
//! # Tolerances
//!
//! What real identity providers send, accepted on purpose:
//! - a value filter followed by a sub-attribute and a comparison, as Entra
//!   sends it: `emails[type eq "work"].value eq "x"`. It is read as
//!   `emails[type eq "work" and value eq "x"]`;
//! - redundant outer parentheses: `(userName eq "x")` (Qase);
//! - missing or extra whitespace around operators and values
//!   (`members[value eq"x"]` appears in RFC 7644 §3.5.2.2 itself);
//! - `ATTRNAME` may also start with `$` or `_` (`members.$ref`);
//! - with [`FilterOptions::unquoted_strings`], a bare word that is not
//!   `true`, `false`, `null` or a number is a string (Entra's
//!   `externalId eq abc`).
//!
//! Not tolerated: a single-quoted value, as RFC 7644 §3.7.1 writes it
//! (`displayName sw 'Group'`): `compValue` strings are JSON strings, so it
//! is a 400 `invalidFilter` naming the quote's position.
//!
//! # Limits
//!
//! [`Limits`] bounds the length, the nesting depth (parentheses, `not`,
//! value paths) and the number of comparisons. Exceeding one is an
//! `invalidFilter` error, like every parse error, and names the position.

mod display;
mod eval;
mod lower;
mod parse;
mod redact;

pub use eval::fold;
pub use lower::{lower, lower_across, lower_relative, LAttr, LValue, Lowered};
pub(crate) use parse::Parser;

use crate::path::AttrPath;
use crate::ScimResult;

/// A comparison operator (RFC 7644 §3.4.2.2, Table 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    /// Parses an operator keyword without regard to case (`pr` is not a comparison).
    pub fn from_keyword(s: &str) -> Option<CompareOp> {
        Some(match s.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }

    /// The canonical (lower-case) keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
        }
    }

    /// Whether the operator orders values (`gt`, `ge`, `lt`, `le`).
    pub fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
        )
    }

    /// Whether the operator matches substrings (`co`, `sw`, `ew`).
    pub fn is_substring(self) -> bool {
        matches!(self, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    }
}

/// A comparison value as written in the filter (RFC 7644 §3.4.2.2 `compValue`).
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    Null,
    Bool(bool),
    /// A JSON number, kept as written so that `externalId eq 00123` keeps its zeros.
    Num(String),
    Str(String),
}

/// A parsed filter. Attribute paths inside a [`Filter::ValuePath`] are
/// relative to the parent attribute (they name its sub-attributes).
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

/// Bounds on untrusted filter text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum length in bytes.
    pub max_len: usize,
    /// Maximum nesting of parentheses, `not` and value paths.
    pub max_depth: usize,
    /// Maximum number of comparisons and presence tests.
    pub max_terms: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_len: 16 * 1024,
            max_depth: 32,
            max_terms: 512,
        }
    }
}

/// Parser options: limits and tolerances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterOptions {
    pub limits: Limits,
    /// Accept bare words as string values (`externalId eq abc`).
    pub unquoted_strings: bool,
}

impl Default for FilterOptions {
    fn default() -> Self {
        FilterOptions {
            limits: Limits::default(),
            unquoted_strings: true,
        }
    }
}

impl FilterOptions {
    /// The strict RFC grammar: no unquoted strings.
    pub fn strict() -> FilterOptions {
        FilterOptions {
            limits: Limits::default(),
            unquoted_strings: false,
        }
    }
}

impl Filter {
    /// Parses a filter with the default (tolerant) options.
    pub fn parse(src: &str) -> ScimResult<Filter> {
        Filter::parse_with(src, &FilterOptions::default())
    }

    /// Parses a filter with explicit options.
    pub fn parse_with(src: &str, opts: &FilterOptions) -> ScimResult<Filter> {
        Parser::new(src, opts)?.parse_complete()
    }

    /// `a and b`.
    pub fn and(a: Filter, b: Filter) -> Filter {
        Filter::And(Box::new(a), Box::new(b))
    }

    /// `a or b`.
    pub fn or(a: Filter, b: Filter) -> Filter {
        Filter::Or(Box::new(a), Box::new(b))
    }
}
