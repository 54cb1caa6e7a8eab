//! Latency probes: one client, one request at a time, so that each figure is
//! the cost of one operation rather than a throughput under contention.
//!
//! - `members`: adding and removing one member of a group of `--big-group`
//!   members (default 100 000) against the same on a group of 10, each PATCH
//!   sent with `?excludedAttributes=members` the way Entra does. A server
//!   whose membership change is O(Δ) shows a ratio near 1.
//! - `pages`: a list page at startIndex 1 against one at startIndex
//!   `--deep-index` (default 900 001, capped to the seeded count), and the
//!   first against the `--cursor-depth`-th page of a cursor walk (RFC 9865).
//!
//! Every loop is bounded by a count and by `--phase-secs`.

use crate::{pct, Cfg, Client, User, GROUP_SCHEMA, PATCH_SCHEMA};
use bytes::Bytes;
use hyper::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Per-operation latencies in microseconds.
#[derive(Default)]
pub struct Lat(Vec<u64>);

impl Lat {
    fn push(&mut self, since: Instant) {
        self.0.push(since.elapsed().as_micros() as u64);
    }

    fn mean_ms(&self) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        self.0.iter().sum::<u64>() as f64 / self.0.len() as f64 / 1000.0
    }

    fn pct_ms(&self, p: f64) -> f64 {
        let mut v = self.0.clone();
        v.sort_unstable();
        if v.is_empty() {
            return f64::NAN;
        }
        let i = ((v.len() as f64 - 1.0) * p).round() as usize;
        v[i] as f64 / 1000.0
    }

    fn line(&self, name: &str, what: &str) -> String {
        format!(
            "{name:<22} n={:<6} mean={:>8.2}ms p50={:>8.2}ms p99={:>8.2}ms  {what}",
            self.0.len(),
            self.mean_ms(),
            self.pct_ms(0.5),
            self.pct_ms(0.99)
        )
    }
}

async fn send(cl: &mut Client, m: Method, path: &str, body: Option<Value>) -> Result<Value, String> {
    let body = body.map(|b| Bytes::from(b.to_string()));
    let (st, b) = cl.request(m.clone(), path, body).await?;
    if !(200..300).contains(&st) {
        return Err(format!("{m} {path}: HTTP {st}: {}", String::from_utf8_lossy(&b[..b.len().min(200)])));
    }
    if b.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&b).map_err(|e| format!("{m} {path}: invalid JSON: {e}"))
}

fn add_op(ids: &[&str]) -> Value {
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "add", "path": "members", "value": members}]})
}

fn remove_op(id: &str) -> Value {
    json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "remove", "path": format!("members[value eq \"{id}\"]")}]})
}

/// Creates a group and fills it with `members`, in batches of 1 000.
async fn group_with(cl: &mut Client, cfg: &Cfg, name: &str, members: &[User], deadline: Instant) -> Result<String, String> {
    let p = &cfg.prefix;
    let g = send(cl, Method::POST, &format!("{p}/Groups"), Some(json!({"schemas": [GROUP_SCHEMA], "displayName": name}))).await?;
    let id = g["id"].as_str().ok_or("no group id")?.to_string();
    for chunk in members.chunks(1000) {
        if Instant::now() > deadline {
            return Err(format!("filling {name} did not finish in time"));
        }
        let ids: Vec<&str> = chunk.iter().map(|u| &*u.id).collect();
        send(cl, Method::PATCH, &format!("{p}/Groups/{id}?excludedAttributes=members"), Some(add_op(&ids))).await?;
    }
    Ok(id)
}

