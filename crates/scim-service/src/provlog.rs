//! The provisioning log (`docs/admin.md`): every SCIM request, reads and
//! refusals included, recorded off the request path.
//!
//! The HTTP layer reports each request once it has answered
//! ([`Service::log_request`]); the report goes into a bounded queue
//! ([`LogSettings::queue`]) and the request goes on. [`Service::log_writer`]
//! (spawned by `serve`) drains the queue in batches: it redacts each path
//! and query, writes the batch in one store write, and prunes each
//! tenant's log to its bounds every minute. A full queue, or a failed
//! write, drops rows and counts them ([`Status::log_dropped`]); it never
//! slows or fails a request.
//!
//! Invariant: what a client sent reaches the log redacted by the schemas,
//! as in the audit log: a filter keeps its shape with the values compared
//! with secrets redacted (an unparsable one is redacted whole), parameters
//! other than SCIM's have their values redacted, path segments past
//! `/{resource}/{id}` and an unknown first segment are redacted, an
//! error's detail loses the values removed, and a token is kept only as
//! its display prefix.

use crate::auth::{token_prefix, TOKEN_PREFIX};
use crate::journal::{secrets, REDACTED};
use crate::maintenance::Status;
use crate::{Principal, Service};
use scim_core::filter::Filter;
use scim_core::timestamp::Timestamp;
use scim_core::ScimError;
use scim_store::{ConnectionId, LogEntry, TenantId};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Bounds and switches of the provisioning log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSettings {
    /// Whether requests are recorded at all (`--provisioning-log off`).
    pub enabled: bool,
    /// Rows kept per tenant (the newest).
    pub max_rows: u64,
    /// Days a row is kept.
    pub max_days: u32,
    /// Requests waiting to be written at most; beyond, rows are dropped.
    pub queue: usize,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            enabled: true,
            max_rows: 10_000,
            max_days: 7,
            queue: 8192,
        }
    }
}

/// Rows written in one store write at most (16 parameters a row stay
/// under both databases' limits).
pub const BATCH: usize = 1000;
/// How long the writer gathers rows after the first one before it writes
/// them (unless a batch fills first): a handful of store writes a second
/// at full load rather than one per few requests, each of which would
/// take the SQLite writer and a COMMIT.
pub const GATHER: Duration = Duration::from_millis(200);
/// How often the writer prunes the log to its bounds.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// The longest path and query kept (bytes); longer ones are cut, and a
/// cut filter no longer parses, so it is redacted whole.
const MAX_PATH: usize = 1024;
const MAX_QUERY: usize = 2048;
/// The SCIM query parameters whose values are kept (`filter` redacted).
const KNOWN_PARAMS: &[&str] = &[
    "attributes",
    "excludedattributes",
    "sortby",
    "sortorder",
    "startindex",
    "count",
    "cursor",
    "aadoptscim062020",
];
/// First path segments kept as they are.
const KNOWN_ROOTS: &[&str] = &[
    "Users",
    "Groups",
    "Bulk",
    ".search",
    "Me",
    "Events",
    "Schemas",
    "ResourceTypes",
    "ServiceProviderConfig",
];

/// Who a request was from, once authentication knew: set by the HTTP
/// layer's authentication (it lives in the request's extensions), read
/// when the request is reported.
#[derive(Debug, Default)]
pub struct LogCaller(OnceLock<(TenantId, ConnectionId)>);

impl LogCaller {
    /// Records the authenticated caller.
    pub fn set(&self, who: &Principal) {
        let _ = self.0.set((who.tenant(), who.connection()));
    }

    /// Records whose token a refused request presented, when known: the
    /// caller a rate limit refused, or a revoked or expired token's owner.
    pub fn refused(&self, r: &crate::AuthRefusal) {
        match (&r.caller, r.token_of) {
            (Some(who), _) => self.set(who),
            (None, Some(ids)) => {
                let _ = self.0.set(ids);
            }
            (None, None) => {}
        }
    }
}

/// What the HTTP layer reports of one SCIM request.
#[derive(Debug)]
pub struct RequestReport<'a> {
    pub caller: Option<&'a LogCaller>,
    pub client: Option<IpAddr>,
    /// The `Authorization` header (only a scimd token's display prefix is kept).
    pub authorization: Option<&'a str>,
    pub method: &'a str,
    /// The path relative to the SCIM base URL.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub status: u16,
    pub elapsed: Duration,
    pub error: Option<&'a ScimError>,
    pub request_id: &'a str,
}

/// A report waiting in the queue (not yet redacted).
struct Pending {
    entry: LogEntry,
    query: String,
    /// The SHA-256 of a bearer token the request carried, when no caller
    /// was known (a path no endpoint serves, an unknown token): the writer
    /// looks up whose it is.
    token_hash: Option<Vec<u8>>,
}

