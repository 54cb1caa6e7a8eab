//! Building the audit entries and change events a write commits with
//! (`docs/events.md`). Entries record who asked (connection, profile,
//! correlation id), what (method, path), the outcome, and a structured diff
//! of what actually changed; events are RFC 9967 provisioning events
//! (`prov:create`, `prov:put`, `prov:patch`, `prov:delete`,
//! `prov:activate`, `prov:deactivate`).
//!
//! Invariant: secrets never reach the journal: attributes named like
//! `password` or `secret` are redacted in diffs and event data.

use crate::{Principal, RequestCtx};
use scim_core::timestamp::Timestamp;
use scim_store::{AuditEntry, ChangeEvent, Journal, ResourceKind};
use serde_json::{json, Map, Value};

/// The text that replaces a secret.
pub const REDACTED: &str = "[redacted]";

fn secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("password") || k.contains("secret")
}

fn redact(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if secret(k) {
                        json!(REDACTED)
                    } else {
                        redact(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        other => other.clone(),
    }
}

fn diff_into(
    prefix: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    out: &mut Vec<Value>,
) {
    for (k, n) in new {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match old.get(k) {
            None => out.push(json!({"op": "add", "path": path, "new": masked(k, n)})),
            Some(o) if o == n => {}
            Some(Value::Object(om)) if n.is_object() && !secret(k) => {
                if let Value::Object(nm) = n {
                    diff_into(&path, om, nm, out);
                }
            }
            Some(o) => out.push(
                json!({"op": "replace", "path": path, "old": masked(k, o), "new": masked(k, n)}),
            ),
        }
    }
    for (k, o) in old {
        if !new.contains_key(k) {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            out.push(json!({"op": "remove", "path": path, "old": masked(k, o)}));
        }
    }
}

fn masked(key: &str, v: &Value) -> Value {
    if secret(key) {
        json!(REDACTED)
    } else {
        redact(v)
    }
}

/// What changed between two documents: `[{"op", "path", "old", "new"}]`.
pub fn diff(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<Value> {
    let mut out = Vec::new();
    diff_into("", old, new, &mut out);
    out
}

/// The attribute names a diff touches (the "notice" form's `attributes`).
pub fn touched(diff: &[Value]) -> Vec<String> {
    let mut names: Vec<String> = diff
        .iter()
        .filter_map(|d| d.get("path").and_then(Value::as_str))
        .map(|p| p.split('.').next().unwrap_or(p).to_string())
        .collect();
    names.dedup();
    names
}

/// Who asked, for the entries of one request.
#[derive(Debug, Clone)]
pub struct Origin {
    pub connection: Option<i64>,
    pub profile: String,
    pub request_id: String,
    pub method: String,
    pub path: String,
}

impl Origin {
    /// The origin of a SCIM request.
    pub fn of(who: &Principal, ctx: &RequestCtx) -> Origin {
        Origin {
            connection: Some(who.connection().db_key()),
            profile: who
                .profile()
                .effective(ctx.user_agent.as_deref(), ctx.entra_flag)
                .name()
                .to_string(),
            request_id: ctx.request_id.clone(),
            method: ctx.method.clone(),
            path: ctx.path.clone(),
        }
    }

    /// The origin of a local administrative action (CLI, admin API).
    pub fn local(action: &str) -> Origin {
        Origin {
            connection: None,
            profile: "local".into(),
            request_id: String::new(),
            method: "ADMIN".into(),
            path: action.into(),
        }
    }

    /// An audit entry of this origin.
    #[allow(clippy::too_many_arguments)]
    pub fn entry(
        &self,
        at: Timestamp,
        status: u16,
        action: &str,
        kind: Option<ResourceKind>,
        id: Option<&str>,
        detail: Option<String>,
        diff: Vec<Value>,
    ) -> AuditEntry {
        AuditEntry {
            at: at.unix_millis(),
            connection: self.connection,
            request_id: self.request_id.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            profile: self.profile.clone(),
            status,
            action: action.into(),
            resource_type: kind.map(|k| k.name().to_string()),
            resource_id: id.map(str::to_string),
            detail,
            diff: Value::Array(diff),
        }
    }

    /// A change event of this origin.
    pub fn event(
        &self,
        at: Timestamp,
        event: &str,
        kind: ResourceKind,
        id: &str,
        doc: Option<&Map<String, Value>>,
        attributes: Vec<String>,
    ) -> ChangeEvent {
        ChangeEvent {
            event: event.into(),
            resource_type: kind.name().into(),
            resource_id: id.into(),
            external_id: doc
                .and_then(|d| d.get("externalId"))
                .and_then(Value::as_str)
                .map(str::to_string),
            at: at.unix_millis(),
            request_id: self.request_id.clone(),
            data: doc.map(|d| {
                let mut d = redact(&Value::Object(d.clone()));
                if let Some(m) = d.as_object_mut() {
                    m.insert("id".into(), json!(id));
                }
                d
            }),
            attributes,
        }
    }
}

fn active(doc: &Map<String, Value>) -> bool {
    doc.get("active").and_then(Value::as_bool).unwrap_or(true)
}

/// The journal of a change from `old` to `new` (`None`: created or
/// deleted) made by `event` (`create`, `put`, `patch`, `delete`), with the
/// audit `action` and `status`. A user's activation or deactivation adds
/// `prov:activate` / `prov:deactivate`.
#[allow(clippy::too_many_arguments)]
pub fn change(
    origin: &Origin,
    at: Timestamp,
    status: u16,
    action: &str,
    event: &str,
    kind: ResourceKind,
    id: &str,
    old: Option<&Map<String, Value>>,
    new: Option<&Map<String, Value>>,
    extra_attributes: &[&str],
) -> Journal {
    let empty = Map::new();
    let d = diff(old.unwrap_or(&empty), new.unwrap_or(&empty));
    let mut attributes = touched(&d);
    for a in extra_attributes {
        if !attributes.iter().any(|x| x == a) {
            attributes.push((*a).to_string());
        }
    }
    let mut events = vec![origin.event(at, event, kind, id, new, attributes)];
    if kind == ResourceKind::User {
        if let (Some(o), Some(n)) = (old, new) {
            if active(o) != active(n) {
                let e = if active(n) { "activate" } else { "deactivate" };
                events.push(origin.event(at, e, kind, id, None, Vec::new()));
            }
        }
    }
    let mut d = d;
    for a in extra_attributes {
        d.push(json!({"op": "replace", "path": a}));
    }
    Journal {
        audit: Some(origin.entry(at, status, action, Some(kind), Some(id), None, d)),
        events,
        ..Journal::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn diffs_are_structured_and_redacted() {
        let old = m(
            json!({"userName": "a", "name": {"givenName": "A", "familyName": "B"}, "title": "x", "password": "p1"}),
        );
        let new = m(
            json!({"userName": "a", "name": {"givenName": "Z", "familyName": "B"}, "active": false, "password": "p2"}),
        );
        let d = diff(&old, &new);
        assert_eq!(
            Value::Array(d.clone()),
            json!([
                {"op": "replace", "path": "name.givenName", "old": "A", "new": "Z"},
                {"op": "add", "path": "active", "new": false},
                {"op": "replace", "path": "password", "old": REDACTED, "new": REDACTED},
                {"op": "remove", "path": "title", "old": "x"}
            ])
        );
        assert_eq!(touched(&d), ["name", "active", "password", "title"]);
        assert!(!serde_json::to_string(&d).unwrap().contains("p1"));
    }

    #[test]
    fn deactivation_adds_its_event() {
        let origin = Origin::local("test");
        let at = Timestamp::from_unix_millis(0).unwrap();
        let old = m(json!({"userName": "a", "active": true}));
        let new = m(json!({"userName": "a", "active": false}));
        let j = change(
            &origin,
            at,
            200,
            "patch",
            "patch",
            ResourceKind::User,
            "u1",
            Some(&old),
            Some(&new),
            &[],
        );
        let kinds: Vec<&str> = j.events.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(kinds, ["patch", "deactivate"]);
        assert_eq!(j.events[0].attributes, ["active"]);
        assert_eq!(j.events[0].data.as_ref().unwrap()["id"], "u1");
    }
}
