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
use scim_core::redact::Secrets;
use scim_core::timestamp::Timestamp;
use scim_store::{AuditEntry, ChangeEvent, Journal, ResourceKind};
use serde_json::{json, Map, Value};
use std::sync::{Arc, OnceLock};

pub use scim_core::redact::REDACTED;

/// The secrets of the schemas scimd serves ([`crate::registry`]); were
/// the registry ever unavailable, everything a client sent is redacted.
pub fn secrets() -> &'static Arc<Secrets> {
    static SECRETS: OnceLock<Arc<Secrets>> = OnceLock::new();
    SECRETS.get_or_init(|| {
        Arc::new(match crate::registry() {
            Ok(r) => Secrets::of(&r),
            Err(_) => Secrets::everything(),
        })
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

/// The most of a sent body's JSON text an audit entry keeps, in bytes.
pub const SENT_CAP: usize = 16 * 1024;

/// What an audit entry keeps of a body the client sent: the body with
/// secrets redacted (as in diffs), or, when its JSON text exceeds
/// [`SENT_CAP`] bytes, a string with the first part of that text and `…`
/// (and `true`: truncated). Redaction comes first, so a cut never keeps a
/// secret.
pub fn sent(body: &Value) -> (Value, bool) {
    sent_and_removed(secrets(), body).0
}

fn sent_and_removed(secrets: &Secrets, body: &Value) -> ((Value, bool), Removed) {
    let (redacted, removed) = secrets.redact_body(body);
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
    /// What is secret: the tenant's schemas' (the built-in ones' for an
    /// origin of no tenant).
    pub secrets: Arc<Secrets>,
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
            secrets: who.schemas().secrets().clone(),
        }
    }

    /// This origin, redacting by a tenant's schemas.
    pub fn with_schemas(mut self, schemas: &crate::tenant_schemas::TenantSchemas) -> Origin {
        self.secrets = schemas.secrets().clone();
        self
    }

    /// This origin, keeping what the client sent (secrets redacted).
    pub fn with_sent(mut self, body: &Value) -> Origin {
        let (sent, removed) = sent_and_removed(&self.secrets, body);
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
            secrets: secrets().clone(),
        }
    }

    /// An audit entry of this origin.
    pub fn entry(&self, e: Entry<'_>) -> AuditEntry {
        AuditEntry {
            at: e.at.unix_millis(),
            connection: self.connection,
            request_id: self.request_id.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            profile: self.profile.clone(),
            status: e.status,
            action: e.action.into(),
            resource_type: e.kind.map(|k| k.name().to_string()),
            resource_id: e.id.map(str::to_string),
            detail: e.detail.map(|d| self.removed.scrub(&d)),
            diff: Value::Array(e.diff),
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
                let mut d = self.secrets.redact_doc(&Value::Object(d.clone()));
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

/// What one audit entry records besides its origin.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub at: Timestamp,
    /// The status the request was answered with.
    pub status: u16,
    pub action: &'a str,
    pub kind: Option<ResourceKind>,
    pub id: Option<&'a str>,
    pub detail: Option<String>,
    pub diff: Vec<Value>,
}

impl<'a> Entry<'a> {
    /// An entry about no resource, without detail or diff.
    pub fn new(at: Timestamp, status: u16, action: &'a str) -> Entry<'a> {
        Entry {
            at,
            status,
            action,
            kind: None,
            id: None,
            detail: None,
            diff: Vec::new(),
        }
    }

    /// This entry about a resource (`id` may name none of kind `kind`).
    pub fn about(mut self, kind: Option<ResourceKind>, id: Option<&'a str>) -> Entry<'a> {
        self.kind = kind;
        self.id = id;
        self
    }

    /// This entry with a detail.
    pub fn detail(mut self, detail: String) -> Entry<'a> {
        self.detail = Some(detail);
        self
    }

    /// This entry with a diff.
    pub fn diff(mut self, diff: Vec<Value>) -> Entry<'a> {
        self.diff = diff;
        self
    }
}

/// A change of one resource from `old` to `new` (`None`: created or
/// deleted), for its journal.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub at: Timestamp,
    /// The status the request is answered with.
    pub status: u16,
    /// The audit action (`create`, `replace`, `adopt`, `soft-delete`, …).
    pub action: &'a str,
    /// The provisioning event (`create`, `put`, `patch`, `delete`).
    pub event: &'a str,
    pub kind: ResourceKind,
    pub id: &'a str,
    pub old: Option<&'a Map<String, Value>>,
    pub new: Option<&'a Map<String, Value>>,
    /// Attributes changed outside the document (a group's `members`).
    pub extra: &'a [&'a str],
}

/// The journal of a change made by `origin`: its audit entry with the
/// diff, and its provisioning event; a user's activation or deactivation
/// adds `prov:activate` / `prov:deactivate`. Every event carries the
/// resource's `externalId` when it has one (after the change, else before it).
pub fn change(origin: &Origin, c: Change<'_>) -> Journal {
    let Change {
        at,
        status,
        action,
        event,
        kind,
        id,
        old,
        new,
        extra: extra_attributes,
    } = c;
    let empty = Map::new();
    let d = diff_by(
        &origin.secrets,
        old.unwrap_or(&empty),
        new.unwrap_or(&empty),
    );
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
        audit: Some(
            origin.entry(
                Entry::new(at, status, action)
                    .about(Some(kind), Some(id))
                    .diff(d),
            ),
        ),
        events,
        ..Journal::default()
    }
}

mod diff;
pub use diff::{diff, diff_by, touched, DIFF_VALUES_CAP};

#[cfg(test)]
mod tests;