/// The queue and its counters (one per process).
pub(crate) struct Recorder {
    settings: LogSettings,
    tx: mpsc::Sender<Pending>,
    rx: Mutex<Option<mpsc::Receiver<Pending>>>,
    dropped: AtomicU64,
    written: AtomicU64,
}

impl Recorder {
    pub(crate) fn new(settings: LogSettings) -> Recorder {
        let (tx, rx) = mpsc::channel(settings.queue.max(1));
        Recorder {
            settings,
            tx,
            rx: Mutex::new(Some(rx)),
            dropped: AtomicU64::new(0),
            written: AtomicU64::new(0),
        }
    }
}

fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// What a path leaves in the log: redacted, its resource type and id,
/// and the segments removed.
struct PathParts {
    path: String,
    resource: Option<String>,
    id: Option<String>,
    removed: Vec<String>,
}

/// The path with what may be secret redacted.
fn redact_path(path: &str) -> PathParts {
    let mut removed = Vec::new();
    let mut out = String::new();
    let mut resource = None;
    let mut id = None;
    for (i, seg) in path.split('/').filter(|s| !s.is_empty()).enumerate() {
        out.push('/');
        match i {
            0 => match KNOWN_ROOTS.iter().find(|r| r.eq_ignore_ascii_case(seg)) {
                Some(r) => {
                    out.push_str(r);
                    resource = Some((*r).to_string());
                }
                None => {
                    removed.push(percent_decode(seg));
                    out.push_str(REDACTED)
                }
            },
            1 if resource.is_some() => {
                let seg = percent_decode(seg);
                out.push_str(&seg);
                id = Some(seg);
            }
            _ => {
                removed.push(percent_decode(seg));
                out.push_str(REDACTED)
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    PathParts {
        path: out,
        resource,
        id,
        removed,
    }
}

fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map_or_else(|| s.to_string(), |(_, v)| v.into_owned())
}

/// The query as `name=value&…`, decoded, redacted; and the values removed.
pub fn redact_query(query: &str) -> (String, Vec<String>) {
    let mut removed = Vec::new();
    let mut parts = Vec::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        let lower = k.to_ascii_lowercase();
        let value = if lower == "filter" {
            match Filter::parse(&v) {
                Ok(f) => {
                    let (f, gone) = f.redacted(secrets());
                    removed.extend(gone);
                    f.to_string()
                }
                Err(_) => {
                    removed.push(v.to_string());
                    REDACTED.to_string()
                }
            }
        } else if KNOWN_PARAMS.contains(&lower.as_str()) {
            v.to_string()
        } else {
            if !v.is_empty() {
                removed.push(v.to_string());
            }
            REDACTED.to_string()
        };
        let name = if KNOWN_PARAMS.contains(&lower.as_str()) || lower == "filter" {
            k.to_string()
        } else {
            removed.push(k.to_string());
            REDACTED.to_string()
        };
        parts.push(format!("{name}={value}"));
    }
    (parts.join("&"), removed)
}

/// `text` with each removed value (four characters or more) replaced.
fn scrub(text: &str, removed: &[String]) -> String {
    let mut out = text.to_string();
    for v in removed.iter().filter(|v| v.chars().count() >= 4) {
        out = out.replace(v.as_str(), REDACTED);
    }
    out
}

impl Service {
    /// Reports a SCIM request the HTTP layer answered: queued for the
    /// writer, or dropped (and counted) when the queue is full. Never waits.
    pub fn log_request(&self, r: RequestReport<'_>) {
        let rec = &self.core.log;
        if !rec.settings.enabled {
            return;
        }
        let caller = r.caller.and_then(|c| c.0.get().copied());
        let bearer = match r.authorization {
            Some(h) if r.status == 401 || caller.is_none() => {
                let t = h.trim();
                let t = t.split_once(' ').map_or(t, |(scheme, rest)| {
                    if scheme.eq_ignore_ascii_case("bearer") {
                        rest.trim()
                    } else {
                        t
                    }
                });
                Some(t)
            }
            _ => None,
        };
        let token_prefix = bearer
            .filter(|t| t.starts_with(TOKEN_PREFIX))
            .map(token_prefix);
        let token_hash = bearer
            .filter(|t| caller.is_none() && !t.is_empty())
            .map(crate::auth::hash_token);
        let (scim_type, detail) = match r.error {
            Some(e) => {
                let body = e.to_body();
                let s = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_string);
                (s("scimType"), s("detail"))
            }
            None => (None, None),
        };
        let audited = caller.is_some()
            && r.status != 401
            && matches!(r.method, "POST" | "PUT" | "PATCH" | "DELETE")
            && !r.path.to_ascii_lowercase().ends_with("/.search");
        let pending = Pending {
            entry: LogEntry {
                at: started(self.core.clock.now(), r.elapsed),
                tenant: caller.map(|c| c.0),
                connection: caller.map(|c| c.1),
                client: if caller.is_none() || r.status == 401 {
                    r.client.map(|a| a.to_string())
                } else {
                    None
                },
                token_prefix,
                method: cut(r.method, 16).to_string(),
                path: cut(r.path, MAX_PATH).to_string(),
                query: String::new(),
                resource: None,
                resource_id: None,
                status: r.status,
                micros: i64::try_from(r.elapsed.as_micros()).unwrap_or(i64::MAX),
                scim_type,
                detail,
                request_id: r.request_id.to_string(),
                audited,
            },
            query: r
                .query
                .map(|q| cut(q, MAX_QUERY).to_string())
                .unwrap_or_default(),
            token_hash,
        };
        if rec.tx.try_send(pending).is_err() {
            rec.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The log's writer: drains the queue in batches until the service
    /// is gone; `None` when the log is off or a writer already runs.
    pub fn log_writer(&self) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        let rec = &self.core.log;
        if !rec.settings.enabled {
            return None;
        }
        let mut rx = rec.rx.lock().ok()?.take()?;
        let core = self.core.clone();
        Some(async move {
            let mut buf = Vec::with_capacity(BATCH);
            let mut pruned = Instant::now();
            loop {
                let mut n = tokio::select! {
                    n = rx.recv_many(&mut buf, BATCH) => n,
                    () = tokio::time::sleep(PRUNE_EVERY) => 0,
                };
                if n > 0 {
                    let until = tokio::time::Instant::now() + GATHER;
                    while buf.len() < BATCH {
                        let room = BATCH - buf.len();
                        let more = rx.recv_many(&mut buf, room);
                        match tokio::time::timeout_at(until, more).await {
                            Ok(0) | Err(_) => break,
                            Ok(_) => {}
                        }
                    }
                    n = buf.len();
                    attribute(core.store.as_ref(), &mut buf).await;
                    let entries: Vec<LogEntry> = buf.drain(..).map(finish).collect();
                    match core.store.append_log(&entries).await {
                        Ok(()) => core.log.written.fetch_add(n as u64, Ordering::Relaxed),
                        Err(e) => {
                            tracing::warn!(error = %e, rows = n, "provisioning log rows dropped");
                            core.log.dropped.fetch_add(n as u64, Ordering::Relaxed)
                        }
                    };
                }
                if pruned.elapsed() >= PRUNE_EVERY {
                    pruned = Instant::now();
                    let s = core.log.settings;
                    let cutoff =
                        core.clock.now().unix_millis() - i64::from(s.max_days) * 86_400_000;
                    if let Some(before) = Timestamp::from_unix_millis(cutoff) {
                        if let Err(e) = core.store.prune_log(s.max_rows, before).await {
                            tracing::warn!(error = %e, "cannot prune the provisioning log");
                        }
                    }
                }
                if n == 0 && rx.is_closed() && rx.is_empty() {
                    return;
                }
            }
        })
    }
}

/// When a request that took `elapsed` until `now` started.
fn started(now: Timestamp, elapsed: Duration) -> Timestamp {
    let ms = i64::try_from(elapsed.as_millis()).unwrap_or(0);
    Timestamp::from_unix_millis(now.unix_millis() - ms).unwrap_or(now)
}

/// A queued report redacted into its row.
fn finish(p: Pending) -> LogEntry {
    let mut e = p.entry;
    let parts = redact_path(&e.path);
    let (query, mut removed) = redact_query(&p.query);
    removed.extend(parts.removed);
    e.path = parts.path;
    e.resource = parts.resource;
    e.resource_id = parts.id;
    e.query = query;
    e.detail = e.detail.map(|d| scrub(&d, &removed));
    e
}

/// The rows of a batch whose caller was unknown get the tenant and
/// connection of the token they carried, when it is one.
async fn attribute(store: &dyn scim_store::Store, batch: &mut [Pending]) {
    for p in batch.iter_mut().filter(|p| p.entry.tenant.is_none()) {
        let Some(hash) = p.token_hash.take() else {
            continue;
        };
        if let Ok(Some(c)) = store.credential(&hash).await {
            if crate::auth::constant_time_eq(&c.token.hash, &hash) {
                p.entry.tenant = Some(c.token.tenant);
                p.entry.connection = Some(c.token.connection);
            }
        }
    }
}

impl Status<'_> {
    /// Provisioning log rows this process dropped (queue full, failed write).
    pub fn log_dropped(&self) -> u64 {
        self.core.log.dropped.load(Ordering::Relaxed)
    }

    /// Provisioning log rows this process wrote.
    pub fn log_written(&self) -> u64 {
        self.core.log.written.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
#[path = "provlog_tests.rs"]
mod tests;
