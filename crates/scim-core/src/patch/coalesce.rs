//! Runs of `add` operations that append to the same multi-valued attribute
//! (a client adding 9,999 emails one operation at a time) are appended in
//! one pass ([`super::append::Appender`], which keeps each operation's
//! meaning): linear in the run, not in the run times the attribute.
//!
//! Only where that changes nothing: a plain path (no filter, no
//! sub-attribute) to a readWrite multi-valued attribute kept in the
//! document, and array values. Should the run fail, it is applied again one
//! operation at a time, so the error names the operation that caused it.

use super::request::{OpKind, PatchOperation};
use super::target::Target;
use crate::schema::{Mutability, ResourceSchema};
use crate::tolerance::Tolerances;
use serde_json::Value;

/// The attribute a mergeable operation appends to.
fn key(op: &PatchOperation, view: &ResourceSchema<'_>, tol: &Tolerances) -> Option<String> {
    if op.kind != OpKind::Add || !matches!(op.value, Some(Value::Array(_))) {
        return None;
    }
    let path = op.path.as_ref()?;
    let Ok(Some(Target::Attribute(t))) = Target::resolve(path, view, tol) else {
        return None;
    };
    let plain = t.filter.is_none() && t.sub.is_none();
    let appends = t.attr.multi_valued && !t.attr.external;
    (plain && appends && t.attr.mutability == Mutability::ReadWrite)
        .then(|| format!("{}:{}", t.urn.unwrap_or_default(), t.attr.name))
}

/// The length of the run of mergeable operations that `ops` starts with,
/// when it has two or more.
pub(crate) fn run(
    ops: &[PatchOperation],
    view: &ResourceSchema<'_>,
    tol: &Tolerances,
) -> Option<usize> {
    let k = key(ops.first()?, view, tol)?;
    let len = 1 + ops[1..]
        .iter()
        .take_while(|op| key(op, view, tol).as_deref() == Some(k.as_str()))
        .count();
    (len >= 2).then_some(len)
}
