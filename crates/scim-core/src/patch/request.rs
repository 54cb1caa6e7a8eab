//! The PatchOp message (RFC 7644 §3.5.2): `schemas` holding
//! `urn:ietf:params:scim:api:messages:2.0:PatchOp` and an `Operations` array
//! of `{op, path, value}`.

use crate::json::map_get_ci;
use crate::path::PatchPath;
use crate::tolerance::Tolerances;
use crate::{ScimError, ScimResult};
use serde_json::Value;

/// The PatchOp message schema URN.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The most operations one request may carry.
pub const MAX_OPERATIONS: usize = 10_000;

/// `add`, `remove` or `replace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    Add,
    Remove,
    Replace,
}

/// One operation.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchOperation {
    pub kind: OpKind,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

/// A parsed PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchRequest {
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// Parses a PatchOp body. Structural errors are `invalidSyntax`, bad
    /// paths `invalidPath`, bad filters inside paths `invalidFilter`.
    pub fn parse(body: &Value, tol: &Tolerances) -> ScimResult<PatchRequest> {
        let obj = body.as_object().ok_or_else(|| {
            ScimError::InvalidSyntax("the PATCH body must be a JSON object".into())
        })?;
        let schema_ok = match obj.get("schemas") {
            Some(Value::Array(s)) => s.iter().any(|u| {
                u.as_str()
                    .is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP_SCHEMA))
            }),
            _ => false,
        };
        if !schema_ok && !tol.loose_patch_envelope {
            return Err(ScimError::InvalidSyntax(format!(
                "\"schemas\" must be [\"{PATCH_OP_SCHEMA}\"]"
            )));
        }
        let ops = if tol.loose_patch_envelope {
            map_get_ci(obj, "Operations")
        } else {
            obj.get("Operations")
        };
        let Some(Value::Array(ops)) = ops else {
            return Err(ScimError::InvalidSyntax(
                "\"Operations\" must be an array of operations".into(),
            ));
        };
        if ops.is_empty() {
            return Err(ScimError::InvalidSyntax("\"Operations\" is empty".into()));
        }
        if ops.len() > MAX_OPERATIONS {
            return Err(ScimError::InvalidSyntax(format!(
                "more than {MAX_OPERATIONS} operations"
            )));
        }
        let operations = ops
            .iter()
            .enumerate()
            .map(|(i, op)| {
                parse_op(op, tol).map_err(|e| e.context(&format!("operation {}", i + 1)))
            })
            .collect::<ScimResult<Vec<_>>>()?;
        Ok(PatchRequest { operations })
    }
}

fn parse_op(op: &Value, tol: &Tolerances) -> ScimResult<PatchOperation> {
    let obj = op
        .as_object()
        .ok_or_else(|| ScimError::InvalidSyntax("each operation must be a JSON object".into()))?;
    let get = |k: &str| {
        if tol.loose_patch_envelope {
            map_get_ci(obj, k)
        } else {
            obj.get(k)
        }
    };
    let kind = match get("op").and_then(Value::as_str) {
        Some("add") => OpKind::Add,
        Some("remove") => OpKind::Remove,
        Some("replace") => OpKind::Replace,
        Some(other) if tol.op_any_case => match other.to_ascii_lowercase().as_str() {
            "add" => OpKind::Add,
            "remove" => OpKind::Remove,
            "replace" => OpKind::Replace,
            _ => return Err(ScimError::InvalidSyntax(format!("unknown op {other:?}"))),
        },
        Some(other) => {
            return Err(ScimError::InvalidSyntax(format!(
                "unknown op {other:?}: expected \"add\", \"remove\" or \"replace\""
            )))
        }
        None => {
            return Err(ScimError::InvalidSyntax(
                "operation lacks a string \"op\"".into(),
            ))
        }
    };
    let path = match get("path") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(PatchPath::parse_with(s, &tol.filter_options())?),
        Some(_) => return Err(ScimError::InvalidPath("\"path\" must be a string".into())),
    };
    if path.is_none() && !tol.patch_without_path {
        return Err(ScimError::InvalidSyntax(
            "the operation lacks a \"path\": this connection follows the SCIM interoperability profile, which requires one per operation".into(),
        ));
    }
    let value = get("value").cloned();
    Ok(PatchOperation { kind, path, value })
}
