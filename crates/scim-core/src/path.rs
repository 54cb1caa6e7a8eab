//! Attribute paths (RFC 7644 §3.10) and PATCH paths (RFC 7644 §3.5.2, Figure 7).
//!
//! ```text
//! attrPath = [URI ":"] ATTRNAME *1subAttr
//! PATH     = attrPath / valuePath [subAttr]
//! ```
//!
//! A URN prefix runs to the last `:` before the attribute name, so
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`
//! is the `manager` attribute of the enterprise extension, sub-attribute
//! `value`. Names keep the client's spelling; resolution against a schema
//! ignores case (RFC 7643 §2.1).

use crate::filter::{Filter, FilterOptions, Parser};
use crate::{ScimError, ScimResult};
use std::fmt;

/// `[URI ":"] ATTRNAME ["." ATTRNAME]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    /// The schema URN prefix, if written.
    pub urn: Option<String>,
    /// The attribute name.
    pub name: String,
    /// The sub-attribute name, if written.
    pub sub: Option<String>,
}

impl AttrPath {
    /// Builds a path from its parts.
    pub fn new(urn: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
        AttrPath {
            urn: urn.map(str::to_string),
            name: name.to_string(),
            sub: sub.map(str::to_string),
        }
    }

    /// Parses an attribute path such as `name.givenName` or a URN-qualified one.
    pub fn parse(src: &str) -> ScimResult<AttrPath> {
        let src = src.trim();
        let mut p = Parser::new(src, &FilterOptions::default()).map_err(to_path_error)?;
        let path = p.attr_path().map_err(to_path_error)?;
        if !p.done() {
            return Err(to_path_error(
                p.error("unexpected text after attribute path"),
            ));
        }
        Ok(path)
    }

    /// When this path could be a bare schema URN (`urn:…:2.0:User` parses as
    /// URN `urn:…:2.0`, name `User`), that URN.
    pub fn as_schema_urn(&self) -> Option<String> {
        match (&self.urn, &self.sub) {
            (Some(urn), None) => Some(format!("{urn}:{}", self.name)),
            _ => None,
        }
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        f.write_str(&self.name)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// A PATCH target: `attrPath`, or `attrPath[valFilter]` with an optional `.subAttr`.
///
/// Without a filter, any sub-attribute is in `attr.sub`; with a filter,
/// `attr.sub` is `None` and the sub-attribute after `]` is in `sub`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    pub sub: Option<String>,
}

impl PatchPath {
    /// Parses a PATCH path; errors are `invalidPath`.
    pub fn parse(src: &str) -> ScimResult<PatchPath> {
        PatchPath::parse_with(src, &FilterOptions::default())
    }

    /// Parses a PATCH path with explicit filter options.
    pub fn parse_with(src: &str, opts: &FilterOptions) -> ScimResult<PatchPath> {
        let src = src.trim();
        let mut p = Parser::new(src, opts).map_err(to_path_error)?;
        let attr = p.attr_path().map_err(to_path_error)?;
        if p.done() {
            return Ok(PatchPath {
                attr,
                filter: None,
                sub: None,
            });
        }
        if !src[p.position()..].starts_with('[') || attr.sub.is_some() {
            return Err(to_path_error(p.error("unexpected text in path")));
        }
        // A filter that does not parse makes the path malformed: invalidPath
        // (RFC 7644 §3.12: the "path" attribute was invalid or malformed);
        // a well-formed filter the resource cannot evaluate is invalidFilter
        // later, when it is lowered.
        let filter = p.bracket_filter().map_err(to_path_error)?;
        let mut sub = None;
        if src[p.position()..].starts_with('.') {
            let mut rest = Parser::new(&src[p.position() + 1..], opts).map_err(to_path_error)?;
            sub = Some(rest.name().map_err(to_path_error)?);
            if !rest.done() {
                return Err(to_path_error(
                    rest.error("unexpected text after sub-attribute"),
                ));
            }
        } else if !p.done() {
            return Err(to_path_error(p.error("unexpected text after value filter")));
        }
        Ok(PatchPath {
            attr,
            filter: Some(filter),
            sub,
        })
    }