pub async fn members(cfg: &Cfg, users: &[User]) -> Result<Vec<String>, String> {
    let reps = cfg.probe_reps as usize;
    let extra = 10 + reps.min(1000);
    if users.len() < 20 + extra {
        return Err("too few users for the membership probe".into());
    }
    let big = (cfg.big_group as usize).min(users.len() - 10 - extra);
    let deadline = Instant::now() + Duration::from_secs_f64(cfg.phase_secs * 20.0);
    let mut cl = Client::new(std::sync::Arc::new(cfg.clone()));
    let t0 = Instant::now();
    let big_id = group_with(&mut cl, cfg, &format!("probe-big-{}", cfg.run_tag), &users[..big], deadline).await?;
    let fill = t0.elapsed();
    let small_id = group_with(&mut cl, cfg, &format!("probe-small-{}", cfg.run_tag), &users[big..big + 10], deadline).await?;
    let movers = &users[big + 10..big + extra];
    let p = &cfg.prefix;
    let (mut big_add, mut big_rm, mut small_add, mut small_rm) = (Lat::default(), Lat::default(), Lat::default(), Lat::default());
    let stop = Instant::now() + Duration::from_secs_f64(cfg.phase_secs);
    for i in 0..reps {
        if Instant::now() > stop {
            break;
        }
        let u = &*movers[i % movers.len()].id;
        for (gid, add, rm) in [(&big_id, &mut big_add, &mut big_rm), (&small_id, &mut small_add, &mut small_rm)] {
            let path = format!("{p}/Groups/{gid}?excludedAttributes=members");
            let t = Instant::now();
            send(&mut cl, Method::PATCH, &path, Some(add_op(&[u]))).await?;
            add.push(t);
            let t = Instant::now();
            send(&mut cl, Method::PATCH, &path, Some(remove_op(u))).await?;
            rm.push(t);
        }
    }
    // Both groups still hold their first member and no longer hold the
    // last one moved (filters, not a read of 100 000 members).
    let last = &*movers[(reps.max(1) - 1) % movers.len()].id;
    for (gid, first) in [(&big_id, &*users[0].id), (&small_id, &*users[big].id)] {
        for (member, want) in [(first, 1), (last, 0)] {
            let f = format!("id eq \"{gid}\" and members.value eq \"{member}\"");
            let v = send(&mut cl, Method::GET, &format!("{p}/Groups?filter={}&count=0", pct(&f)), None).await?;
            if v["totalResults"] != json!(want) {
                return Err(format!("group {gid}: member {member} found {} times, expected {want}", v["totalResults"]));
            }
        }
    }
    let ratio = |a: &Lat, b: &Lat| a.mean_ms() / b.mean_ms();
    Ok(vec![
        format!("# membership probe: big group of {big} members filled in {:.1}s (batches of 1000)", fill.as_secs_f64()),
        small_add.line("members.add.10", "PATCH add 1 member, group of 10"),
        big_add.line(&format!("members.add.{big}"), &format!("PATCH add 1 member, group of {big}")),
        small_rm.line("members.remove.10", "PATCH remove 1 member, group of 10"),
        big_rm.line(&format!("members.remove.{big}"), &format!("PATCH remove 1 member, group of {big}")),
        format!("members.ratio          add={:.2}x remove={:.2}x (mean, {big} members / 10 members)", ratio(&big_add, &small_add), ratio(&big_rm, &small_rm)),
    ])
}

pub async fn pages(cfg: &Cfg, seeded: usize) -> Result<Vec<String>, String> {
    let mut cl = Client::new(std::sync::Arc::new(cfg.clone()));
    let p = &cfg.prefix;
    let total = send(&mut cl, Method::GET, &format!("{p}/Users?count=0"), None).await?["totalResults"].as_u64().unwrap_or(seeded as u64);
    let deep = cfg.deep_index.min(total.saturating_sub(100).max(1));
    let reps = cfg.probe_reps.clamp(1, 200) as usize;
    let stop = Instant::now() + Duration::from_secs_f64(cfg.phase_secs);
    let (mut first, mut deep_lat) = (Lat::default(), Lat::default());
    for _ in 0..reps {
        if Instant::now() > stop {
            break;
        }
        for (start, lat) in [(1, &mut first), (deep, &mut deep_lat)] {
            let t = Instant::now();
            let v = send(&mut cl, Method::GET, &format!("{p}/Users?startIndex={start}&count=100"), None).await?;
            lat.push(t);
            if v["Resources"].as_array().map_or(0, Vec::len) == 0 {
                return Err(format!("empty page at startIndex {start}"));
            }
        }
    }
    // A cursor walk: the first page, then every page down to the depth.
    let depth = cfg.cursor_depth.max(2) as usize;
    let mut walk = Lat::default();
    let walk_stop = Instant::now() + Duration::from_secs_f64(cfg.phase_secs * 2.0);
    let mut cursor = String::new();
    for page in 0..depth {
        if Instant::now() > walk_stop {
            break;
        }
        let path = if page == 0 { format!("{p}/Users?cursor&count=100") } else { format!("{p}/Users?cursor={}&count=100", pct(&cursor)) };
        let t = Instant::now();
        let v = send(&mut cl, Method::GET, &path, None).await?;
        walk.push(t);
        match v["nextCursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    let walked = walk.0.len();
    let edge = (walked / 2).min(20);
    let c_first = Lat(walk.0[..edge].to_vec());
    let c_deep = Lat(walk.0[walked - edge..].to_vec());
    Ok(vec![
        first.line("page.index.1", "GET /Users?startIndex=1&count=100"),
        deep_lat.line(&format!("page.index.{deep}"), &format!("GET /Users?startIndex={deep}&count=100")),
        format!("page.index.ratio       {:.2}x (mean, startIndex {deep} / startIndex 1)", deep_lat.mean_ms() / first.mean_ms()),
        c_first.line("page.cursor.first", &format!("the first {edge} pages of a cursor walk (count=100)")),
        c_deep.line("page.cursor.last", &format!("the last {edge} of {walked} pages walked ({} users deep)", walked * 100)),
        format!("page.cursor.ratio      {:.2}x (mean, last {edge} / first {edge})", c_deep.mean_ms() / c_first.mean_ms()),
    ])
}
