//! The shared SCIM workload generator, kept in-repo as scimd's benchmark harness (see `scripts/bench.sh`, `docs/performance.md`).
//! scim-loadgen: closed-loop SCIM 2.0 workload generator.
//!
//! Phases (run in this order, pick with --phases):
//!   seed    POST /Users x N (realistic Entra/Okta-like bodies)
//!   lookup  GET /Users?filter=userName eq "<random seeded>"
//!   patch   PATCH /Users/{id} replace active=false (cycling over the seeded users), then GET-verify a sample
//!   list    GET /Users?startIndex=K&count=100, K cycling across the seeded range
//!   groups  POST /Groups x G, then PATCH add members in batches (two result lines), then GET-verify
//!   mixed   70% lookup / 20% patch / 10% create for a fixed duration
//!   get     GET --get-path (only 200 checked; used for ceiling measurements)
//!   members latency probe: ±1 member on a group of --big-group members vs a group of 10 (probes.rs)
//!   pages   latency probe: a deep startIndex page vs page 1, and a deep cursor page vs the first
//!   noisy   tenant B's creates and lookups while tenant A loops heavy writes (noisy.rs; --token-b)
//!
//! Each phase is bounded by a request count AND a wall-clock cap. Every worker owns one
//! HTTP/1.1 keep-alive connection (reconnecting when the server closes it).
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{ACCEPT, AUTHORIZATION, CONNECTION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, Version};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpStream;

mod cli;
mod client;
mod noisy;
mod phase;
mod probes;
mod report;

use cli::*;
use client::*;
use phase::*;
use report::*;

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const GIVEN: [&str; 24] = [
    "Ada", "Grace", "Alan", "Barbara", "Linus", "Margaret", "Dennis", "Frances", "Ken", "Radia",
    "Edsger", "Hedy", "Donald", "Katherine", "John", "Shafi", "Tim", "Sophie", "Bjarne", "Lynn",
    "Niklaus", "Adele", "Whitfield", "Annie",
];
const FAMILY: [&str; 24] = [
    "Lovelace", "Hopper", "Turing", "Liskov", "Torvalds", "Hamilton", "Ritchie", "Allen",
    "Thompson", "Perlman", "Dijkstra", "Lamarr", "Knuth", "Johnson", "McCarthy", "Goldwasser",
    "Berners-Lee", "Wilson", "Stroustrup", "Conway", "Wirth", "Goldberg", "Diffie", "Easley",
];
const DEPTS: [&str; 8] = [
    "Engineering", "Sales", "Marketing", "Finance", "Human Resources", "Support", "Legal",
    "Operations",
];

// ----------------------------------------------------------------------------------------------
// configuration

fn main() {
    let cfg = parse_args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cfg.threads.max(1))
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(real_main(cfg));
}

