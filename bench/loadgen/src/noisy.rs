//! The noisy-neighbour probe (`--phases noisy`): while tenant A (`--token`)
//! loops the heaviest writes the default limits allow, four at a time (a
//! PATCH of 9,999 `add emails` operations on a fresh user, twice; a Bulk of
//! 1,000 creates; a user with 35,000 emails), tenant B (`--token-b`) creates
//! and looks up users with `--noisy-workers` workers, and one client polls
//! `/healthz`. It reports B's create and lookup latencies, `/healthz`
//! latencies, and what A's requests answered.
//!
//! `NOISY_KINDS` picks A's streams: 0 and 3 the PATCH, 1 the Bulk, 2 the
//! 35,000-email user (the default, `0,1,2,3`); and the hostile requests
//! of the hardening review: 4 a Bulk of 1,000 operations carrying 40
//! unknown bulkIds each, 5 a user with 40,000 short emails, 6 the
//! index-led filter `userName eq … and (500 emails co terms)` against a
//! user with 4,000 emails, 7 a full page of users carrying 64 KB values
//! (`4,5,6,7`).
//!
//! Bounded by `--noisy-secs` (default 30) and by request counts.

use crate::{Cfg, Client, PATCH_SCHEMA, USER_SCHEMA};
use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Microsecond latencies of one kind of request.
#[derive(Default, Clone)]
struct Lat(Vec<u64>);

impl Lat {
    fn line(&self, name: &str) -> String {
        let mut v = self.0.clone();
        v.sort_unstable();
        let p = |q: f64| -> f64 {
            if v.is_empty() {
                return f64::NAN;
            }
            let i = ((v.len() as f64 - 1.0) * q).round() as usize;
            v[i.min(v.len() - 1)] as f64 / 1000.0
        };
        format!(
            "{name:<22} n={:<6} p50={:.1}ms p99={:.1}ms max={:.1}ms",
            v.len(),
            p(0.5),
            p(0.99),
            p(1.0)
        )
    }
}

#[derive(Default)]
struct Tally {
    lat: BTreeMap<String, Lat>,
    statuses: BTreeMap<String, BTreeMap<u16, u64>>,
    errors: Vec<String>,
}

impl Tally {
    fn note(&mut self, what: &str, since: Instant, status: Result<u16, String>) {
        match status {
            Ok(s) => {
                *self
                    .statuses
                    .entry(what.to_string())
                    .or_default()
                    .entry(s)
                    .or_default() += 1;
                self.lat
                    .entry(what.to_string())
                    .or_default()
                    .0
                    .push(since.elapsed().as_micros() as u64);
            }
            Err(e) => {
                if self.errors.len() < 5 {
                    self.errors.push(format!("{what}: {e}"));
                }
                *self
                    .statuses
                    .entry(what.to_string())
                    .or_default()
                    .entry(0)
                    .or_default() += 1;
            }
        }
    }
}

fn user(name: &str, emails: Vec<Value>) -> Bytes {
    let mut u = json!({"schemas": [USER_SCHEMA], "userName": name, "active": true});
    if !emails.is_empty() {
        u["emails"] = Value::Array(emails);
    }
    Bytes::from(u.to_string())
}

fn id_of(body: &Bytes) -> Option<String> {
    serde_json::from_slice::<Value>(body)
        .ok()?
        .get("id")?
        .as_str()
        .map(str::to_string)
}

