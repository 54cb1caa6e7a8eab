//! A filter with the values it compares secrets with redacted
//! ([`crate::redact::Secrets`]): what a log may keep of a filter a client
//! sent (`password eq "…"` keeps its shape, not the value).

use super::{CompValue, Filter};
use crate::path::AttrPath;
use crate::redact::{Secrets, REDACTED};

impl Filter {
    /// This filter with every value compared with a secret attribute
    /// replaced by [`REDACTED`], and the values removed.
    pub fn redacted(&self, secrets: &Secrets) -> (Filter, Vec<String>) {
        let mut removed = Vec::new();
        let f = walk(self, None, secrets, &mut removed);
        (f, removed)
    }
}

fn walk(f: &Filter, parent: Option<&AttrPath>, s: &Secrets, removed: &mut Vec<String>) -> Filter {
    match f {
        Filter::Compare { path, op, value } => {
            let full = match parent {
                Some(p) => AttrPath {
                    urn: p.urn.clone(),
                    name: p.name.clone(),
                    sub: Some(path.name.clone()),
                },
                None => path.clone(),
            };
            let value = if s.is_secret_path(&full) {
                if let CompValue::Str(v) | CompValue::Num(v) = value {
                    removed.push(v.clone());
                }
                CompValue::Str(REDACTED.to_string())
            } else {
                value.clone()
            };
            Filter::Compare {
                path: path.clone(),
                op: *op,
                value,
            }
        }
        Filter::Present(p) => Filter::Present(p.clone()),
        Filter::And(a, b) => Filter::And(
            Box::new(walk(a, parent, s, removed)),
            Box::new(walk(b, parent, s, removed)),
        ),
        Filter::Or(a, b) => Filter::Or(
            Box::new(walk(a, parent, s, removed)),
            Box::new(walk(b, parent, s, removed)),
        ),
        Filter::Not(a) => Filter::Not(Box::new(walk(a, parent, s, removed))),
        Filter::ValuePath { path, filter } => Filter::ValuePath {
            path: path.clone(),
            filter: Box::new(walk(filter, Some(path), s, removed)),
        },
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::schema::SchemaRegistry;

    fn check(input: &str, expected: &str) {
        let secrets = Secrets::of(&SchemaRegistry::builtin().unwrap());
        let (f, _) = Filter::parse(input).unwrap().redacted(&secrets);
        assert_eq!(f.to_string(), expected, "{input}");
    }

    #[test]
    fn secrets_in_filters() {
        check(r#"userName eq "a""#, r#"userName eq "a""#);
        check(r#"password eq "hunter22""#, r#"password eq "[redacted]""#);
        check(
            r#"userName eq "a" or PASSWORD co "hunter22""#,
            r#"userName eq "a" or PASSWORD co "[redacted]""#,
        );
        check(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:password eq "x" and not (active eq true)"#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:password eq "[redacted]" and not (active eq true)"#,
        );
        check(r#"emails[value eq "a@b"]"#, r#"emails[value eq "a@b"]"#);
        check("password pr", "password pr");
    }
}
