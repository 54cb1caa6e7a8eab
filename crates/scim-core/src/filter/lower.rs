//! The lowered filter: attributes resolved against the schema, values typed,
//! `ne` and `null` comparisons rewritten, ready for SQL translation or
//! in-memory evaluation.
//!
//! Lowering is also where a filter is checked against the schema (RFC 7644
//! §3.4.2.2): an unknown attribute, or an operator the attribute type does
//! not support (`gt` on a boolean), is `invalidFilter`.
//!
//! Rewrites:
//! - `a ne v` becomes `not (a eq v)`, so a resource without `a` matches;
//! - `a eq null` becomes `not (a pr)`, and `a ne null` becomes `a pr`;
//! - a comparison on a complex attribute without a sub-attribute compares its
//!   `value` sub-attribute (`members eq "u"`, `emails co "x"`);
//! - chains of `and` / `or` flatten into lists;
//! - an attribute whose absent value means `true` (a User's `active`,
//!   `resource::defaults_true`) is compared as if it were there: `active
//!   pr` is true, `active eq true` also matches a document without it.

use super::{CompValue, CompareOp, Filter};
use crate::path::AttrPath;
use crate::schema::{AttrType, Attribute, Owner, ResourceSchema};
use crate::timestamp::Timestamp;
use crate::{ScimError, ScimResult};

/// A resolved attribute, with the characteristics that govern comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct LAttr {
    /// The extension schema URN holding the attribute, if it is an extension attribute.
    pub ext_urn: Option<String>,
    /// The canonical attribute name (a sub-attribute name inside [`Lowered::Any`]).
    pub name: String,
    /// The canonical sub-attribute name, if any.
    pub sub: Option<String>,
    /// The type of the compared value (of the sub-attribute, when there is one).
    pub kind: AttrType,
    /// Whether string comparison is case-exact.
    pub case_exact: bool,
    /// Whether the top-level attribute is multi-valued.
    pub multi_valued: bool,
    /// Whether the attribute lives outside the resource document (group members).
    pub external: bool,
    /// The code of an indexed extension attribute's rows in the stores'
    /// lookup index ([`crate::schema::Attribute::index`]).
    pub index: Option<i64>,
}

impl LAttr {
    /// `name` or `name.sub`, the canonical dotted form.
    pub fn dotted(&self) -> String {
        match &self.sub {
            Some(s) => format!("{}.{}", self.name, s),
            None => self.name.clone(),
        }
    }
}

/// A typed comparison value.
#[derive(Debug, Clone, PartialEq)]
pub enum LValue {
    Bool(bool),
    Int(i64),
    Dec(f64),
    Str(String),
    DateTime(Timestamp),
}

/// A filter in storage-neutral form. `ne` never appears: it is `Not(eq)`.
#[derive(Debug, Clone, PartialEq)]
pub enum Lowered {
    Const(bool),
    And(Vec<Lowered>),
    Or(Vec<Lowered>),
    Not(Box<Lowered>),
    Cmp {
        attr: LAttr,
        op: CompareOp,
        value: LValue,
    },
    Present(LAttr),
    /// Some element of the multi-valued (or complex) `attr` matches `filter`,
    /// whose attributes are `attr`'s sub-attributes.
    Any {
        attr: LAttr,
        filter: Box<Lowered>,
    },
}

/// Lowers a filter against a resource type's schemas.
pub fn lower(filter: &Filter, view: &ResourceSchema<'_>) -> ScimResult<Lowered> {
    Lowerer {
        scope: Scope::Resource(view),
        across: false,
    }
    .lower(filter)
}

/// Lowers a filter of a search across resource types (the root
/// `/.search`): a comparison, presence test or value filter that this
/// resource type cannot evaluate (an attribute it does not have) is false
/// here, and only it: `userName sw "e" or displayName sw "e"` finds groups
/// by their `displayName` (RFC 7644 §3.4.2.2, attributes a resource does
/// not have are unassigned).
pub fn lower_across(filter: &Filter, view: &ResourceSchema<'_>) -> ScimResult<Lowered> {
    Lowerer {
        scope: Scope::Resource(view),
        across: true,
    }
    .lower(filter)
}

/// Lowers a value filter whose attributes are sub-attributes of `parent`
/// (the filter inside `emails[...]`).
pub fn lower_relative(filter: &Filter, parent: &Attribute) -> ScimResult<Lowered> {
    Lowerer {
        scope: Scope::Element(parent),
        across: false,
    }
    .lower(filter)
}

