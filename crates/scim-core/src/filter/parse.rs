//! Recursive-descent parser for the filter grammar (see the module docs of
//! [`crate::filter`]) and for attribute and PATCH paths (RFC 7644 §3.10,
//! §3.5.2 Figure 7), which share its lexical rules.
//!
//! Every error is `invalidFilter` (or `invalidPath` for PATCH paths) and
//! names the character position where parsing failed.

use super::{CompValue, CompareOp, Filter, FilterOptions};
use crate::path::AttrPath;
use crate::{ScimError, ScimResult};

/// A parser over one filter or path string.
pub(crate) struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
    terms: usize,
    opts: FilterOptions,
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'$' || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_' || c == b'$'
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

impl<'a> Parser<'a> {
    /// A parser over `src`, refusing text longer than the limit.
    pub(crate) fn new(src: &'a str, opts: &FilterOptions) -> ScimResult<Parser<'a>> {
        if src.len() > opts.limits.max_len {
            return Err(ScimError::InvalidFilter(format!(
                "filter is {} bytes long; the limit is {}",
                src.len(),
                opts.limits.max_len
            )));
        }
        Ok(Parser {
            src,
            pos: 0,
            depth: 0,
            terms: 0,
            opts: *opts,
        })
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// An `invalidFilter` error at the current position.
    pub(crate) fn error(&self, msg: &str) -> ScimError {
        self.error_at(self.pos, msg)
    }

    fn error_at(&self, pos: usize, msg: &str) -> ScimError {
        let pos = pos.min(self.src.len());
        let column = self.src.get(..pos).map_or(pos, |s| s.chars().count()) + 1;
        let near: String = self.src.get(pos..).unwrap_or("").chars().take(16).collect();
        if near.is_empty() {
            ScimError::InvalidFilter(format!("{msg} at position {column} (end of input)"))
        } else {
            ScimError::InvalidFilter(format!("{msg} at position {column} (near {near:?})"))
        }
    }

    fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn enter(&mut self) -> ScimResult<()> {
        self.depth += 1;
        if self.depth > self.opts.limits.max_depth {
            return Err(self.error(&format!(
                "filter nests deeper than {} levels",
                self.opts.limits.max_depth
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn expect(&mut self, c: u8, what: &str) -> ScimResult<()> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected {what}")))
        }
    }

    /// Consumes `kw` (without regard to case) when it stands as a whole word.
    fn keyword(&mut self, kw: &str) -> bool {
        let end = self.pos + kw.len();
        let Some(word) = self.src.get(self.pos..end) else {
            return false;
        };
        if !word.eq_ignore_ascii_case(kw) {
            return false;
        }
        if self
            .bytes()
            .get(end)
            .is_some_and(|&c| is_name_char(c) || c == b'.' || c == b':')
        {
            return false;
        }
        self.pos = end;
        true
    }

    /// Parses the whole input as one filter.
    pub(crate) fn parse_complete(mut self) -> ScimResult<Filter> {
        self.skip_ws();
        if self.at_end() {
            return Err(self.error("empty filter"));
        }
        let f = self.filter(false)?;
        self.skip_ws();
        if !self.at_end() {
            return Err(self.error("unexpected text after filter"));
        }
        Ok(f)
    }

    /// `or` has the lowest precedence.
    fn filter(&mut self, in_value_path: bool) -> ScimResult<Filter> {
        let mut left = self.and_expr(in_value_path)?;
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.keyword("or") {
                let right = self.and_expr(in_value_path)?;
                left = Filter::or(left, right);
            } else {
                self.pos = save;
                return Ok(left);
            }
        }
    }

    fn and_expr(&mut self, in_value_path: bool) -> ScimResult<Filter> {
        let mut left = self.unary(in_value_path)?;
        loop {
            let save = self.pos;
            self.skip_ws();
            if self.keyword("and") {
                let right = self.unary(in_value_path)?;
                left = Filter::and(left, right);
            } else {
                self.pos = save;
                return Ok(left);
            }
        }
    }

    fn unary(&mut self, in_value_path: bool) -> ScimResult<Filter> {
        self.skip_ws();
        let save = self.pos;
        if self.keyword("not") {
            self.skip_ws();
            if self.peek() == Some(b'(') {
                self.pos += 1;
                self.enter()?;
                let inner = self.filter(in_value_path)?;
                self.expect(b')', "')' to close 'not ('")?;
                self.leave();
                return Ok(Filter::Not(Box::new(inner)));
            }
            // An attribute named "not": parse it as one.
            self.pos = save;
        }
        match self.peek() {
            Some(b'(') => {
                self.pos += 1;
                self.enter()?;
                let inner = self.filter(in_value_path)?;
                self.expect(b')', "')'")?;
                self.leave();
                Ok(inner)
            }
            None => Err(self.error("expected an attribute expression")),
            _ => self.attr_expr(in_value_path),
        }
    }

    fn count_term(&mut self) -> ScimResult<()> {
        self.terms += 1;
        if self.terms > self.opts.limits.max_terms {
            return Err(self.error(&format!(
                "filter has more than {} comparisons",
                self.opts.limits.max_terms
            )));
        }
        Ok(())
    }

    fn attr_expr(&mut self, in_value_path: bool) -> ScimResult<Filter> {
        let start = self.pos;
        let path = self.attr_path()?;
        if self.peek() == Some(b'[') {
            if in_value_path {
                return Err(self.error("value filters cannot be nested"));
            }
            if path.sub.is_some() {
                return Err(
                    self.error("a value filter applies to an attribute, not a sub-attribute")
                );
            }
            let inner = self.bracket_filter()?;
            if self.peek() == Some(b'.') {
                // Entra's form: emails[type eq "work"].value eq "x"
                self.pos += 1;
                let sub = self.name()?;
                let cmp = self.comparison(AttrPath::new(None, &sub, None))?;
                return Ok(Filter::ValuePath {
                    path,
                    filter: Box::new(Filter::and(inner, cmp)),
                });
            }
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(inner),
            });
        }
        if in_value_path && path.urn.is_some() {
            return Err(self.error_at(
                start,
                "attributes inside a value filter are sub-attribute names",
            ));
        }
        self.comparison(path)
    }

    /// Parses `[valFilter]`, the opening bracket being the next character.
    pub(crate) fn bracket_filter(&mut self) -> ScimResult<Filter> {
        self.pos += 1;
        self.enter()?;
        let inner = self.filter(true)?;
        self.expect(b']', "']' to close the value filter")?;
        self.leave();
        Ok(inner)
    }

    /// After an attribute path: `pr`, or an operator and a value.
    fn comparison(&mut self, path: AttrPath) -> ScimResult<Filter> {
        if !self.skip_ws() {
            return Err(self.error("expected a space and an operator after the attribute path"));
        }
        let op_pos = self.pos;
        let word = self.word();
        if word.is_empty() {
            return Err(self.error("expected an operator"));
        }
        self.count_term()?;
        if word.eq_ignore_ascii_case("pr") {
            return Ok(Filter::Present(path));
        }
        let Some(op) = CompareOp::from_keyword(word) else {
            return Err(self.error_at(op_pos, &format!("unknown operator {word:?}")));
        };
        self.skip_ws();
        let value = self.value()?;
        Ok(Filter::Compare { path, op, value })
    }

    /// A run of name characters (operator keywords).
    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        &self.src[start..self.pos]
    }

    /// `ATTRNAME`.
    pub(crate) fn name(&mut self) -> ScimResult<String> {
        if !self.peek().is_some_and(is_name_start) {
            return Err(self.error("expected an attribute name"));
        }
        let start = self.pos;
        while self.peek().is_some_and(is_name_char) {
            self.pos += 1;
        }
        Ok(self.src[start..self.pos].to_string())
    }

    /// `attrPath = [URI ":"] ATTRNAME *1subAttr`.
    pub(crate) fn attr_path(&mut self) -> ScimResult<AttrPath> {
        let start = self.pos;
        let rest = &self.src[self.pos..];
        if rest.len() >= 4 && rest.as_bytes()[..4].eq_ignore_ascii_case(b"urn:") {
            // The URN runs to the last ':' before the attribute name.
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '[' | ']' | '(' | ')' | '"'))
                .unwrap_or(rest.len());
            let token = &rest[..end];
            let Some(colon) = token.rfind(':') else {
                return Err(self.error("expected a schema URN"));
            };
            if colon + 1 >= token.len() {
                return Err(self.error_at(
                    start + colon + 1,
                    "expected an attribute name after the URN",
                ));
            }
            let urn = token[..colon].to_string();
            self.pos = start + colon + 1;
            let name = self.name()?;
            let sub = self.sub_attr()?;
            return Ok(AttrPath {
                urn: Some(urn),
                name,
                sub,
            });
        }
        let name = self.name()?;
        let sub = self.sub_attr()?;
        Ok(AttrPath {
            urn: None,
            name,
            sub,
        })
    }

    fn sub_attr(&mut self) -> ScimResult<Option<String>> {
        if self.peek() == Some(b'.')
            && self
                .bytes()
                .get(self.pos + 1)
                .is_some_and(|&c| is_name_start(c))
        {
            self.pos += 1;
            return Ok(Some(self.name()?));
        }
        Ok(None)
    }

    /// `compValue`.
    fn value(&mut self) -> ScimResult<CompValue> {
        let start = self.pos;
        if self.peek() == Some(b'"') {
            return self.string().map(CompValue::Str);
        }
        if self.peek() == Some(b'\'') {
            // RFC 7644 §3.7.1 writes `displayName sw 'Group'`, but compValue
            // is a JSON string: refused rather than read as a bare word.
            return Err(self.error("single quotes do not delimit a string; use \"…\""));
        }
        while self
            .peek()
            .is_some_and(|c| !is_space(c) && !matches!(c, b')' | b']' | b'(' | b'['))
        {
            self.pos += 1;
        }
        let word = &self.src[start..self.pos];
        if word.is_empty() {
            return Err(self.error("expected a value"));
        }
        if word.eq_ignore_ascii_case("true") {
            return Ok(CompValue::Bool(true));
        }
        if word.eq_ignore_ascii_case("false") {
            return Ok(CompValue::Bool(false));
        }
        if word.eq_ignore_ascii_case("null") {
            return Ok(CompValue::Null);
        }
        if is_json_number(word) {
            return Ok(CompValue::Num(word.to_string()));
        }
        if self.opts.unquoted_strings && !word.contains('"') {
            return Ok(CompValue::Str(word.to_string()));
        }
        Err(self.error_at(
            start,
            "expected a value: a quoted string, a number, true, false or null",
        ))
    }

    /// A JSON string literal, escapes decoded.
    fn string(&mut self) -> ScimResult<String> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.peek() {
                None => return Err(self.error_at(start, "unterminated string")),
                Some(b'\\') => self.pos += 2,
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => self.pos += 1,
            }
        }
        let lit = self
            .src
            .get(start..self.pos)
            .ok_or_else(|| self.error_at(start, "invalid string"))?;
        serde_json::from_str::<String>(lit)
            .map_err(|_| self.error_at(start, "invalid string literal"))
    }

    /// The byte offset reached, for callers that parse a prefix.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Whether all input is consumed.
    pub(crate) fn done(&self) -> bool {
        self.at_end()
    }
}

/// Whether `s` is a JSON number (RFC 8259 §6).
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c) if c.is_ascii_digit() => {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let from = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == from {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let from = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == from {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::is_json_number;

    #[test]
    fn json_numbers() {
        for ok in ["0", "-0", "12", "1.5", "-1.5e10", "2E-3", "10"] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "abc", "1a", "0x10", "+1"] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }
}
