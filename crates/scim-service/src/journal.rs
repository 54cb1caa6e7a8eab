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
//! Invariant: secrets never reach the journal. What is secret is what the
//! schemas say ([`scim_core::redact`]: every writeOnly or never-returned
//! attribute), however the client addressed it (a key in any case, with
//! or without the URN, a PATCH path or value path, a path-less value
//! object, a Bulk operation's data); diffs, event data and sent bodies are
//! redacted by it, and a refusal's detail never repeats a value that was
//! redacted from the body. Whatever builds an entry through [`Origin`] gets
//! it, refusals included.

use crate::{Principal, RequestCtx};
use scim_core::redact::{Scope, Secrets};
use scim_core::timestamp::Timestamp;
use scim_store::{AuditEntry, ChangeEvent, Journal, ResourceKind};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

pub use scim_core::redact::REDACTED;

/// The secrets of the schemas scimd serves ([`crate::registry`]); were
/// the registry ever unavailable, everything a client sent is redacted.
pub fn secrets() -> &'static Secrets {
    static SECRETS: OnceLock<Secrets> = OnceLock::new();
    SECRETS.get_or_init(|| match crate::registry() {
        Ok(r) => Secrets::of(&r),
        Err(_) => Secrets::everything(),
    })
}

/// Redacted values shorter than this are not searched for in an error
/// detail (a short value would match ordinary words of the message).
const SCRUB_MIN: usize = 4;

/// The values redacted from what a client sent, kept (never printed) to
/// keep them out of the detail of a refusal.
#[derive(Clone, Default)]
pub struct Removed(Vec<String>);

impl std::fmt::Debug for Removed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Removed({} values)", self.0.len())
    }
}

impl Removed {
    /// `text` with every removed value in it replaced by [`REDACTED`].
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for v in self.0.iter().filter(|v| v.chars().count() >= SCRUB_MIN) {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), REDACTED);
            }
        }
        out
    }
}

fn diff_into(
    prefix: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    scope: Scope<'_>,
    out: &mut Vec<Value>,
) {
    for (k, n) in new {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        let at = scope.child(k);
        match old.get(k) {
            None => out.push(json!({"op": "add", "path": path, "new": at.redact(n)})),
            Some(o) if o == n => {}
            Some(Value::Object(om)) if n.is_object() && !at.is_secret() => {
                if let Value::Object(nm) = n {
                    diff_into(&path, om, nm, at, out);
                }
            }
            Some(o) => out.push(
                json!({"op": "replace", "path": path, "old": at.redact(o), "new": at.redact(n)}),
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
            out.push(json!({"op": "remove", "path": path, "old": scope.child(k).redact(o)}));
        }
    }
}

/// What changed between two documents: `[{"op", "path", "old", "new"}]`.
pub fn diff(old: &Map<String, Value>, new: &Map<String, Value>) -> Vec<Value> {
    let mut out = Vec::new();
    diff_into("", old, new, secrets().top(), &mut out);
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
/// (and `true`: truncated). Redaction comes first, so a cut never keeps a
/// secret.
pub fn sent(body: &Value) -> (Value, bool) {
    sent_and_removed(body).0
}

fn sent_and_removed(body: &Value) -> ((Value, bool), Removed) {
    let (redacted, removed) = secrets().redact_body(body);
    let removed = Removed(removed);
    let text = redacted.to_string();
    if text.len() <= SENT_CAP {
        return ((redacted, false), removed);
    }
    let mut end = SENT_CAP;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    ((Value::String(format!("{}…", &text[..end])), true), removed)
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
    /// The values redacted from `sent`, kept out of a refusal's detail.
    pub removed: Removed,
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
            removed: Removed::default(),
        }
    }

    /// This origin, keeping what the client sent (secrets redacted).
    pub fn with_sent(mut self, body: &Value) -> Origin {
        let (sent, removed) = sent_and_removed(body);
        self.sent = Some(sent);
        self.removed = removed;
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
            removed: Removed::default(),
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
            detail: detail.map(|d| self.removed.scrub(&d)),
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
                let mut d = secrets().redact_doc(&Value::Object(d.clone()));
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
/// `prov:activate` / `prov:deactivate`. Every event carries the resource's
/// `externalId` when it has one (after the change, else before it).
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
    // Every SET names the subject's externalId when it has one (RFC 9967
    // `sub_id`), deletions and (de)activations included.
    let external_id = new
        .or(old)
        .and_then(|d| d.get("externalId"))
        .and_then(Value::as_str);
    for e in &mut events {
        if e.external_id.is_none() {
            e.external_id = external_id.map(str::to_string);
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
        // By the schema, not by names: `clientSecret` is no attribute.
        let body = json!({"userName": "a", "password": "p1", "x": {"clientSecret": "s"}});
        let (v, cut) = sent(&body);
        assert!(!cut);
        assert_eq!(
            v,
            json!({"userName": "a", "password": REDACTED, "x": {"clientSecret": "s"}})
        );
        let patch = json!({"Operations": [{"op": "Replace", "path": "PASSWORD", "value": "p1"}]});
        assert_eq!(sent(&patch).0["Operations"][0]["value"], json!(REDACTED));
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
    fn every_secret_attribute_is_redacted() {
        fn walk(attrs: &[scim_core::schema::Attribute], out: &mut Vec<String>) {
            for a in attrs {
                if scim_core::redact::is_secret(a) {
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
        for n in names {
            let (v, _) = sent(
                &json!({ n.clone(): "v1", "Operations": [{"op": "add", "path": n.clone(), "value": "v2"}]}),
            );
            assert!(
                !v.to_string().contains("v1") && !v.to_string().contains("v2"),
                "{n}: {v}"
            );
        }
    }

    #[test]
    fn refusal_details_never_repeat_a_redacted_value() {
        let at = Timestamp::from_unix_millis(0).unwrap();
        let body =
            json!({"Operations": [{"op": "replace", "path": "password", "value": "Sup3r-secret"}]});
        let origin = Origin::local("patch").with_sent(&body);
        let e = origin.entry(
            at,
            400,
            "refused",
            None,
            None,
            Some("bad value \"Sup3r-secret\"".into()),
            vec![],
        );
        assert_eq!(e.detail.as_deref(), Some("bad value \"[redacted]\""));
        assert!(!format!("{origin:?}").contains("Sup3r"));
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
        let old = m(json!({"userName": "a", "externalId": "x1", "active": true}));
        let new = m(json!({"userName": "a", "externalId": "x1", "active": false}));
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
        // Every event names the subject's externalId, a deletion's too.
        let ext: Vec<Option<&str>> = j.events.iter().map(|e| e.external_id.as_deref()).collect();
        assert_eq!(ext, [Some("x1"), Some("x1")]);
        let gone = change(
            &origin,
            at,
            204,
            "delete",
            "delete",
            ResourceKind::User,
            "u1",
            Some(&old),
            None,
            &[],
        );
        assert_eq!(gone.events[0].external_id.as_deref(), Some("x1"));
    }
}
