//! Building the audit entries and change events a write commits with
//! (`docs/events.md`). Entries record who asked (connection, profile,
//! correlation id), what (method, path), the outcome, and a structured diff
//! of what actually changed; events are RFC 9967 provisioning events
//! (`prov:create`, `prov:put`, `prov:patch`, `prov:delete`,
//! `prov:activate`, `prov:deactivate`).
//!
//! Entries also keep what the client sent ([`sent`]): the request body,
//! redacted like diffs and capped at [`SENT_CAP`] bytes.
//!
//! Invariant: secrets never reach the journal: attributes named like
//! `password` or `secret` (which covers every writeOnly attribute scimd
//! publishes; a test checks it) are redacted in diffs, event data and sent
//! bodies.

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

/// The most of a sent body's JSON text an audit entry keeps, in bytes.
pub const SENT_CAP: usize = 16 * 1024;

/// What an audit entry keeps of a body the client sent: the body with
/// secrets redacted (as in diffs), or, when its JSON text exceeds
/// [`SENT_CAP`] bytes, a string with the first part of that text and `…`
/// (and `true`: truncated).
pub fn sent(body: &Value) -> (Value, bool) {
    let redacted = redact(body);
    let text = redacted.to_string();
    if text.len() <= SENT_CAP {
        return (redacted, false);
    }
    let mut end = SENT_CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (Value::String(format!("{}…", &text[..end])), true)
}

/// Who asked, for the entries of one request.
#[derive(Debug, Clone)]
pub struct Origin {
    pub connection: Option<i64>,
    pub profile: String,
    pub request_id: String,
    pub method: String,
    pub path: String,
    /// What the client sent (see [`sent`]) and whether it was truncated.
    pub sent: Option<(Value, bool)>,
    /// The console admin who acts, for local changes.
    pub admin: Option<String>,
}

/// Who makes a local change: the command line (the default), or a
/// console admin, named, with the correlation id of the admin's request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalActor {
    pub admin: Option<String>,
    pub request_id: String,
}

impl LocalActor {
    /// The origin of a local action by this actor.
    pub fn origin(&self, action: &str) -> Origin {
        Origin {
            admin: self.admin.clone(),
            request_id: self.request_id.clone(),
            ..Origin::local(action)
        }
    }
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
            sent: None,
            admin: None,
        }
    }

    /// This origin, keeping what the client sent.
    pub fn with_sent(mut self, body: &Value) -> Origin {
        self.sent = Some(sent(body));
        self
    }

    /// The origin of a local administrative action (CLI, admin API).
    pub fn local(action: &str) -> Origin {
        Origin {
            connection: None,
            profile: "local".into(),
            request_id: String::new(),
            method: "ADMIN".into(),
            path: action.into(),
            sent: None,
            admin: None,
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
            sent: self.sent.as_ref().map(|(v, _)| v.clone()),
            sent_truncated: self.sent.as_ref().is_some_and(|(_, cut)| *cut),
            admin: self.admin.clone(),
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
    fn sent_bodies_are_redacted_and_capped() {
        let body = json!({"userName": "a", "password": "p1", "x": {"clientSecret": "s"}});
        let (v, cut) = sent(&body);
        assert!(!cut);
        assert_eq!(
            v,
            json!({"userName": "a", "password": REDACTED, "x": {"clientSecret": REDACTED}})
        );
        let big =
            json!({"Operations": [{"op": "add", "value": "é".repeat(SENT_CAP)}], "password": "p1"});
        let (v, cut) = sent(&big);
        assert!(cut);
        let text = v.as_str().unwrap();
        assert!(text.len() <= SENT_CAP + '…'.len_utf8() && text.ends_with('…'));
        assert!(serde_json::from_str::<Value>(text).is_err());
        // Redaction happens before the cut.
        let small_first = json!({"password": "p1", "pad": "x".repeat(SENT_CAP)});
        assert!(!sent(&small_first).0.as_str().unwrap().contains("p1"));
    }

    #[test]
    fn every_write_only_attribute_is_redacted() {
        fn walk(attrs: &[scim_core::schema::Attribute], out: &mut Vec<String>) {
            for a in attrs {
                if a.mutability == scim_core::schema::Mutability::WriteOnly {
                    out.push(a.name.clone());
                }
                walk(&a.sub_attributes, out);
            }
        }
        let reg = crate::registry().unwrap();
        let mut names = Vec::new();
        for s in reg.schemas() {
            walk(&s.attributes, &mut names);
        }
        assert!(names.iter().any(|n| n == "password"), "{names:?}");
        assert!(names.iter().all(|n| secret(n)), "{names:?}");
    }

    #[test]
    fn local_actors_name_the_admin() {
        let at = Timestamp::from_unix_millis(0).unwrap();
        let cli = LocalActor::default().origin("delete");
        let e = cli.entry(at, 204, "delete-local", None, None, None, vec![]);
        assert_eq!((e.admin, e.request_id.as_str()), (None, ""));
        let console = LocalActor {
            admin: Some("alice".into()),
            request_id: "r-1".into(),
        };
        let e = console.origin("disable-local").entry(
            at,
            200,
            "disable-local",
            None,
            None,
            None,
            vec![],
        );
        assert_eq!(
            (e.admin.as_deref(), e.request_id.as_str(), e.path.as_str()),
            (Some("alice"), "r-1", "disable-local")
        );
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
