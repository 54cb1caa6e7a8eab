//! Bulk operations: `POST /Bulk` (RFC 7644 §3.7).
//!
//! - Operations run in order, each through the same use case as its single
//!   request (create, replace, patch, delete), each atomically.
//! - `bulkId:x` references in `path` and `data` are replaced by the id the
//!   operation with `bulkId` `x` created (§3.7.2). An operation whose
//!   reference is not resolved yet waits until it is (request order
//!   otherwise); references that can never resolve (circular, or to a
//!   failed or unknown operation) fail that operation with 409. The order is
//!   found once, in time linear in the request (a topological order by
//!   request position), however many references the operations carry.
//! - `failOnErrors` stops processing after that many errors (§3.7.3).
//! - Every result but a failed POST carries `location` (§3.7.3).
//! - `maxOperations` and `maxPayloadSize` are advertised and enforced (413).
//! - Each result's `status` is part of the BulkResponse body (§3.7.3), so
//!   this is the one place in the service that turns an [`Outcome`] into a
//!   status code ([`status_of`]); for single requests the HTTP crate does.

use crate::context::{Preconditions, RequestCtx};
use crate::outcome::Outcome;
use crate::resource::kind_of;
use crate::scim::Scim;
use scim_core::project::Projection;
use scim_core::resource::EtagCondition;
use scim_core::{ScimError, ScimResult};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The BulkRequest message schema.
pub const BULK_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
/// The BulkResponse message schema.
pub const BULK_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

struct Op {
    method: String,
    path: String,
    bulk_id: Option<String>,
    version: Option<String>,
    data: Option<Value>,
}

fn parse_op(v: &Value) -> ScimResult<Op> {
    let o = v
        .as_object()
        .ok_or_else(|| ScimError::InvalidSyntax("each bulk operation must be an object".into()))?;
    let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
    Ok(Op {
        method: text("method")
            .ok_or_else(|| ScimError::InvalidSyntax("a bulk operation lacks \"method\"".into()))?
            .to_ascii_uppercase(),
        path: text("path")
            .ok_or_else(|| ScimError::InvalidSyntax("a bulk operation lacks \"path\"".into()))?,
        bulk_id: text("bulkId"),
        version: text("version"),
        data: o.get("data").cloned(),
    })
}

/// The bulkIds referenced (`"bulkId:x"`) anywhere in a value.
fn references(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            if let Some(id) = s.strip_prefix("bulkId:") {
                out.push(id.to_string());
            }
        }
        Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        Value::Object(o) => o.values().for_each(|x| references(x, out)),
        _ => {}
    }
}

fn substitute(v: &mut Value, ids: &HashMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(id) = s.strip_prefix("bulkId:").and_then(|b| ids.get(b)) {
                *s = id.clone();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, ids)),
        Value::Object(o) => o.values_mut().for_each(|x| substitute(x, ids)),
        _ => {}
    }
}

fn path_refs(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix("bulkId:"))
        .map(str::to_string)
        .collect()
}

