//! Secrets by what the schemas say: every attribute (or sub-attribute)
//! that is `writeOnly` or `returned: "never"` (RFC 7643 §2.2; `password`
//! in the built-in schemas), wherever a client can put its value:
//!
//! - a key of a resource body or of a PATCH value object, in any case,
//!   with or without a schema URN prefix (`urn:…:User:password`), dotted
//!   (`name.givenName`, as Entra sends path-less values), or inside the
//!   object keyed by an extension URN;
//! - a PATCH operation's `path` (any case, URN-prefixed, a value path
//!   `attr[filter].sub`, or a bare extension URN with an object value),
//!   or no path and a value object; whatever the `op` says (`Replace`);
//! - the `data` of each Bulk operation, whatever its method;
//! - a value filter inside a path that compares a secret sub-attribute:
//!   then the path itself is a secret.
//!
//! Names nothing the schemas do not (no guessing by key names): a key is
//! secret only when it resolves to a secret attribute of some schema.
//! [`Secrets::redact_body`] also returns the string values it removed, so
//! that a caller can keep them out of text that might echo them (an error
//! detail). Everything here is a function of its inputs.

use crate::path::{AttrPath, PatchPath};
use crate::schema::{Attribute, Mutability, Returned, SchemaRegistry};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The text that replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// A node of the tree of names that lead to secrets (lower case).
#[derive(Debug, Clone, Default, PartialEq)]
struct Node {
    secret: bool,
    children: BTreeMap<String, Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.get(&name.to_ascii_lowercase())
    }

    fn add(&mut self, attr: &Attribute) {
        let node = self
            .children
            .entry(attr.name.to_ascii_lowercase())
            .or_default();
        node.secret |= is_secret(attr);
        for sub in &attr.sub_attributes {
            node.add(sub);
        }
    }

    /// Drops every branch without a secret; whether anything is left.
    fn prune(&mut self) -> bool {
        self.children.retain(|_, c| c.prune());
        self.secret || !self.children.is_empty()
    }
}

/// Whether an attribute's value is a secret: writeOnly or never returned.
pub fn is_secret(attr: &Attribute) -> bool {
    attr.mutability == Mutability::WriteOnly || attr.returned == Returned::Never
}

/// The secret attributes of a registry, and redaction by them.
#[derive(Debug, Clone, PartialEq)]
pub struct Secrets {
    /// Attribute names at the top level of a resource (of every schema).
    root: Node,
    /// Schema URNs (lower case), each with its attributes.
    urns: BTreeMap<String, Node>,
}

impl Secrets {
    /// The secrets of every schema of `registry` (the union over resource
    /// types: a name secret in one schema is redacted wherever it appears).
    pub fn of(registry: &SchemaRegistry) -> Secrets {
        let mut root = Node::default();
        let mut urns = BTreeMap::new();
        for a in registry.common() {
            root.add(a);
        }
        for s in registry.schemas() {
            let mut n = Node::default();
            for a in &s.attributes {
                root.add(a);
                n.add(a);
            }
            if n.prune() {
                urns.insert(s.id.to_ascii_lowercase(), n);
            }
        }
        root.prune();
        Secrets { root, urns }
    }

    /// Redaction of everything: what a caller uses when it has no schemas.
    pub fn everything() -> Secrets {
        Secrets {
            root: Node {
                secret: true,
                children: BTreeMap::new(),
            },
            urns: BTreeMap::new(),
        }
    }

    /// Whether no attribute is secret.
    pub fn is_empty(&self) -> bool {
        !self.root.secret && self.root.children.is_empty() && self.urns.is_empty()
    }