    /// The path of the attribute (and sub-attribute) targeted, ignoring any filter.
    pub fn target(&self) -> AttrPath {
        match (&self.filter, &self.sub) {
            (Some(_), Some(sub)) => AttrPath {
                sub: Some(sub.clone()),
                ..self.attr.clone()
            },
            _ => self.attr.clone(),
        }
    }
}

impl fmt::Display for PatchPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.attr)?;
        if let Some(filter) = &self.filter {
            write!(f, "[{filter}]")?;
        }
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

fn to_path_error(e: ScimError) -> ScimError {
    match e {
        ScimError::InvalidFilter(m) => ScimError::InvalidPath(m),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(src: &str, expected: &str) {
        let got = match PatchPath::parse(src) {
            Ok(p) => format!(
                "urn={:?} name={} sub={:?} filter={:?} after={:?}",
                p.attr.urn,
                p.attr.name,
                p.attr.sub,
                p.filter.as_ref().map(|f| f.to_string()),
                p.sub
            ),
            Err(e) => format!("error: {e}"),
        };
        assert_eq!(got, expected, "{src}");
    }

    #[test]
    fn patch_paths() {
        check(
            "members",
            r#"urn=None name=members sub=None filter=None after=None"#,
        );
        check(
            "name.familyName",
            r#"urn=None name=name sub=Some("familyName") filter=None after=None"#,
        );
        check(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            r#"urn=Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User") name=manager sub=Some("value") filter=None after=None"#,
        );
        check(
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            r#"urn=None name=members sub=None filter=Some("value eq \"2819c223-7f76-453a-919d-413861904646\"") after=None"#,
        );
        check(
            r#"addresses[type eq "work"].streetAddress"#,
            r#"urn=None name=addresses sub=None filter=Some("type eq \"work\"") after=Some("streetAddress")"#,
        );
        // RFC 7644 §3.10's examples.
        check(
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName"#,
            r#"urn=None name=members sub=None filter=Some("value eq \"2819c223-7f76-453a-919d-413861904646\"") after=Some("displayName")"#,
        );
        check(
            r#"addresses[type eq "work"]"#,
            r#"urn=None name=addresses sub=None filter=Some("type eq \"work\"") after=None"#,
        );
        check(
            r#"members[value eq"2819c223"]"#,
            r#"urn=None name=members sub=None filter=Some("value eq \"2819c223\"") after=None"#,
        );
        check(
            r#"emails[type eq "work" and value ew "example.com"]"#,
            r#"urn=None name=emails sub=None filter=Some("type eq \"work\" and value ew \"example.com\"") after=None"#,
        );
        check(
            "",
            "error: 400 invalidPath: expected an attribute name at position 1 (end of input)",
        );
        check(
            "name.",
            "error: 400 invalidPath: unexpected text in path at position 5 (near \".\")",
        );
        check(
            "emails[type eq]",
            "error: 400 invalidPath: expected a value at position 15 (near \"]\")",
        );
        check("emails[type eq \"a\"", "error: 400 invalidPath: expected ']' to close the value filter at position 19 (end of input)");
        check(
            "emails[type eq \"a\"].",
            "error: 400 invalidPath: expected an attribute name at position 1 (end of input)",
        );
        check("urn:foo:", "error: 400 invalidPath: expected an attribute name after the URN at position 9 (end of input)");
    }

    #[test]
    fn attr_paths() {
        assert_eq!(
            AttrPath::parse("name.givenName").unwrap(),
            AttrPath::new(None, "name", Some("givenName"))
        );
        assert_eq!(
            AttrPath::parse("urn:ietf:params:scim:schemas:core:2.0:User:userName").unwrap(),
            AttrPath::new(
                Some("urn:ietf:params:scim:schemas:core:2.0:User"),
                "userName",
                None
            )
        );
        let urn =
            AttrPath::parse("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User").unwrap();
        assert_eq!(
            urn.as_schema_urn().as_deref(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert!(AttrPath::parse("a b").is_err());
        assert!(AttrPath::parse("1abc").is_err());
        assert_eq!(
            AttrPath::parse("members.$ref").unwrap().to_string(),
            "members.$ref"
        );
    }
}
