//! `add` (RFC 7644 §3.5.2.1).
//!
//! - A multi-valued target gains the new values; values already present
//!   change nothing ([`Multi::Append`]).
//! - A complex target merges the given sub-attributes.
//! - A single-valued target is replaced.
//! - Through a value filter, matching elements gain the given
//!   sub-attributes ([`Element::Merge`]).
//! - On an external attribute (group `members`) it becomes [`ExternalOp::Add`].
//!
//! The operation MUST carry a `value`; without one it is `invalidValue`.

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
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Err(ScimError::InvalidValue(format!(
            "add to {:?} requires a \"value\"",
            t.text
        )));
    };
    if t.attr.external {
        if t.filter.is_some() || t.sub.is_some() {
            return Err(ScimError::InvalidPath(format!(
                "{}: add whole values to {}",
                t.text, t.attr.name
            )));
        }
        check_writable(t, None, None)?;
        let values = elements(t, Some(value), ctx.tol)?;
        if !values.is_empty() {
            ctx.external.push(ExternalOp::Add {
                attr: t.attr.name.clone(),
                values,
            });
        }
        return Ok(());
    }
    write(ctx, t, value, Multi::Append, Element::Merge)
}
