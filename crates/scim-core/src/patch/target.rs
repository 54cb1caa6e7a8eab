//! Resolving a PATCH path, or a key of a path-less value, to the attribute
//! it targets (RFC 7644 §3.5.2, Figure 7).

use crate::filter::Filter;
use crate::path::PatchPath;
use crate::schema::{Attribute, Mutability, Owner, ResourceSchema};
use crate::tolerance::Tolerances;
use crate::{ScimError, ScimResult};
use serde_json::Value;

/// What a path designates.
pub(crate) enum Target<'a> {
    /// An attribute, possibly filtered and with a sub-attribute.
    Attribute(AttrTarget<'a>),
    /// A whole extension (the path is its URN): the value holds its attributes.
    Extension(String),
}

/// A resolved attribute target.
pub(crate) struct AttrTarget<'a> {
    /// The extension URN whose object holds the attribute, if any.
    pub urn: Option<String>,
    pub attr: &'a Attribute,
    pub sub: Option<&'a Attribute>,
    pub filter: Option<Filter>,
    /// The path as written, for error messages.
    pub text: String,
}

impl AttrTarget<'_> {
    /// Whether the targeted attribute (or sub-attribute) is readOnly.
    pub fn is_read_only(&self) -> bool {
        self.attr.mutability == Mutability::ReadOnly
            || self
                .sub
                .is_some_and(|s| s.mutability == Mutability::ReadOnly)
    }

    /// The attribute governing the written value.
    pub fn leaf(&self) -> &Attribute {
        self.sub.unwrap_or(self.attr)
    }
}

fn unknown(text: &str, tol: &Tolerances) -> ScimResult<()> {
    let m = format!("no attribute {text:?} in this resource type");
    if tol.ignore_unknown_attributes {
        Ok(())
    } else if tol.undefined_path_is_invalid_path {
        Err(ScimError::InvalidPath(m))
    } else {
        Err(ScimError::InvalidSyntax(m))
    }
}

fn owner_urn(owner: Owner<'_>) -> Option<String> {
    match owner {
        Owner::Extension(s) => Some(s.id.clone()),
        _ => None,
    }
}

impl<'a> Target<'a> {
    /// Resolves a PATCH `path`. `Ok(None)`: unknown, and tolerated.
    pub fn resolve(
        path: &PatchPath,
        view: &ResourceSchema<'a>,
        tol: &Tolerances,
    ) -> ScimResult<Option<Target<'a>>> {
        let text = path.to_string();
        if path.filter.is_none() {
            if let Some(ext) = path.attr.as_schema_urn().and_then(|u| view.extension(&u)) {
                return Ok(Some(Target::Extension(ext.id.clone())));
            }
        }
        let Some((owner, attr)) = view.resolve_top(path.attr.urn.as_deref(), &path.attr.name)
        else {
            return unknown(&text, tol).map(|()| None);
        };
        let sub_name = path.attr.sub.as_deref().or(path.sub.as_deref());
        let sub = match sub_name {
            Some(s) => match attr.sub(s) {
                Some(sub) => Some(sub),
                None => return unknown(&text, tol).map(|()| None),
            },
            None => None,
        };
        // Entra removes a manager with `manager[value eq "id"]`: a filter on a
        // single-valued complex attribute selects that one value.
        let single_filter_ok = tol.filtered_write_creates && attr.is_complex();
        if path.filter.is_some() && !attr.multi_valued && !single_filter_ok {
            return Err(ScimError::InvalidPath(format!(
                "{text}: a value filter needs a multi-valued attribute"
            )));
        }
        Ok(Some(Target::Attribute(AttrTarget {
            urn: owner_urn(owner),
            attr,
            sub,
            filter: path.filter.clone(),
            text,
        })))
    }

    /// The targets of one key of a path-less `value` object (or of the value
    /// of a path that names an extension, `ext`).
    pub fn for_value_key<'v>(
        key: &str,
        value: &'v Value,
        ext: Option<&str>,
        view: &ResourceSchema<'a>,
        tol: &Tolerances,
    ) -> ScimResult<Vec<(AttrTarget<'a>, &'v Value)>> {
        let text = match ext {
            Some(u) => format!("{u}:{key}"),
            None => key.to_string(),
        };
        if ext.is_none() {
            if let (Some(schema), Some(obj)) = (view.extension(key), value.as_object()) {
                let mut out = Vec::new();
                for (k, v) in obj {
                    out.extend(Target::for_value_key(k, v, Some(&schema.id), view, tol)?);
                }
                return Ok(out);
            }
        }
        if key.contains(['.', ':', '[']) {
            if !tol.dotted_keys {
                return unknown(&text, tol).map(|()| Vec::new());
            }
            let Ok(path) = PatchPath::parse_with(&text, &tol.filter_options()) else {
                return unknown(&text, tol).map(|()| Vec::new());
            };
            return Ok(match Target::resolve(&path, view, tol)? {
                Some(Target::Attribute(t)) => vec![(t, value)],
                Some(Target::Extension(urn)) => match value.as_object() {
                    Some(obj) => {
                        let mut out = Vec::new();
                        for (k, v) in obj {
                            out.extend(Target::for_value_key(k, v, Some(&urn), view, tol)?);
                        }
                        out
                    }
                    None => Vec::new(),
                },
                None => Vec::new(),
            });
        }
        let Some((owner, attr)) = view.resolve_top(ext, key) else {
            return unknown(&text, tol).map(|()| Vec::new());
        };
        Ok(vec![(
            AttrTarget {
                urn: owner_urn(owner),
                attr,
                sub: None,
                filter: None,
                text,
            },
            value,
        )])
    }
}