async fn real_main(cfg: Cfg) {
    let cfg = Arc::new(cfg);
    let pid = cfg.pid.map(|p| p.to_string());
    let rss0 = pid.as_deref().and_then(proc_sample);
    println!(
        "# scim-loadgen label={} base={} N={} C={} threads={} tag={} enterprise_ext={} phases={}",
        cfg.label,
        cfg.base_url,
        cfg.n,
        cfg.c,
        cfg.threads,
        cfg.tag,
        cfg.enterprise,
        cfg.phases.join(",")
    );
    if let Some(s) = rss0 {
        println!("# server pid={} rss_before={:.1}MiB", pid.as_deref().unwrap(), s.rss_kb as f64 / 1024.0);
    }
    let mut rn = Runner {
        cfg: cfg.clone(),
        users: Arc::new(Vec::new()),
        seed_ids: Arc::new((0..cfg.n).map(|_| OnceLock::new()).collect()),
        group_ids: Arc::new((0..cfg.groups).map(|_| OnceLock::new()).collect()),
        next_create: Arc::new(AtomicU64::new(cfg.n + 1_000_000)),
        results: vec![],
    };
    let has = |p: &str| cfg.phases.iter().any(|x| x == p);
    let c = cfg.c;

    if has("get") {
        let r = rn.run("get", Kind::Get, cfg.get_max, cfg.get_secs, c).await;
        rn.report(r);
    }
    if has("seed") {
        let r = rn.run("seed", Kind::Seed, cfg.n, cfg.seed_secs, c).await;
        rn.report(r);
        let users: Vec<User> = rn
            .seed_ids
            .iter()
            .enumerate()
            .filter_map(|(i, id)| id.get().map(|id| User { idx: i as u64, id: id.clone() }))
            .collect();
        if let Some(f) = &cfg.users_file {
            let mut out = format!("{}\n", cfg.tag);
            for u in &users {
                out.push_str(&format!("{} {}\n", u.idx, u.id));
            }
            std::fs::write(f, out).unwrap();
        }
        rn.users = Arc::new(users);
    } else if let Some(f) = &cfg.users_file {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let users: Vec<User> = text
            .lines()
            .skip(1)
            .filter_map(|l| {
                let (idx, id) = l.split_once(' ')?;
                Some(User { idx: idx.parse().ok()?, id: id.into() })
            })
            .collect();
        println!("# {} users read from {f} (tag {})", users.len(), cfg.tag);
        rn.users = Arc::new(users);
    }
    let need_users = |rn: &Runner, name: &str| -> bool {
        if rn.users.is_empty() {
            println!("{name:<14} SKIPPED (no users were created by seed)");
            false
        } else {
            true
        }
    };
    if has("lookup") && need_users(&rn, "lookup") {
        let r = rn.run("lookup", Kind::Lookup, cfg.lookups, cfg.phase_secs, c).await;
        rn.report(r);
    }
    if has("patch") && need_users(&rn, "patch") {
        let mut r = rn.run("patch", Kind::Patch, cfg.patches, cfg.phase_secs, c).await;
        let nv = cfg.verify.min(r.ok);
        if nv > 0 && r.ok >= rn.users.len() as u64 {
            let v = rn.run("verify", Kind::VerifyPatch, nv, cfg.phase_secs, c).await;
            r.extra = format!("verify={}/{}", v.ok, v.ok + v.err + v.bad);
            r.bad += v.bad + v.err;
            r.notes.extend(v.notes);
        }
        rn.report(r);
    }
    if has("list") && need_users(&rn, "list") {
        let r = rn.run("list", Kind::List, cfg.pages, cfg.phase_secs, c).await;
        rn.report(r);
    }
    if has("groups") && need_users(&rn, "groups") {
        let r = rn.run("groups.create", Kind::GroupCreate, cfg.groups, cfg.phase_secs, c).await;
        let created = r.ok + r.bad;
        rn.report(r);
        if created > 0 {
            let per = cfg.group_members.div_ceil(cfg.batch);
            let mut r = rn.run("groups.members", Kind::GroupMembers, cfg.groups * per, cfg.phase_secs * 2.0, c).await;
            let v = rn.run("verify", Kind::VerifyGroups, cfg.groups, cfg.phase_secs, c).await;
            r.extra = format!("verify={}/{} (members/group={}, batch={})", v.ok, v.ok + v.err + v.bad, cfg.group_members, cfg.batch);
            r.bad += v.bad + v.err;
            r.notes.extend(v.notes);
            rn.report(r);
        }
    }
    if has("members") && need_users(&rn, "members") {
        match probes::members(&cfg, &rn.users).await {
            Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
            Err(e) => println!("members        FAILED: {e}"),
        }
    }
    if has("pages") && need_users(&rn, "pages") {
        match probes::pages(&cfg, rn.users.len()).await {
            Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
            Err(e) => println!("pages          FAILED: {e}"),
        }
    }
    if has("noisy") {
        match &cfg.token_b {
            None => println!("noisy          SKIPPED (--token-b names tenant B's token)"),
            Some(b) => match noisy::noisy(&cfg, b, cfg.noisy_secs, cfg.noisy_workers).await {
                Ok(lines) => lines.iter().for_each(|l| println!("noisy {l}")),
                Err(e) => println!("noisy          FAILED: {e}"),
            },
        }
    }
    if has("mixed") && need_users(&rn, "mixed") {
        let r = rn.run("mixed", Kind::Mixed, cfg.mixed_max, cfg.mixed_secs, c).await;
        rn.report(r);
    }

    let rss1 = pid.as_deref().and_then(proc_sample);
    if let (Some(a), Some(b)) = (rss0, rss1) {
        println!(
            "# server rss_before={:.1}MiB rss_after={:.1}MiB peak(VmHWM)={:.1}MiB",
            a.rss_kb as f64 / 1024.0,
            b.rss_kb as f64 / 1024.0,
            b.hwm_kb as f64 / 1024.0
        );
    } else if pid.is_some() {
        println!("# server pid {} not readable (exited?)", pid.as_deref().unwrap());
    }

    if let Some(path) = &cfg.json_out {
        let phases: Vec<Value> = rn
            .results
            .iter()
            .map(|r| {
                let v = &r.lat[0];
                json!({
                    "phase": r.name, "ok": r.ok, "err": r.err, "bad": r.bad, "secs": r.secs,
                    "rps": r.rps(), "p50_ms": pctl(v, 0.5), "p90_ms": pctl(v, 0.9), "p99_ms": pctl(v, 0.99),
                    "max_ms": pctl(v, 1.0), "srv_cpu_pct": r.srv_cpu, "gen_cpu_pct": r.gen_cpu, "other_cpu_pct": r.other_cpu,
                    "rss_kb": r.rss_kb, "conns": r.connects, "extra": r.extra, "notes": r.notes,
                })
            })
            .collect();
        let out = json!({
            "label": cfg.label, "base_url": cfg.base_url, "enterprise_ext": cfg.enterprise, "n": cfg.n, "c": cfg.c, "threads": cfg.threads,
            "unix_time": SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs(),
            "rss_before_kb": rss0.map(|s| s.rss_kb), "rss_after_kb": rss1.map(|s| s.rss_kb),
            "rss_peak_kb": rss1.map(|s| s.hwm_kb), "phases": phases,
        });
        std::fs::write(path, serde_json::to_vec_pretty(&out).unwrap()).expect("write json");
    }
}
