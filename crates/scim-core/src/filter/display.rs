//! Canonical text of a filter: lower-case keywords, single spaces, JSON
//! string escapes, and only the parentheses precedence requires.
//!
//! Invariant: `Filter::parse(&f.to_string()) == Ok(f)` for every parsed `f`
//! (checked by property tests).

use super::{CompValue, Filter};
use std::fmt;

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Num(n) => f.write_str(n),
            CompValue::Str(s) => {
                let quoted = serde_json::to_string(s).map_err(|_| fmt::Error)?;
                f.write_str(&quoted)
            }
        }
    }
}

/// Binding strength: `or` < `and` < everything else.
fn precedence(filter: &Filter) -> u8 {
    match filter {
        Filter::Or(..) => 1,
        Filter::And(..) => 2,
        _ => 3,
    }
}

fn child(f: &mut fmt::Formatter<'_>, c: &Filter, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({c})")
    } else {
        write!(f, "{c}")
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {} {value}", op.as_str()),
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath { path, filter } => write!(f, "{path}[{filter}]"),
            Filter::And(l, r) | Filter::Or(l, r) => {
                let p = precedence(self);
                // Left-associative: a right child of equal strength needs parentheses.
                child(f, l, precedence(l) < p)?;
                f.write_str(if p == 1 { " or " } else { " and " })?;
                child(f, r, precedence(r) <= p)
            }
        }
    }
}