    /// The names of the secret attributes and sub-attributes (lower case),
    /// for a cheap pre-filter of stored text that might hold one.
    pub fn names(&self) -> Vec<String> {
        fn walk(n: &Node, name: &str, out: &mut Vec<String>) {
            if n.secret && !name.is_empty() && !out.iter().any(|x| x == name) {
                out.push(name.to_string());
            }
            for (k, c) in &n.children {
                walk(c, k, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.root, "", &mut out);
        for n in self.urns.values() {
            walk(n, "", &mut out);
        }
        out
    }

    /// Whether an attribute path (as a filter writes it) names a secret
    /// or something inside one.
    pub fn is_secret_path(&self, p: &AttrPath) -> bool {
        let lower = AttrPath {
            urn: p.urn.as_ref().map(|u| u.to_ascii_lowercase()),
            name: p.name.to_ascii_lowercase(),
            sub: p.sub.as_ref().map(|s| s.to_ascii_lowercase()),
        };
        self.root.secret || self.resolve_attr(&lower).is_some_and(|n| n.secret)
    }

    /// The node of a top-level key or attribute path (`password`,
    /// `name.givenName`, `urn:…:User:password`, a bare schema URN).
    fn resolve(&self, text: &str) -> Option<&Node> {
        let lower = text.trim().to_ascii_lowercase();
        if let Some(n) = self.urns.get(&lower) {
            return Some(n);
        }
        if let Ok(p) = AttrPath::parse(&lower) {
            return self.resolve_attr(&p);
        }
        // Not a path of the grammar: only an exact name can still match.
        self.root.child(&lower)
    }

    fn resolve_attr(&self, p: &AttrPath) -> Option<&Node> {
        let scope = match &p.urn {
            None => &self.root,
            Some(urn) => match self.urns.get(&urn.to_ascii_lowercase()) {
                Some(n) => n,
                None => {
                    return p
                        .as_schema_urn()
                        .and_then(|u| self.urns.get(&u.to_ascii_lowercase()))
                }
            },
        };
        let top = scope.child(&p.name)?;
        match &p.sub {
            Some(s) => top.child(s),
            None => Some(top),
        }
    }

    /// A body a client sent (a resource, a PATCH request, a Bulk request)
    /// with every secret replaced by [`REDACTED`], and the strings removed.
    pub fn redact_body(&self, body: &Value) -> (Value, Vec<String>) {
        let mut removed = Vec::new();
        let v = self.body(body, &mut removed);
        (v, removed)
    }

    /// A resource document (or event data) with its secrets redacted.
    pub fn redact_doc(&self, doc: &Value) -> Value {
        self.redact_body(doc).0
    }

    fn body(&self, v: &Value, removed: &mut Vec<String>) -> Value {
        if self.root.secret {
            return hide(v, removed);
        }
        let Value::Object(m) = v else {
            return match v {
                Value::Array(items) => {
                    Value::Array(items.iter().map(|i| self.body(i, removed)).collect())
                }
                other => other.clone(),
            };
        };
        let mut out = Map::with_capacity(m.len());
        for (k, val) in m {
            let redacted = match self.resolve(k) {
                Some(n) => at(n, val, removed),
                None if k.eq_ignore_ascii_case("operations") => self.operations(val, removed),
                None => val.clone(),
            };
            out.insert(k.clone(), redacted);
        }
        Value::Object(out)
    }

    /// The `Operations` of a PATCH or a Bulk request.
    fn operations(&self, ops: &Value, removed: &mut Vec<String>) -> Value {
        let Value::Array(items) = ops else {
            return ops.clone();
        };
        let ops = items.iter().map(|op| {
            let Value::Object(m) = op else {
                return op.clone();
            };
            let get = |name: &str| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name));
            if get("data").is_some() || get("method").is_some() {
                // A Bulk operation: its data is a body of its own.
                let out = m.iter().map(|(k, v)| {
                    let v = if k.eq_ignore_ascii_case("data") {
                        self.body(v, removed)
                    } else {
                        v.clone()
                    };
                    (k.clone(), v)
                });
                return Value::Object(out.collect());
            }
            let path = get("path").and_then(|(_, p)| p.as_str());
            let (target, path_secret) = match path {
                None => (None, false),
                Some(p) => self.patch_target(p, removed),
            };
            let out = m.iter().map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("value") {
                    match (path, target) {
                        (None, _) => self.body(v, removed),
                        (Some(_), Some(n)) => at(n, v, removed),
                        (Some(_), None) => v.clone(),
                    }
                } else if k.eq_ignore_ascii_case("path") && path_secret {
                    hide(v, removed)
                } else {
                    v.clone()
                };
                (k.clone(), v)
            });
            Value::Object(out.collect())
        });
        Value::Array(ops.collect())
    }

    /// The node a PATCH path targets, and whether the path itself holds a
    /// secret (a value filter comparing a secret sub-attribute).
    fn patch_target(&self, path: &str, removed: &mut Vec<String>) -> (Option<&Node>, bool) {
        let lower = path.trim().to_ascii_lowercase();
        if let Some(n) = self.urns.get(&lower) {
            return (Some(n), false);
        }
        if let Ok(p) = PatchPath::parse(path) {
            let Some(attr) = self.resolve_attr(&p.attr) else {
                return (None, false);
            };
            let path_secret = p
                .filter
                .as_ref()
                .is_some_and(|f| mentions(attr, f, removed));
            let target = match &p.sub {
                Some(s) if p.filter.is_some() => attr.child(s),
                _ => Some(attr),
            };
            return (target, path_secret);
        }
        // Not a path of the grammar: resolve what precedes a bracket, and
        // treat the rest as secret if it names a secret sub-attribute.
        let (head, rest) = lower.split_once('[').unwrap_or((&lower, ""));
        let Some(attr) = self.resolve(head) else {
            return (None, false);
        };
        let path_secret = attr
            .children
            .iter()
            .any(|(name, c)| c.secret && rest.contains(name.as_str()));
        let sub = rest.rsplit_once("].").map(|(_, s)| s.trim());
        let target = match sub {
            Some(s) => attr.child(s),
            None => Some(attr),
        };
        (target, path_secret || attr.secret)
    }

    /// An audit diff (`[{"op", "path", "old", "new"}]`, paths dotted from
    /// the document's keys) with the values of secret paths redacted.
    pub fn redact_diff(&self, diff: &Value) -> Value {
        let Value::Array(items) = diff else {
            return diff.clone();
        };
        let mut removed = Vec::new();
        let out = items.iter().map(|d| {
            let Value::Object(m) = d else {
                return d.clone();
            };
            let node = m
                .get("path")
                .and_then(Value::as_str)
                .and_then(|p| self.diff_node(p));
            let Some(node) = node else {
                return d.clone();
            };
            let out = m.iter().map(|(k, v)| {
                let v = if k == "old" || k == "new" {
                    at(node, v, &mut removed)
                } else {
                    v.clone()
                };
                (k.clone(), v)
            });
            Value::Object(out.collect())
        });
        Value::Array(out.collect())
    }

    /// The node of a diff path: `a`, `a.b`, or `urn.a` (an extension URN
    /// followed by a dot, as diffs join document keys).
    fn diff_node(&self, path: &str) -> Option<&Node> {
        if self.root.secret {
            return Some(&self.root);
        }
        let lower = path.to_ascii_lowercase();
        for (urn, n) in &self.urns {
            if let Some(rest) = lower.strip_prefix(urn.as_str()) {
                return match rest.strip_prefix('.') {
                    Some(rest) => walk(n, rest),
                    None if rest.is_empty() => Some(n),
                    None => continue,
                };
            }
        }
        walk(&self.root, &lower)
    }

    /// The top level of a document, for walking two versions side by side.
    pub fn top(&self) -> Scope<'_> {
        Scope {
            secrets: self,
            node: &self.root,
            top: true,
        }
    }
}