/// One heavy request of tenant A, by kind and round.
async fn heavy(cl: &mut Client, p: &str, kind: usize, tag: &str, round: u64, t: &Mutex<Tally>) {
    let name = |what: &str| format!("noisy-{tag}-{what}-{kind}-{round}");
    match kind {
        0 | 3 => {
            let start = Instant::now();
            let made = cl
                .request(Method::POST, &format!("{p}/Users"), Some(user(&name("p"), vec![])))
                .await;
            let Ok((201, body)) = made else {
                lock(t).note("a.patch-target", start, made.map(|(s, _)| s));
                return;
            };
            let Some(id) = id_of(&body) else { return };
            let ops: Vec<Value> = (0..9_999)
                .map(|i| json!({"op": "add", "path": "emails", "value": [{"value": format!("p{i}-{round}@a.example")}]}))
                .collect();
            let body = json!({"schemas": [PATCH_SCHEMA], "Operations": ops}).to_string();
            let start = Instant::now();
            let r = cl
                .request(
                    Method::PATCH,
                    &format!("{p}/Users/{id}?excludedAttributes=emails"),
                    Some(Bytes::from(body)),
                )
                .await;
            lock(t).note("a.patch-9999-ops", start, r.map(|(s, _)| s));
        }
        1 => {
            let ops: Vec<Value> = (0..1_000)
                .map(|i| {
                    json!({"method": "POST", "path": "/Users", "bulkId": format!("b{i}"),
                           "data": {"schemas": [USER_SCHEMA], "userName": format!("{}-{i}", name("b"))}})
                })
                .collect();
            let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops});
            let start = Instant::now();
            let r = cl
                .request(Method::POST, &format!("{p}/Bulk"), Some(Bytes::from(body.to_string())))
                .await;
            lock(t).note("a.bulk-1000-ops", start, r.map(|(s, _)| s));
        }
        4 => {
            let ops: Vec<Value> = (0..1_000)
                .map(|i| {
                    let refs: Vec<String> = (0..40).map(|k| format!("bulkId:{i}x{k}")).collect();
                    json!({"method": "POST", "path": "/Users", "bulkId": format!("op{i}"),
                           "data": {"schemas": refs, "userName": format!("{}-{i}", name("r"))}})
                })
                .collect();
            let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], "Operations": ops});
            let start = Instant::now();
            let r = cl
                .request(Method::POST, &format!("{p}/Bulk"), Some(Bytes::from(body.to_string())))
                .await;
            lock(t).note("a.bulk-unknown-refs", start, r.map(|(s, _)| s));
        }
        5 => {
            let emails: Vec<Value> = (0..40_000).map(|i| json!({"value": format!("{i}@x.io")})).collect();
            let start = Instant::now();
            let r = cl
                .request(
                    Method::POST,
                    &format!("{p}/Users?excludedAttributes=emails"),
                    Some(user(&name("f"), emails)),
                )
                .await;
            lock(t).note("a.user-40000-emails", start, r.map(|(s, _)| s));
        }
        6 => {
            let heavy = format!("noisy-{tag}-heavy-{kind}");
            if round == 0 {
                let emails: Vec<Value> = (0..4_000).map(|i| json!({"value": format!("{i}@heavy.io")})).collect();
                let start = Instant::now();
                let r = cl
                    .request(Method::POST, &format!("{p}/Users?excludedAttributes=emails"), Some(user(&heavy, emails)))
                    .await;
                lock(t).note("a.heavy-target", start, r.map(|(s, _)| s));
            }
            let terms: Vec<String> = (0..500).map(|n| format!("emails co \"zq{n}\"")).collect();
            let f = crate::pct(&format!("userName eq \"{heavy}\" and ({})", terms.join(" or ")));
            let start = Instant::now();
            let r = cl.request(Method::GET, &format!("{p}/Users?filter={f}"), None).await;
            lock(t).note("a.query-500-co-terms", start, r.map(|(s, _)| s));
        }
        7 => {
            if round == 0 {
                let big = "v".repeat(64_000);
                for i in 0..20 {
                    let u = json!({"schemas": [USER_SCHEMA], "userName": format!("noisy-{tag}-wide-{kind}-{i}"),
                                   "title": big, "nickName": big, "displayName": big});
                    let start = Instant::now();
                    let r = cl
                        .request(Method::POST, &format!("{p}/Users?attributes=id"), Some(Bytes::from(u.to_string())))
                        .await;
                    lock(t).note("a.wide-target", start, r.map(|(s, _)| s));
                }
            }
            let start = Instant::now();
            let r = cl.request(Method::GET, &format!("{p}/Users?count=1000"), None).await;
            lock(t).note("a.list-64k-values", start, r.map(|(s, _)| s));
        }
        _ => {
            let emails: Vec<Value> = (0..35_000)
                .map(|i| json!({"value": format!("e{i}@a.example")}))
                .collect();
            let start = Instant::now();
            let r = cl
                .request(
                    Method::POST,
                    &format!("{p}/Users?excludedAttributes=emails"),
                    Some(user(&name("e"), emails)),
                )
                .await;
            lock(t).note("a.user-35000-emails", start, r.map(|(s, _)| s));
        }
    }
}