enum Scope<'v, 'a> {
    Resource(&'v ResourceSchema<'a>),
    Element(&'v Attribute),
}

struct Lowerer<'v, 'a> {
    scope: Scope<'v, 'a>,
    /// Leaves this resource type cannot evaluate are false ([`lower_across`]).
    across: bool,
}

fn unknown(path: &AttrPath) -> ScimError {
    ScimError::InvalidFilter(format!(
        "unknown attribute {path:?}",
        path = path.to_string()
    ))
}

impl Lowerer<'_, '_> {
    fn lower(&self, f: &Filter) -> ScimResult<Lowered> {
        let leaf = matches!(
            f,
            Filter::Present(_) | Filter::Compare { .. } | Filter::ValuePath { .. }
        );
        match self.lower_node(f) {
            Err(_) if self.across && leaf => Ok(Lowered::Const(false)),
            r => r,
        }
    }

    fn lower_node(&self, f: &Filter) -> ScimResult<Lowered> {
        Ok(match f {
            Filter::And(..) => {
                let mut parts = Vec::new();
                self.flatten(f, true, &mut parts)?;
                Lowered::And(parts)
            }
            Filter::Or(..) => {
                let mut parts = Vec::new();
                self.flatten(f, false, &mut parts)?;
                Lowered::Or(parts)
            }
            Filter::Not(inner) => Lowered::Not(Box::new(self.lower(inner)?)),
            Filter::Present(path) => {
                let attr = self.resolve(path, false)?;
                if self.defaults_true(&attr) {
                    Lowered::Const(true)
                } else {
                    Lowered::Present(attr)
                }
            }
            Filter::Compare { path, op, value } => {
                let attr = self.resolve(path, true)?;
                let dflt = self.defaults_true(&attr);
                let l = compare(attr, *op, value)?;
                if dflt {
                    absent_is_true(l)
                } else {
                    l
                }
            }
            Filter::ValuePath { path, filter } => {
                let Scope::Resource(view) = &self.scope else {
                    return Err(ScimError::InvalidFilter(
                        "value filters cannot be nested".into(),
                    ));
                };
                let r = view.resolve(path).ok_or_else(|| unknown(path))?;
                if r.attr.kind != AttrType::Complex && !r.attr.multi_valued {
                    return Err(ScimError::InvalidFilter(format!(
                        "{path} is neither complex nor multi-valued; a value filter does not apply"
                    )));
                }
                let attr = top_attr(r.owner, r.attr);
                Lowered::Any {
                    attr,
                    filter: Box::new(lower_relative(filter, r.attr)?),
                }
            }
        })
    }

    /// Whether `attr` is a resource attribute whose absent value is `true`.
    fn defaults_true(&self, attr: &LAttr) -> bool {
        match &self.scope {
            Scope::Resource(view) => {
                attr.ext_urn.is_none()
                    && attr.sub.is_none()
                    && crate::resource::defaults_true(&view.core.id, &attr.name)
            }
            Scope::Element(_) => false,
        }
    }

    fn flatten(&self, f: &Filter, and: bool, out: &mut Vec<Lowered>) -> ScimResult<()> {
        match (f, and) {
            (Filter::And(l, r), true) | (Filter::Or(l, r), false) => {
                self.flatten(l, and, out)?;
                self.flatten(r, and, out)
            }
            _ => {
                out.push(self.lower(f)?);
                Ok(())
            }
        }
    }

