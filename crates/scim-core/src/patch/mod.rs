//! The PATCH engine of RFC 7644 §3.5.2: parsing the PatchOp message and
//! applying `add` (§3.5.2.1, [`add`]), `remove` (§3.5.2.2, [`remove`]) and
//! `replace` (§3.5.2.3, [`replace`]) to a canonical resource document.
//!
//! Operations apply in order and atomically: they run on a copy, and an
//! error in any operation leaves the resource untouched. The outcome says
//! whether anything changed, so that a no-op PATCH keeps the version and
//! `lastModified` (RFC 7644 §3.5.2.1, "SHALL NOT change the modify timestamp").
//!
//! Attributes marked external in the schema (group `members`) are not
//! edited in the document: their operations come back as [`ExternalOp`]s
//! for the store to apply as O(Δ) changes.
//!
//! IdP deviations are accepted only behind the switches of [`Tolerances`].

mod add;
mod append;
mod coalesce;
mod external;
mod remove;
mod replace;
mod request;
mod slot;
mod target;
mod write;

pub use external::{filter_value_ids, ExternalOp};
pub use request::{OpKind, PatchOperation, PatchRequest, PATCH_OP_SCHEMA};

use crate::resource::finalize;
use crate::schema::ResourceSchema;
use crate::tolerance::Tolerances;
use crate::{ScimError, ScimResult};
use serde_json::{Map, Value};
use target::Target;

/// The result of applying a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOutcome {
    /// The new canonical document.
    pub doc: Map<String, Value>,
    /// Whether the document differs from the original.
    pub changed: bool,
    /// Operations on external attributes, in request order.
    pub external: Vec<ExternalOp>,
}

/// Applies `request` to `doc` for a resource of type `view`.
pub fn apply(
    doc: &Map<String, Value>,
    request: &PatchRequest,
    view: &ResourceSchema<'_>,
    tol: &Tolerances,
) -> ScimResult<PatchOutcome> {
    let mut work = doc.clone();
    let mut external = Vec::new();
    let ops = &request.operations;
    let mut i = 0;
    while i < ops.len() {
        let mut ctx = Ctx {
            view,
            tol,
            doc: &mut work,
            external: &mut external,
        };
        if let Some(len) = coalesce::run(&ops[i..], view, tol) {
            let before = ctx.doc.clone();
            if ctx.append_run(&ops[i..i + len]).is_ok() {
                i += len;
                continue;
            }
            *ctx.doc = before;
        }
        ctx.apply_one(&ops[i])
            .map_err(|e| e.context(&format!("operation {}", i + 1)))?;
        i += 1;
    }
    finalize(&mut work, view)?;
    let changed = work != *doc;
    Ok(PatchOutcome {
        doc: work,
        changed,
        external,
    })
}

/// The state one operation works on.
pub(crate) struct Ctx<'c, 'a> {
    pub view: &'c ResourceSchema<'a>,
    pub tol: &'c Tolerances,
    pub doc: &'c mut Map<String, Value>,
    pub external: &'c mut Vec<ExternalOp>,
}

impl Ctx<'_, '_> {
    fn apply_one(&mut self, op: &PatchOperation) -> ScimResult<()> {
        match &op.path {
            Some(path) => match Target::resolve(path, self.view, self.tol)? {
                Some(Target::Attribute(t)) => self.dispatch(op.kind, &t, op.value.as_ref()),
                Some(Target::Extension(urn)) if op.kind == OpKind::Remove => {
                    // The path names a whole extension: remove all its attributes.
                    self.doc.shift_remove(&urn);
                    Ok(())
                }
                Some(Target::Extension(urn)) => {
                    self.pathless(op.kind, op.value.as_ref(), Some(&urn))
                }
                None => Ok(()), // unknown attribute, tolerated
            },
            None => self.pathless(op.kind, op.value.as_ref(), None),
        }
    }

    /// A run of `add` operations on one multi-valued attribute
    /// ([`coalesce::run`]), appended in one pass.
    fn append_run(&mut self, run: &[PatchOperation]) -> ScimResult<()> {
        let Some(path) = run.first().and_then(|op| op.path.as_ref()) else {
            return Ok(());
        };
        let Some(Target::Attribute(t)) = Target::resolve(path, self.view, self.tol)? else {
            return Err(ScimError::Internal("a run without its attribute".into()));
        };
        let values: Vec<&Value> = run.iter().filter_map(|op| op.value.as_ref()).collect();
        append::append(self, &t, &values)
    }

    fn dispatch(
        &mut self,
        kind: OpKind,
        t: &target::AttrTarget<'_>,
        value: Option<&Value>,
    ) -> ScimResult<()> {
        match kind {
            OpKind::Add => add::apply(self, t, value),
            OpKind::Replace => replace::apply(self, t, value),
            OpKind::Remove => remove::apply(self, t, value),
        }
    }

    /// A path-less operation (or one whose path is an extension URN): the
    /// value is an object of attributes, each handled as its own path.
    fn pathless(
        &mut self,
        kind: OpKind,
        value: Option<&Value>,
        ext: Option<&str>,
    ) -> ScimResult<()> {
        let Some(value) = value else {
            return Err(match kind {
                OpKind::Remove => ScimError::NoTarget("remove requires a \"path\"".into()),
                _ => ScimError::InvalidValue(
                    "an operation without \"path\" requires a \"value\"".into(),
                ),
            });
        };
        let Some(obj) = value.as_object() else {
            return Err(ScimError::InvalidValue(
                "an operation without \"path\" requires an object \"value\"".into(),
            ));
        };
        if kind == OpKind::Remove && !self.tol.remove_by_value {
            return Err(ScimError::NoTarget("remove requires a \"path\"".into()));
        }
        for (key, v) in obj {
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            let targets = Target::for_value_key(key, v, ext, self.view, self.tol)?;
            for (t, v) in targets {
                if t.is_read_only() && self.tol.ignore_read_only_in_value {
                    continue;
                }
                self.dispatch(kind, &t, Some(v))?;
            }
        }
        Ok(())
    }
}