fn walk<'a>(n: &'a Node, dotted: &str) -> Option<&'a Node> {
    dotted.split('.').try_fold(n, |n, part| n.child(part))
}

/// Whether a value filter under `attr` compares a secret sub-attribute;
/// the values it compares them with are noted as removed.
fn mentions(attr: &Node, f: &crate::filter::Filter, removed: &mut Vec<String>) -> bool {
    use crate::filter::{CompValue, Filter};
    let secret = |p: &AttrPath| {
        attr.child(&p.name)
            .is_some_and(|n| n.secret || p.sub.as_ref().and_then(|s| n.child(s)).is_some())
    };
    match f {
        Filter::Compare { path, value, .. } => {
            let hit = secret(path);
            if hit {
                match value {
                    CompValue::Str(s) | CompValue::Num(s) => removed.push(s.clone()),
                    CompValue::Null | CompValue::Bool(_) => {}
                }
            }
            hit
        }
        Filter::Present(path) => secret(path),
        Filter::And(a, b) | Filter::Or(a, b) => {
            // Both sides, so that every compared secret is noted.
            let left = mentions(attr, a, removed);
            mentions(attr, b, removed) || left
        }
        Filter::Not(a) => mentions(attr, a, removed),
        Filter::ValuePath { path, filter } => {
            let inner = mentions(attr, filter, removed);
            secret(path) || inner
        }
    }
}

/// `v` at node `n`: hidden when `n` is a secret, else with the secrets
/// under `n` redacted (in each element of an array).
fn at(n: &Node, v: &Value, removed: &mut Vec<String>) -> Value {
    if n.secret {
        return hide(v, removed);
    }
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, val)| {
                    let val = match n.child(k) {
                        Some(c) => at(c, val, removed),
                        None => val.clone(),
                    };
                    (k.clone(), val)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|i| at(n, i, removed)).collect()),
        other => other.clone(),
    }
}

/// [`REDACTED`] in place of `v`, noting the strings it held.
fn hide(v: &Value, removed: &mut Vec<String>) -> Value {
    fn strings(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
            Value::Object(m) => m.values().for_each(|i| strings(i, out)),
            _ => {}
        }
    }
    strings(v, removed);
    Value::String(REDACTED.into())
}

static PLAIN: Node = Node {
    secret: false,
    children: BTreeMap::new(),
};

/// A position in a document, for walking two versions of it side by side
/// (audit diffs): what is secret below it.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    secrets: &'a Secrets,
    node: &'a Node,
    top: bool,
}

impl<'a> Scope<'a> {
    /// The scope of a key here (an attribute, a sub-attribute, or at the
    /// top an extension's URN); under a secret, everything is secret.
    pub fn child(&self, key: &str) -> Scope<'a> {
        let node = if self.node.secret {
            self.node
        } else if self.top {
            self.secrets
                .urns
                .get(&key.to_ascii_lowercase())
                .or_else(|| self.node.child(key))
                .unwrap_or(&PLAIN)
        } else {
            self.node.child(key).unwrap_or(&PLAIN)
        };
        Scope {
            secrets: self.secrets,
            node,
            top: false,
        }
    }

    /// Whether the value here is a secret.
    pub fn is_secret(&self) -> bool {
        self.node.secret
    }

    /// `v` with the secrets under this scope redacted ([`REDACTED`] when
    /// the value itself is one).
    pub fn redact(&self, v: &Value) -> Value {
        if self.top {
            return self.secrets.redact_doc(v);
        }
        at(self.node, v, &mut Vec::new())
    }
}