    /// Resolves a path; for comparisons, a complex attribute means its `value`.
    fn resolve(&self, path: &AttrPath, comparing: bool) -> ScimResult<LAttr> {
        match &self.scope {
            Scope::Resource(view) => {
                let r = view.resolve(path).ok_or_else(|| unknown(path))?;
                if crate::redact::is_secret(r.attr) || crate::redact::is_secret(r.leaf()) {
                    // A filter on a secret would tell its value, one guess at a time.
                    return Err(ScimError::InvalidFilter(format!(
                        "{path} is never returned, so it cannot be filtered on"
                    )));
                }
                let mut attr = top_attr(r.owner, r.attr);
                if let Some(sub) = r.sub {
                    attr.sub = Some(sub.name.clone());
                    attr.kind = sub.kind;
                    attr.case_exact = sub.case_exact;
                    attr.index = None;
                } else if comparing && r.attr.kind == AttrType::Complex {
                    let value = r.attr.sub("value").ok_or_else(|| {
                        ScimError::InvalidFilter(format!(
                            "{path} is complex: compare one of its sub-attributes"
                        ))
                    })?;
                    attr.sub = Some(value.name.clone());
                    attr.kind = value.kind;
                    attr.case_exact = value.case_exact;
                    attr.index = None;
                }
                Ok(attr)
            }
            Scope::Element(parent) => {
                if path.urn.is_some() || path.sub.is_some() {
                    return Err(ScimError::InvalidFilter(format!(
                        "{path} is not a sub-attribute of {}",
                        parent.name
                    )));
                }
                let (name, kind, case_exact) = match parent.sub(&path.name) {
                    Some(s) => (s.name.clone(), s.kind, s.case_exact),
                    // A multi-valued simple attribute: "value" is the element itself.
                    None if !parent.is_complex() && path.name.eq_ignore_ascii_case("value") => {
                        ("value".to_string(), parent.kind, parent.case_exact)
                    }
                    None => return Err(unknown(path)),
                };
                if comparing && kind == AttrType::Complex {
                    return Err(unknown(path));
                }
                Ok(LAttr {
                    ext_urn: None,
                    name,
                    sub: None,
                    kind,
                    case_exact,
                    multi_valued: false,
                    external: false,
                    index: None,
                })
            }
        }
    }
}

fn top_attr(owner: Owner<'_>, attr: &Attribute) -> LAttr {
    LAttr {
        ext_urn: match owner {
            Owner::Extension(s) => Some(s.id.clone()),
            _ => None,
        },
        name: attr.name.clone(),
        sub: None,
        kind: attr.kind,
        case_exact: attr.case_exact,
        multi_valued: attr.multi_valued,
        external: attr.external,
        index: attr.index,
    }
}

/// A lowered comparison on an attribute whose absent value is `true`, as if
/// the attribute were always there.
fn absent_is_true(l: Lowered) -> Lowered {
    match l {
        Lowered::Cmp {
            attr,
            op: CompareOp::Eq,
            value: LValue::Bool(true),
        } => Lowered::Or(vec![
            Lowered::Cmp {
                attr: attr.clone(),
                op: CompareOp::Eq,
                value: LValue::Bool(true),
            },
            Lowered::Not(Box::new(Lowered::Present(attr))),
        ]),
        Lowered::Present(_) => Lowered::Const(true),
        Lowered::Not(inner) => Lowered::Not(Box::new(absent_is_true(*inner))),
        other => other,
    }
}

fn compare(attr: LAttr, op: CompareOp, value: &CompValue) -> ScimResult<Lowered> {
    let bad = |why: &str| {
        Err(ScimError::InvalidFilter(format!(
            "{} {} {value}: {why}",
            attr.dotted(),
            op.as_str()
        )))
    };
    if *value == CompValue::Null {
        return match op {
            CompareOp::Eq => Ok(Lowered::Not(Box::new(Lowered::Present(attr)))),
            CompareOp::Ne => Ok(Lowered::Present(attr)),
            _ => bad("null can only be compared with eq or ne"),
        };
    }
    let kind = attr.kind;
    let supported = match kind {
        AttrType::String | AttrType::Reference => true,
        AttrType::Binary => matches!(op, CompareOp::Eq | CompareOp::Ne),
        AttrType::Boolean => matches!(op, CompareOp::Eq | CompareOp::Ne),
        AttrType::Integer | AttrType::Decimal | AttrType::DateTime => !op.is_substring(),
        AttrType::Complex => false,
    };
    if !supported {
        return bad(&format!(
            "the operator is not supported for {} attributes",
            kind.as_str()
        ));
    }
    let typed = match (kind, value) {
        (AttrType::String | AttrType::Reference | AttrType::Binary, CompValue::Str(s)) => {
            LValue::Str(s.clone())
        }
        (AttrType::String | AttrType::Reference | AttrType::Binary, CompValue::Num(n)) => {
            LValue::Str(n.clone())
        }
        (AttrType::String | AttrType::Reference, CompValue::Bool(b)) => LValue::Str(b.to_string()),
        (AttrType::Boolean, CompValue::Bool(b)) => LValue::Bool(*b),
        (AttrType::Boolean, CompValue::Str(s)) if s.eq_ignore_ascii_case("true") => {
            LValue::Bool(true)
        }
        (AttrType::Boolean, CompValue::Str(s)) if s.eq_ignore_ascii_case("false") => {
            LValue::Bool(false)
        }
        (AttrType::Integer, CompValue::Num(n) | CompValue::Str(n)) => match n.trim().parse::<i64>()
        {
            Ok(i) => LValue::Int(i),
            Err(_) => return bad("expected an integer"),
        },
        (AttrType::Decimal, CompValue::Num(n) | CompValue::Str(n)) => match n.trim().parse::<f64>()
        {
            Ok(d) if d.is_finite() => LValue::Dec(d),
            _ => return bad("expected a decimal number"),
        },
        (AttrType::DateTime, CompValue::Str(s)) => match Timestamp::parse(s) {
            Some(t) => LValue::DateTime(t),
            None => return bad("expected a dateTime such as \"2011-05-13T04:42:34Z\""),
        },
        _ => {
            return bad(&format!(
                "the value does not fit a {} attribute",
                kind.as_str()
            ))
        }
    };
    if op == CompareOp::Ne {
        return Ok(Lowered::Not(Box::new(Lowered::Cmp {
            attr,
            op: CompareOp::Eq,
            value: typed,
        })));
    }
    Ok(Lowered::Cmp {
        attr,
        op,
        value: typed,
    })
}