fn lock(t: &Mutex<Tally>) -> std::sync::MutexGuard<'_, Tally> {
    match t.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Runs the probe; the report's lines.
pub async fn noisy(cfg: &Cfg, token_b: &str, secs: f64, workers: usize) -> Result<Vec<String>, String> {
    // NOISY_KINDS=0,1,2,3 picks A's heavy streams (0 and 3: the PATCH, 1: the
    // Bulk, 2: the 35,000-email user).
    let kinds: Vec<usize> = std::env::var("NOISY_KINDS")
        .ok()
        .map(|k| k.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![0, 1, 2, 3]);
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let p = cfg.prefix.clone();
    let tag = cfg.run_tag.clone();
    let mut heavy_tasks = Vec::new();
    for kind in kinds {
        let (cfg, t, p, tag, stop) = (cfg.clone(), tally.clone(), p.clone(), tag.clone(), stop.clone());
        heavy_tasks.push(tokio::spawn(async move {
            let mut cl = Client::new(Arc::new(cfg));
            for round in 0..1_000u64 {
                if stop.load(Ordering::Relaxed) || Instant::now() >= deadline {
                    break;
                }
                heavy(&mut cl, &p, kind, &tag, round, &t).await;
            }
        }));
    }
    // Let A's first heavy requests get going.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut b_cfg = cfg.clone();
    b_cfg.auth = Some(format!("Bearer {token_b}"));
    let b_cfg = Arc::new(b_cfg);
    let mut light = Vec::new();
    for w in 0..workers {
        let (b_cfg, t, p, tag) = (b_cfg.clone(), tally.clone(), p.clone(), tag.clone());
        light.push(tokio::spawn(async move {
            let mut cl = Client::new(b_cfg);
            for i in 0..100_000u64 {
                if Instant::now() >= deadline {
                    break;
                }
                let name = format!("noisy-{tag}-b{w}-{i}");
                let start = Instant::now();
                let r = cl.request(Method::POST, &format!("{p}/Users"), Some(user(&name, vec![]))).await;
                lock(&t).note("b.create", start, r.map(|(s, _)| s));
                let q = crate::pct(&format!("userName eq \"{name}\""));
                let start = Instant::now();
                let r = cl.request(Method::GET, &format!("{p}/Users?filter={q}"), None).await;
                lock(&t).note("b.lookup", start, r.map(|(s, _)| s));
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    {
        let mut h_cfg = cfg.clone();
        h_cfg.auth = None;
        let (t, h_cfg) = (tally.clone(), Arc::new(h_cfg));
        light.push(tokio::spawn(async move {
            let mut cl = Client::new(h_cfg);
            for _ in 0..100_000u64 {
                if Instant::now() >= deadline {
                    break;
                }
                let start = Instant::now();
                let r = cl.request(Method::GET, "/healthz", None).await;
                lock(&t).note("healthz", start, r.map(|(s, _)| s));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }
    for h in light {
        let _ = h.await;
    }
    stop.store(true, Ordering::Relaxed);
    for h in heavy_tasks {
        let _ = h.await;
    }
    let t = lock(&tally);
    let mut out = Vec::new();
    for (name, lat) in &t.lat {
        let statuses: Vec<String> = t.statuses[name].iter().map(|(s, n)| format!("{s}x{n}")).collect();
        out.push(format!("{}  status={}", lat.line(name), statuses.join(",")));
    }
    for e in &t.errors {
        out.push(format!("  error: {e}"));
    }
    Ok(out)
}