fn substitute_path(path: &str, ids: &HashMap<String, String>) -> String {
    path.split('/')
        .map(|seg| {
            seg.strip_prefix("bulkId:")
                .and_then(|b| ids.get(b))
                .map_or(seg.to_string(), Clone::clone)
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The resource an operation other than POST addresses, as a URL: RFC 7644
/// §3.7.3 requires `location` in every result "except in the event of a
/// POST failure" (a DELETE, a failed PUT or PATCH).
fn target_location(op: &Op, created: &HashMap<String, String>, base: &str) -> Option<String> {
    if op.method == "POST" {
        return None;
    }
    let path = substitute_path(&op.path, created);
    match path
        .trim_matches('/')
        .split('/')
        .collect::<Vec<_>>()
        .as_slice()
    {
        [endpoint, id] if !id.is_empty() => kind_of(endpoint.trim_end_matches('s'))
            .map(|kind| crate::render::location(base, kind, id)),
        _ => None,
    }
}

/// The status of an operation's result in a BulkResponse (RFC 7644
/// §3.7.3: the status the operation would have answered alone).
fn status_of(outcome: &Outcome) -> u16 {
    match outcome {
        Outcome::Created(..) => 201,
        Outcome::Found(..) | Outcome::Replaced(..) | Outcome::Patched(..) => 200,
        Outcome::NotModified(_) => 304,
        Outcome::Changed(_) | Outcome::Deleted(..) => 204,
    }
}

fn result(
    op: &Op,
    status: u16,
    location: Option<String>,
    version: Option<String>,
    response: Option<Value>,
) -> Value {
    let mut m = Map::new();
    if let Some(l) = location {
        m.insert("location".into(), json!(l));
    }
    m.insert("method".into(), json!(op.method));
    if let Some(b) = &op.bulk_id {
        m.insert("bulkId".into(), json!(b));
    }
    if let Some(v) = version {
        m.insert("version".into(), json!(v));
    }
    m.insert("status".into(), json!(status.to_string()));
    if let Some(r) = response {
        m.insert("response".into(), r);
    }
    Value::Object(m)
}

impl Scim<'_> {
    /// Runs a BulkRequest. `payload_size` is the request body's length in
    /// bytes. A request refused as a whole is audited, with what it sent.
    pub async fn bulk(&self, body: &Value, payload_size: usize) -> ScimResult<Value> {
        let result = self.bulk_inner(body, payload_size).await;
        self.audited(None, None, Some(body), result).await
    }

    async fn bulk_inner(&self, body: &Value, payload_size: usize) -> ScimResult<Value> {
        let (who, ctx) = (self.who, self.ctx);
        let limits = self.core.config.bulk;
        if payload_size > limits.max_payload_size {
            return Err(ScimError::PayloadTooLarge(format!(
                "the bulk request is {payload_size} bytes; maxPayloadSize is {}",
                limits.max_payload_size
            )));
        }
        let obj = body.as_object().ok_or_else(|| {
            ScimError::InvalidSyntax("the bulk request must be a JSON object".into())
        })?;
        let tol = who.profile().tolerances();
        let schema_ok = matches!(obj.get("schemas"), Some(Value::Array(s)) if s.iter().any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(BULK_REQUEST_SCHEMA))));
        if !schema_ok && !tol.loose_patch_envelope {
            return Err(ScimError::InvalidSyntax(format!(
                "\"schemas\" must be [\"{BULK_REQUEST_SCHEMA}\"]"
            )));
        }
        let ops = obj
            .get("Operations")
            .and_then(Value::as_array)
            .ok_or_else(|| ScimError::InvalidSyntax("\"Operations\" must be an array".into()))?;
        if ops.len() > limits.max_operations {
            return Err(ScimError::PayloadTooLarge(format!(
                "the bulk request has {} operations; maxOperations is {}",
                ops.len(),
                limits.max_operations
            )));
        }
        let fail_on_errors = match obj.get("failOnErrors") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().filter(|n| *n > 0).ok_or_else(|| {
                ScimError::InvalidValue("\"failOnErrors\" must be a positive integer".into())
            })?),
        };
        let ops: Vec<Op> = ops.iter().map(parse_op).collect::<ScimResult<_>>()?;
        // Each bulkId names one operation.
        let mut by_bulk_id: HashMap<&str, usize> = HashMap::new();
        for (i, op) in ops.iter().enumerate() {
            if let Some(b) = &op.bulk_id {
                if by_bulk_id.insert(b.as_str(), i).is_some() {
                    return Err(ScimError::InvalidValue(format!(
                        "bulkId {b:?} is used twice"
                    )));
                }
            }
        }
        // Dependencies, found once, in time linear in the request: an
        // operation waits for the operations whose bulkIds it references.
        let refs: Vec<Vec<String>> = ops
            .iter()
            .map(|op| {
                let mut r = path_refs(&op.path);
                if let Some(d) = &op.data {
                    references(d, &mut r);
                }
                r.sort_unstable();
                r.dedup();
                r
            })
            .collect();
        let mut waiting_on = vec![0usize; ops.len()];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); ops.len()];
        for (i, r) in refs.iter().enumerate() {
            for b in r {
                if let Some(&j) = by_bulk_id.get(b.as_str()) {
                    if j != i {
                        waiting_on[i] = waiting_on[i].saturating_add(1);
                        dependents[j].push(i);
                    } else {
                        // An operation that references itself can never run.
                        waiting_on[i] = usize::MAX;
                    }
                }
            }
        }
        // In request order, an operation as soon as all it waits for has
        // run (successfully or not).
        let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = (0..ops.len())
            .filter(|&i| waiting_on[i] == 0)
            .map(std::cmp::Reverse)
            .collect();
        let mut results: Vec<Option<Value>> = vec![None; ops.len()];
        let mut created: HashMap<String, String> = HashMap::new();
        let mut errors = 0u64;
        let mut stopped = false;
        while let Some(std::cmp::Reverse(i)) = ready.pop() {
            let op = &ops[i];
            let outcome = match refs[i].iter().find(|r| !created.contains_key(*r)) {
                // A reference to an operation that failed, or to none.
                Some(r) => Err(ScimError::Conflict(format!(
                    "bulkId {r:?} does not resolve to a created resource"
                ))),
                None => self.bulk_one(op, &created).await,
            };
            match outcome {
                Ok(done) => {
                    let (kind, id) = done.kind_and_id();
                    // An operation answered with the resource names it
                    // (`location`), and its bulkId stands for its id.
                    let shown = done.body().is_some();
                    if let (Some(b), true) = (&op.bulk_id, shown) {
                        created.insert(b.clone(), id.to_string());
                    }
                    let location = if shown {
                        Some(crate::render::location(&ctx.base_url, kind, id.as_str()))
                    } else {
                        target_location(op, &created, &ctx.base_url)
                    };
                    let version = done.version().map(|v| v.etag());
                    results[i] = Some(result(op, status_of(&done), location, version, None));
                }
                Err(e) => {
                    errors += 1;
                    let location = target_location(op, &created, &ctx.base_url);
                    results[i] = Some(result(op, e.status(), location, None, Some(e.to_body())));
                    if fail_on_errors.is_some_and(|n| errors >= n) {
                        stopped = true;
                        break;
                    }
                }
            }
            for &d in &dependents[i] {
                waiting_on[d] = waiting_on[d].saturating_sub(1);
                if waiting_on[d] == 0 {
                    ready.push(std::cmp::Reverse(d));
                }
            }
        }
        if !stopped {
            // What never became ready waits in a circle.
            for (i, slot) in results.iter_mut().enumerate() {
                if slot.is_none() {
                    let e =
                        ScimError::Conflict("circular bulkId references cannot be resolved".into());
                    *slot = Some(result(&ops[i], e.status(), None, None, Some(e.to_body())));
                }
            }
        }
        Ok(
            json!({"schemas": [BULK_RESPONSE_SCHEMA], "Operations": results.into_iter().flatten().collect::<Vec<_>>()}),
        )
    }

    async fn bulk_one(&self, op: &Op, created: &HashMap<String, String>) -> ScimResult<Outcome> {
        let path = substitute_path(&op.path, created);
        let mut data = op.data.clone().unwrap_or(Value::Null);
        substitute(&mut data, created);
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        let bad_path =
            || ScimError::InvalidValue(format!("bulk path {:?} names no resource", op.path));
        let kind = segs
            .first()
            .and_then(|s| kind_of(s.trim_end_matches('s')))
            .ok_or_else(bad_path)?;
        // Each operation has its own precondition and no projection, and
        // the audit log records it with its own method and path.
        let ctx = RequestCtx {
            method: format!("BULK {}", op.method),
            path: path.clone(),
            projection: Projection::default(),
            pre: Preconditions {
                if_match: op.version.as_deref().map(EtagCondition::parse),
                if_none_match: None,
            },
            ..self.ctx.clone()
        };
        let one = Scim::new(self.core, self.who, &ctx);
        match (op.method.as_str(), segs.as_slice()) {
            ("POST", [_]) => one.create(kind, &data).await,
            ("PUT", [_, id]) => one.replace(kind, id, &data).await,
            ("PATCH", [_, id]) => one.patch(kind, id, &data).await,
            ("DELETE", [_, id]) => one.delete(kind, id).await,
            ("POST" | "PUT" | "PATCH" | "DELETE", _) => Err(bad_path()),
            (m, _) => Err(ScimError::InvalidValue(format!(
                "bulk method {m:?} is not POST, PUT, PATCH or DELETE"
            ))),
        }
    }
}
