//! `replace` (RFC 7644 §3.5.2.3).
//!
//! - A multi-valued target without a filter is replaced whole ([`Multi::ReplaceAll`]).
//! - A complex target merges the given sub-attributes; the others are kept.
//! - Through a value filter, matching elements are replaced whole
//!   ([`Element::Replace`]), or their named sub-attribute is; no match is
//!   `noTarget` unless `filtered_write_creates` creates the element.
//! - A target without a value is treated as an add, as the RFC says.
//! - A `null` value, or an empty one for a complex attribute with
//!   `bare_value_for_complex` (Entra's manager removal), unassigns the target.
//! - On an external attribute (group `members`) it becomes [`ExternalOp::ReplaceAll`].

use super::external::{elements, ExternalOp};
use super::slot::check_writable;
use super::target::AttrTarget;
use super::write::{write, Element, Multi};
use super::Ctx;
use crate::{ScimError, ScimResult};
use serde_json::Value;

pub(crate) fn apply(
    ctx: &mut Ctx<'_, '_>,
    t: &AttrTarget<'_>,
    value: Option<&Value>,
) -> ScimResult<()> {
    let Some(value) = value else {
        return Err(ScimError::InvalidValue(format!(
            "replace of {:?} requires a \"value\"",
            t.text
        )));
    };
    if t.attr.external {
        if t.filter.is_some() || t.sub.is_some() {
            return Err(ScimError::InvalidPath(format!(
                "{}: replace all of {} or remove and add values",
                t.text, t.attr.name
            )));
        }
        check_writable(t, None, None)?;
        let values = if value.is_null() {
            Vec::new()
        } else {
            elements(t, Some(value), ctx.tol)?
        };
        ctx.external.push(ExternalOp::ReplaceAll {
            attr: t.attr.name.clone(),
            values,
        });
        return Ok(());
    }
    if value.is_null() && t.filter.is_none() && t.sub.is_none() && t.attr.required {
        return Err(ScimError::Mutability(format!(
            "{:?} is required and cannot be unassigned",
            t.text
        )));
    }
    write(ctx, t, value, Multi::ReplaceAll, Element::Replace)
}
