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

mod noisy;
mod probes;

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

#[derive(Clone)]
struct Cfg {
    base_url: String,
    addr: SocketAddr,
    host: String,
    prefix: String,
    auth: Option<String>,
    n: u64,
    c: usize,
    threads: usize,
    phases: Vec<String>,
    lookups: u64,
    patches: u64,
    pages: u64,
    page_size: u64,
    groups: u64,
    group_members: u64,
    batch: u64,
    verify: u64,
    seed_secs: f64,
    phase_secs: f64,
    mixed_secs: f64,
    mixed_max: u64,
    get_path: String,
    get_secs: f64,
    get_max: u64,
    req_timeout: Duration,
    pid: Option<u32>,
    json_out: Option<String>,
    label: String,
    tag: String,
    /// Names what this run creates besides the seeded users (groups, mixed
    /// creates): fresh every run, also when `tag` comes from a users file.
    run_tag: String,
    enterprise: bool,
    users_file: Option<String>,
    big_group: u64,
    probe_reps: u64,
    deep_index: u64,
    cursor_depth: u64,
    token_b: Option<String>,
    noisy_secs: f64,
    noisy_workers: usize,
}

fn usage() -> ! {
    eprintln!(
        "usage: scim-loadgen [--base-url URL|$BASE_URL] [--token T|$TOKEN] [--basic user:pass]\n\
         \x20 [-n USERS=10000] [-c CONC=32] [--phases seed,lookup,patch,list,groups,mixed|get]\n\
         \x20 [--lookups 20000] [--patches 10000] [--pages 2000] [--groups 100] [--group-members 100]\n\
         \x20 [--batch 50] [--verify 200] [--seed-secs 300] [--phase-secs 30] [--mixed-secs 20]\n\
         \x20 [--mixed-max 5000000] [--get-path /ServiceProviderConfig] [--get-secs 10] [--get-max 5000000]\n\
         \x20 [--no-enterprise (omit the enterprise extension from user bodies)] [--timeout-ms 30000] [--pid SERVER_PID] [--json OUT.json] [--label NAME] [--threads T]\n\
         \x20 [--users-file F (seed writes the tag and the created ids there; without seed they are read back, to run later phases on an existing database)]\n\
         \x20 [--big-group 100000] [--probe-reps 200] [--deep-index 900001] [--cursor-depth 500] (the members and pages probes)"
    );
    std::process::exit(2)
}

fn parse_args() -> Cfg {
    let env = |k: &str| std::env::var(k).ok().filter(|s| !s.is_empty());
    let mut base_url = env("BASE_URL").unwrap_or_else(|| "http://127.0.0.1:19000".into());
    let mut token = env("TOKEN");
    let mut basic: Option<String> = None;
    let mut cfg = Cfg {
        base_url: String::new(),
        addr: "127.0.0.1:1".parse().unwrap(),
        host: String::new(),
        prefix: String::new(),
        auth: None,
        n: 10_000,
        c: 32,
        threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        phases: "seed,lookup,patch,list,groups,mixed".split(',').map(String::from).collect(),
        lookups: 20_000,
        patches: 10_000,
        pages: 2_000,
        page_size: 100,
        groups: 100,
        group_members: 100,
        batch: 50,
        verify: 200,
        seed_secs: 300.0,
        phase_secs: 30.0,
        mixed_secs: 20.0,
        mixed_max: 5_000_000,
        get_path: "/ServiceProviderConfig".into(),
        get_secs: 10.0,
        get_max: 5_000_000,
        req_timeout: Duration::from_millis(30_000),
        pid: env("SERVER_PID").and_then(|s| s.parse().ok()),
        json_out: None,
        label: env("LABEL").unwrap_or_else(|| "target".into()),
        tag: String::new(),
        run_tag: String::new(),
        enterprise: true,
        users_file: None,
        big_group: 100_000,
        probe_reps: 200,
        deep_index: 900_001,
        cursor_depth: 500,
        token_b: None,
        noisy_secs: 30.0,
        noisy_workers: 4,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    let val = |i: &mut usize| -> String {
        *i += 1;
        args.get(*i).cloned().unwrap_or_else(|| usage())
    };
    let num = |s: String| -> u64 { s.parse().unwrap_or_else(|_| usage()) };
    let flt = |s: String| -> f64 { s.parse().unwrap_or_else(|_| usage()) };
    while i < args.len() {
        match args[i].as_str() {
            "--base-url" => base_url = val(&mut i),
            "--token" => token = Some(val(&mut i)),
            "--basic" => basic = Some(val(&mut i)),
            "-n" | "--users" => cfg.n = num(val(&mut i)),
            "-c" | "--concurrency" => cfg.c = num(val(&mut i)) as usize,
            "--threads" => cfg.threads = num(val(&mut i)) as usize,
            "--phases" => cfg.phases = val(&mut i).split(',').map(|s| s.trim().to_string()).collect(),
            "--lookups" => cfg.lookups = num(val(&mut i)),
            "--patches" => cfg.patches = num(val(&mut i)),
            "--pages" => cfg.pages = num(val(&mut i)),
            "--page-size" => cfg.page_size = num(val(&mut i)),
            "--groups" => cfg.groups = num(val(&mut i)),
            "--group-members" => cfg.group_members = num(val(&mut i)),
            "--batch" => cfg.batch = num(val(&mut i)).max(1),
            "--verify" => cfg.verify = num(val(&mut i)),
            "--seed-secs" => cfg.seed_secs = flt(val(&mut i)),
            "--phase-secs" => cfg.phase_secs = flt(val(&mut i)),
            "--mixed-secs" => cfg.mixed_secs = flt(val(&mut i)),
            "--mixed-max" => cfg.mixed_max = num(val(&mut i)),
            "--get-path" => cfg.get_path = val(&mut i),
            "--get-secs" => cfg.get_secs = flt(val(&mut i)),
            "--get-max" => cfg.get_max = num(val(&mut i)),
            "--timeout-ms" => cfg.req_timeout = Duration::from_millis(num(val(&mut i))),
            "--pid" => cfg.pid = Some(num(val(&mut i)) as u32),
            "--json" => cfg.json_out = Some(val(&mut i)),
            "--label" => cfg.label = val(&mut i),
            "--no-enterprise" => cfg.enterprise = false,
            "--users-file" => cfg.users_file = Some(val(&mut i)),
            "--big-group" => cfg.big_group = num(val(&mut i)),
            "--token-b" => cfg.token_b = Some(val(&mut i)),
            "--noisy-secs" => cfg.noisy_secs = val(&mut i).parse().unwrap_or(30.0),
            "--noisy-workers" => cfg.noisy_workers = num(val(&mut i)) as usize,
            "--probe-reps" => cfg.probe_reps = num(val(&mut i)),
            "--deep-index" => cfg.deep_index = num(val(&mut i)),
            "--cursor-depth" => cfg.cursor_depth = num(val(&mut i)),
            "-h" | "--help" => usage(),
            other => {
                eprintln!("unknown argument {other}");
                usage()
            }
        }
        i += 1;
    }
    let rest = base_url
        .strip_prefix("http://")
        .unwrap_or_else(|| {
            eprintln!("only http:// base URLs are supported");
            std::process::exit(2)
        })
        .to_string();
    let (hostport, path) = match rest.find('/') {
        Some(p) => (rest[..p].to_string(), rest[p..].trim_end_matches('/').to_string()),
        None => (rest.clone(), String::new()),
    };
    let hp = if hostport.contains(':') { hostport.clone() } else { format!("{hostport}:80") };
    cfg.addr = hp
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .unwrap_or_else(|| {
            eprintln!("cannot resolve {hp}");
            std::process::exit(2)
        });
    if !cfg.addr.ip().is_loopback() {
        eprintln!("refusing non-loopback target {}", cfg.addr);
        std::process::exit(2)
    }
    cfg.host = hostport;
    cfg.prefix = path;
    cfg.base_url = base_url;
    cfg.auth = match (token, basic) {
        (Some(t), _) => Some(format!("Bearer {t}")),
        (None, Some(b)) => Some(format!("Basic {}", b64(b.as_bytes()))),
        _ => None,
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64;
    let mut r = fastrand::Rng::with_seed(now ^ std::process::id() as u64);
    cfg.tag = (0..5).map(|_| r.lowercase()).collect();
    cfg.run_tag = cfg.tag.clone();
    if !cfg.phases.iter().any(|p| p == "seed") {
        if let Some(f) = &cfg.users_file {
            if let Ok(text) = std::fs::read_to_string(f) {
                cfg.tag = text.lines().next().unwrap_or_default().trim().to_string();
            }
        }
    }
    cfg
}

fn b64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for ch in input.chunks(3) {
        let b = [ch[0], *ch.get(1).unwrap_or(&0), *ch.get(2).unwrap_or(&0)];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        for k in 0..4 {
            if k <= ch.len() {
                out.push(T[((n >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn pct(s: &str) -> String {
    let mut o = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

// ----------------------------------------------------------------------------------------------
// workload data

fn user_name(idx: u64, tag: &str) -> String {
    let g = GIVEN[(idx % 24) as usize];
    let f = FAMILY[((idx / 24) % 24) as usize];
    format!("{}.{}.{}@{}.example.com", g.to_lowercase(), f.to_lowercase(), idx, tag)
}

fn user_body(idx: u64, tag: &str, enterprise: bool) -> Bytes {
    let g = GIVEN[(idx % 24) as usize];
    let f = FAMILY[((idx / 24) % 24) as usize];
    let un = user_name(idx, tag);
    let mut r = fastrand::Rng::with_seed(idx.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ tag.len() as u64);
    let ext = format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        r.u32(..),
        r.u16(..),
        r.u16(..0x1000),
        r.u16(..0x1000),
        r.u64(..1 << 48)
    );
    let mut v = json!({
        "schemas": [USER_SCHEMA, ENT_SCHEMA],
        "externalId": ext,
        "userName": un,
        "name": {"givenName": g, "familyName": f, "formatted": format!("{g} {f}")},
        "displayName": format!("{g} {f}"),
        "emails": [{"value": un, "type": "work", "primary": true}],
        "active": true,
        ENT_SCHEMA: {"employeeNumber": format!("E{idx:07}"), "department": DEPTS[(idx % 8) as usize]}
    });
    if !enterprise {
        let o = v.as_object_mut().unwrap();
        o.remove(ENT_SCHEMA);
        o.insert("schemas".into(), json!([USER_SCHEMA]));
    }
    Bytes::from(serde_json::to_vec(&v).unwrap())
}

fn patch_active(active: bool) -> Bytes {
    Bytes::from(
        serde_json::to_vec(&json!({
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "path": "active", "value": active}]
        }))
        .unwrap(),
    )
}

// ----------------------------------------------------------------------------------------------
// HTTP client: one keep-alive connection per worker

struct Client {
    cfg: Arc<Cfg>,
    sender: Option<SendRequest<Full<Bytes>>>,
    fresh: bool,
    connects: u64,
}

impl Client {
    fn new(cfg: Arc<Cfg>) -> Self {
        Client { cfg, sender: None, fresh: false, connects: 0 }
    }

    async fn connect(&mut self) -> Result<(), String> {
        let stream = TcpStream::connect(self.cfg.addr).await.map_err(|e| format!("connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        self.sender = Some(sender);
        self.fresh = true;
        self.connects += 1;
        Ok(())
    }

    async fn request(&mut self, method: Method, path: &str, body: Option<Bytes>) -> Result<(u16, Bytes), String> {
        let mut tries = 0;
        loop {
            tries += 1;
            if self.sender.is_none() {
                self.connect().await?;
            }
            let reused = !self.fresh;
            self.fresh = false;
            let sender = self.sender.as_mut().unwrap();
            if let Err(e) = sender.ready().await {
                self.sender = None;
                if reused && tries < 3 {
                    continue;
                }
                return Err(format!("conn not ready: {e}"));
            }
            let mut b = Request::builder()
                .method(method.clone())
                .uri(path)
                .header(HOST, self.cfg.host.as_str())
                .header(ACCEPT, "application/scim+json");
            if let Some(a) = &self.cfg.auth {
                b = b.header(AUTHORIZATION, a.as_str());
            }
            let req = match &body {
                Some(bd) => b.header(CONTENT_TYPE, "application/scim+json").body(Full::new(bd.clone())),
                None => b.body(Full::new(Bytes::new())),
            }
            .map_err(|e| e.to_string())?;
            match sender.send_request(req).await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let conn_hdr = resp.headers().get(CONNECTION).map(|v| v.as_bytes().to_ascii_lowercase());
                    let close = match &conn_hdr {
                        Some(v) if v.as_slice() == b"close" => true,
                        Some(v) if v.as_slice() == b"keep-alive" => false,
                        _ => resp.version() == Version::HTTP_10,
                    };
                    let body = match resp.into_body().collect().await {
                        Ok(c) => c.to_bytes(),
                        Err(e) => {
                            self.sender = None;
                            return Err(format!("body: {e}"));
                        }
                    };
                    if close {
                        self.sender = None;
                    }
                    return Ok((status, body));
                }
                Err(e) => {
                    self.sender = None;
                    if reused && tries < 3 && (e.is_canceled() || e.is_incomplete_message()) {
                        continue;
                    }
                    return Err(format!("send: {e}"));
                }
            }
        }
    }
}

// ----------------------------------------------------------------------------------------------
// operations

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Seed,
    Lookup,
    Patch,
    VerifyPatch,
    List,
    GroupCreate,
    GroupMembers,
    VerifyGroups,
    Mixed,
    Get,
}

struct User {
    idx: u64,
    id: Box<str>,
}

struct PhaseCtx {
    cfg: Arc<Cfg>,
    kind: Kind,
    limit: u64,
    deadline: Instant,
    counter: AtomicU64,
    users: Arc<Vec<User>>,
    seed_ids: Arc<Vec<OnceLock<Box<str>>>>,
    group_ids: Arc<Vec<OnceLock<Box<str>>>>,
    next_create: Arc<AtomicU64>,
    seed: u64,
}

enum Fail {
    Err(String),
    Bad(String),
}
impl From<String> for Fail {
    fn from(s: String) -> Self {
        Fail::Err(s)
    }
}

fn snippet(b: &Bytes) -> String {
    let s = String::from_utf8_lossy(&b[..b.len().min(160)]).replace('\n', " ");
    s
}

fn parse(b: &Bytes) -> Result<Value, Fail> {
    serde_json::from_slice(b).map_err(|e| Fail::Bad(format!("invalid JSON ({e}): {}", snippet(b))))
}

fn want(st: u16, ok: &[u16], what: &str, body: &Bytes) -> Result<(), Fail> {
    if ok.contains(&st) {
        Ok(())
    } else if (200..300).contains(&st) {
        Err(Fail::Bad(format!("{what}: status {st} (expected {ok:?})")))
    } else {
        Err(Fail::Err(format!("{what}: HTTP {st}: {}", snippet(body))))
    }
}

fn eq_ci(v: &Value, s: &str) -> bool {
    v.as_str().map(|x| x.eq_ignore_ascii_case(s)).unwrap_or(false)
}

/// returns Ok(class) where class indexes the latency bucket (mixed: 0 lookup, 1 patch, 2 create)
async fn exec(ctx: &PhaseCtx, cl: &mut Client, seq: u64, rng: &mut fastrand::Rng) -> Result<usize, (usize, Fail)> {
    let cfg = &ctx.cfg;
    let p = &cfg.prefix;
    match ctx.kind {
        Kind::Seed => create_user(ctx, cl, seq, true).await.map(|_| 0).map_err(|e| (0, e)),
        Kind::Lookup => {
            let u = &ctx.users[rng.usize(..ctx.users.len())];
            lookup(cl, p, u, &cfg.tag).await.map(|_| 0).map_err(|e| (0, e))
        }
        Kind::Patch => {
            let u = &ctx.users[(seq % ctx.users.len() as u64) as usize];
            patch(cl, p, u, false).await.map(|_| 0).map_err(|e| (0, e))
        }
        Kind::VerifyPatch => {
            let stride = (ctx.users.len() as u64 / ctx.limit.max(1)).max(1);
            let u = &ctx.users[((seq * stride) % ctx.users.len() as u64) as usize];
            let r: Result<(), Fail> = async {
                let (st, b) = cl.request(Method::GET, &format!("{p}/Users/{}", u.id), None).await?;
                want(st, &[200], "GET /Users/{id}", &b)?;
                let v = parse(&b)?;
                if v["active"] != Value::Bool(false) {
                    return Err(Fail::Bad(format!("after PATCH active=false, GET shows active={}", v["active"])));
                }
                Ok(())
            }
            .await;
            r.map(|_| 0).map_err(|e| (0, e))
        }
        Kind::List => {
            let total = ctx.users.len() as u64;
            let ps = cfg.page_size;
            let npages = total.div_ceil(ps).max(1);
            let start = 1 + (seq % npages) * ps;
            let r: Result<(), Fail> = async {
                let (st, b) = cl
                    .request(Method::GET, &format!("{p}/Users?startIndex={start}&count={ps}"), None)
                    .await?;
                want(st, &[200], "GET /Users?startIndex", &b)?;
                let v = parse(&b)?;
                let tr = v["totalResults"].as_u64().ok_or_else(|| Fail::Bad("no totalResults".into()))?;
                if tr < total {
                    return Err(Fail::Bad(format!("totalResults {tr} < {total} created")));
                }
                let n = v["Resources"].as_array().map(|a| a.len() as u64).unwrap_or(0);
                let expect = ps.min(tr + 1 - start.min(tr + 1));
                if n != expect {
                    return Err(Fail::Bad(format!("startIndex={start}: {n} Resources, expected {expect}")));
                }
                Ok(())
            }
            .await;
            r.map(|_| 0).map_err(|e| (0, e))
        }
        Kind::GroupCreate => {
            let g = seq as usize;
            let name = format!("grp-{g:03}-{}", cfg.run_tag);
            let body = json!({"schemas": [GROUP_SCHEMA], "displayName": name, "externalId": format!("g-{g}-{}", cfg.run_tag), "members": []});
            let r: Result<(), Fail> = async {
                let (st, b) = cl
                    .request(Method::POST, &format!("{p}/Groups"), Some(Bytes::from(serde_json::to_vec(&body).unwrap())))
                    .await?;
                want(st, &[201], "POST /Groups", &b)?;
                let v = parse(&b)?;
                let id = v["id"].as_str().ok_or_else(|| Fail::Bad("POST /Groups: no id".into()))?;
                if !eq_ci(&v["displayName"], &name) {
                    return Err(Fail::Bad("POST /Groups: displayName not echoed".into()));
                }
                let _ = ctx.group_ids[g].set(id.into());
                Ok(())
            }
            .await;
            r.map(|_| 0).map_err(|e| (0, e))
        }
        Kind::GroupMembers => {
            let ng = ctx.group_ids.len() as u64;
            let g = (seq % ng) as usize;
            let b = seq / ng;
            let r: Result<(), Fail> = async {
                let gid = ctx.group_ids[g].get().ok_or_else(|| Fail::Err("group was not created".into()))?;
                let lo = b * cfg.batch;
                let hi = ((b + 1) * cfg.batch).min(cfg.group_members);
                let nu = ctx.users.len() as u64;
                let members: Vec<Value> = (lo..hi)
                    .map(|j| {
                        let u = &ctx.users[((g as u64 * cfg.group_members + j) % nu) as usize];
                        json!({"value": &*u.id})
                    })
                    .collect();
                let body = json!({"schemas": [PATCH_SCHEMA], "Operations": [{"op": "add", "path": "members", "value": members}]});
                let (st, rb) = cl
                    .request(Method::PATCH, &format!("{p}/Groups/{gid}"), Some(Bytes::from(serde_json::to_vec(&body).unwrap())))
                    .await?;
                want(st, &[200, 204], "PATCH /Groups add members", &rb)?;
                Ok(())
            }
            .await;
            r.map(|_| 0).map_err(|e| (0, e))
        }
        Kind::VerifyGroups => {
            let g = seq as usize;
            let r: Result<(), Fail> = async {
                let gid = ctx.group_ids[g].get().ok_or_else(|| Fail::Err("group was not created".into()))?;
                let (st, b) = cl.request(Method::GET, &format!("{p}/Groups/{gid}"), None).await?;
                want(st, &[200], "GET /Groups/{id}", &b)?;
                let v = parse(&b)?;
                let n = v["members"].as_array().map(|a| a.len() as u64).unwrap_or(0);
                let expect = cfg.group_members.min(ctx.users.len() as u64);
                if n != expect {
                    return Err(Fail::Bad(format!("group has {n} members, expected {expect}")));
                }
                Ok(())
            }
            .await;
            r.map(|_| 0).map_err(|e| (0, e))
        }
        Kind::Mixed => {
            let x = rng.u32(..100);
            if x < 70 {
                let u = &ctx.users[rng.usize(..ctx.users.len())];
                lookup(cl, p, u, &cfg.tag).await.map(|_| 0).map_err(|e| (0, e))
            } else if x < 90 {
                let u = &ctx.users[rng.usize(..ctx.users.len())];
                patch(cl, p, u, rng.bool()).await.map(|_| 1).map_err(|e| (1, e))
            } else {
                let idx = ctx.next_create.fetch_add(1, Ordering::Relaxed);
                create_user(ctx, cl, idx, false).await.map(|_| 2).map_err(|e| (2, e))
            }
        }
        Kind::Get => {
            let r: Result<(), Fail> = async {
                let (st, b) = cl.request(Method::GET, &format!("{p}{}", cfg.get_path), None).await?;
                want(st, &[200], "GET", &b)
            }
            .await;
            r.map(|_| 0).map_err(|e| (0, e))
        }
    }
}

async fn create_user(ctx: &PhaseCtx, cl: &mut Client, idx: u64, store: bool) -> Result<(), Fail> {
    let tag = if store { &ctx.cfg.tag } else { &ctx.cfg.run_tag };
    let (st, b) = cl
        .request(Method::POST, &format!("{}/Users", ctx.cfg.prefix), Some(user_body(idx, tag, ctx.cfg.enterprise)))
        .await?;
    want(st, &[201], "POST /Users", &b)?;
    let v = parse(&b)?;
    let id = v["id"].as_str().ok_or_else(|| Fail::Bad("POST /Users: no id in response".into()))?;
    if store {
        let _ = ctx.seed_ids[idx as usize].set(id.into());
    }
    if !eq_ci(&v["userName"], &user_name(idx, tag)) {
        return Err(Fail::Bad(format!("POST /Users: userName not echoed ({})", v["userName"])));
    }
    Ok(())
}

async fn lookup(cl: &mut Client, p: &str, u: &User, tag: &str) -> Result<(), Fail> {
    let un = user_name(u.idx, tag);
    let f = pct(&format!("userName eq \"{un}\""));
    let (st, b) = cl.request(Method::GET, &format!("{p}/Users?filter={f}"), None).await?;
    want(st, &[200], "GET /Users?filter", &b)?;
    let v = parse(&b)?;
    if v["totalResults"].as_u64() != Some(1) {
        return Err(Fail::Bad(format!("filter userName eq: totalResults={} (expected 1)", v["totalResults"])));
    }
    let r = &v["Resources"][0];
    if !eq_ci(&r["userName"], &un) || r["id"].as_str() != Some(&*u.id) {
        return Err(Fail::Bad("filter userName eq: wrong resource returned".into()));
    }
    Ok(())
}

async fn patch(cl: &mut Client, p: &str, u: &User, active: bool) -> Result<(), Fail> {
    let (st, b) = cl
        .request(Method::PATCH, &format!("{p}/Users/{}", u.id), Some(patch_active(active)))
        .await?;
    want(st, &[200, 204], "PATCH /Users/{id}", &b)?;
    if st == 200 && !b.is_empty() {
        let v = parse(&b)?;
        if v["active"] != Value::Bool(active) {
            return Err(Fail::Bad(format!("PATCH active={active}: response shows active={}", v["active"])));
        }
    }
    Ok(())
}

// ----------------------------------------------------------------------------------------------
// phase runner and statistics

#[derive(Default)]
struct WStats {
    lat: [Vec<u32>; 3],
    ok: u64,
    err: u64,
    bad: u64,
    notes: Vec<String>,
    connects: u64,
}

impl WStats {
    fn note(&mut self, m: String) {
        if self.notes.len() < 4 && !self.notes.contains(&m) {
            self.notes.push(m);
        }
    }
}

async fn worker(ctx: Arc<PhaseCtx>, wid: usize) -> WStats {
    let mut cl = Client::new(ctx.cfg.clone());
    let mut rng = fastrand::Rng::with_seed(ctx.seed ^ (wid as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let mut st = WStats::default();
    loop {
        if Instant::now() >= ctx.deadline {
            break;
        }
        let seq = ctx.counter.fetch_add(1, Ordering::Relaxed);
        if seq >= ctx.limit {
            break;
        }
        let t0 = Instant::now();
        let r = tokio::time::timeout(ctx.cfg.req_timeout, exec(&ctx, &mut cl, seq, &mut rng)).await;
        let us = t0.elapsed().as_micros().min(u32::MAX as u128) as u32;
        match r {
            Ok(Ok(class)) => {
                st.ok += 1;
                st.lat[class].push(us);
            }
            Ok(Err((class, Fail::Bad(m)))) => {
                st.bad += 1;
                st.lat[class].push(us);
                st.note(m);
            }
            Ok(Err((_, Fail::Err(m)))) => {
                st.err += 1;
                st.note(m);
            }
            Err(_) => {
                st.err += 1;
                st.note(format!("timeout after {:?}", ctx.cfg.req_timeout));
                cl.sender = None;
            }
        }
    }
    st.connects = cl.connects;
    st
}

fn pctl(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i] as f64 / 1000.0
}

#[derive(Clone, Copy, Default)]
struct ProcSample {
    rss_kb: u64,
    hwm_kb: u64,
    cpu_ticks: u64,
}

fn proc_sample(pid: &str) -> Option<ProcSample> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |k: &str| -> u64 {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|x| x.parse().ok())
            .unwrap_or(0)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    // fields after ")" start at field 3 (state); utime=14, stime=15 => idx 11, 12
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ProcSample { rss_kb: field("VmRSS:"), hwm_kb: field("VmHWM:"), cpu_ticks: ticks })
}

/// busy ticks of the whole machine (all CPUs), from /proc/stat
fn machine_busy_ticks() -> Option<u64> {
    let st = std::fs::read_to_string("/proc/stat").ok()?;
    let l = st.lines().next()?;
    let v: Vec<u64> = l.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let total: u64 = v.iter().take(8).sum();
    Some(total - v.get(3)? - v.get(4)?)
}

struct PhaseResult {
    name: String,
    ok: u64,
    err: u64,
    bad: u64,
    secs: f64,
    lat: [Vec<u32>; 3],
    notes: Vec<String>,
    connects: u64,
    srv_cpu: Option<f64>,
    gen_cpu: Option<f64>,
    other_cpu: Option<f64>,
    rss_kb: Option<u64>,
    extra: String,
}

impl PhaseResult {
    fn all_sorted(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.lat.iter().flatten().copied().collect();
        v.sort_unstable();
        v
    }
    fn rps(&self) -> f64 {
        if self.secs > 0.0 {
            self.ok as f64 / self.secs
        } else {
            0.0
        }
    }
}

struct Runner {
    cfg: Arc<Cfg>,
    users: Arc<Vec<User>>,
    seed_ids: Arc<Vec<OnceLock<Box<str>>>>,
    group_ids: Arc<Vec<OnceLock<Box<str>>>>,
    next_create: Arc<AtomicU64>,
    results: Vec<PhaseResult>,
}

impl Runner {
    async fn run(&mut self, name: &str, kind: Kind, limit: u64, secs: f64, conc: usize) -> PhaseResult {
        let pid = self.cfg.pid.map(|p| p.to_string());
        let s0 = pid.as_deref().and_then(proc_sample);
        let g0 = proc_sample("self");
        let m0 = machine_busy_ticks();
        let ctx = Arc::new(PhaseCtx {
            cfg: self.cfg.clone(),
            kind,
            limit,
            deadline: Instant::now() + Duration::from_secs_f64(secs),
            counter: AtomicU64::new(0),
            users: self.users.clone(),
            seed_ids: self.seed_ids.clone(),
            group_ids: self.group_ids.clone(),
            next_create: self.next_create.clone(),
            seed: fastrand::u64(..),
        });
        let t0 = Instant::now();
        let handles: Vec<_> = (0..conc.max(1).min(limit.max(1) as usize))
            .map(|w| tokio::spawn(worker(ctx.clone(), w)))
            .collect();
        let mut agg = WStats::default();
        for h in handles {
            let s = h.await.expect("worker panicked");
            agg.ok += s.ok;
            agg.err += s.err;
            agg.bad += s.bad;
            agg.connects += s.connects;
            for k in 0..3 {
                agg.lat[k].extend_from_slice(&s.lat[k]);
            }
            for n in s.notes {
                agg.note(n);
            }
        }
        let secs = t0.elapsed().as_secs_f64();
        let s1 = pid.as_deref().and_then(proc_sample);
        let g1 = proc_sample("self");
        let m1 = machine_busy_ticks();
        let cpu = |a: Option<ProcSample>, b: Option<ProcSample>| match (a, b) {
            (Some(a), Some(b)) => Some((b.cpu_ticks - a.cpu_ticks) as f64 / 100.0 / secs * 100.0),
            _ => None,
        };
        PhaseResult {
            name: name.to_string(),
            ok: agg.ok,
            err: agg.err,
            bad: agg.bad,
            secs,
            lat: agg.lat,
            notes: agg.notes,
            connects: agg.connects,
            srv_cpu: cpu(s0, s1),
            gen_cpu: cpu(g0, g1),
            // CPU used by everything except the server and this loadgen (noise from the shared box)
            other_cpu: match (m0, m1) {
                (Some(a), Some(b)) => {
                    let all = (b - a) as f64 / 100.0 / secs * 100.0;
                    Some((all - cpu(s0, s1).unwrap_or(0.0) - cpu(g0, g1).unwrap_or(0.0)).max(0.0))
                }
                _ => None,
            },
            rss_kb: s1.map(|s| s.rss_kb),
            extra: String::new(),
        }
    }

    fn report(&mut self, mut r: PhaseResult) {
        let v = r.all_sorted();
        let mut line = format!(
            "{:<14} n={:<7} ok={:<7} err={:<5} bad={:<5} time={:>7.2}s rps={:>9.1} p50={:>8.2}ms p99={:>8.2}ms",
            r.name,
            r.ok + r.err + r.bad,
            r.ok,
            r.err,
            r.bad,
            r.secs,
            r.rps(),
            pctl(&v, 0.50),
            pctl(&v, 0.99),
        );
        if r.name == "mixed" {
            for (k, nm) in ["lookup", "patch", "create"].iter().enumerate() {
                let mut s = r.lat[k].clone();
                s.sort_unstable();
                line += &format!(" {nm}={}/{:.2}/{:.2}ms", s.len(), pctl(&s, 0.5), pctl(&s, 0.99));
            }
        }
        if let Some(c) = r.srv_cpu {
            line += &format!(" srv_cpu={c:.0}%");
        }
        if let Some(c) = r.gen_cpu {
            line += &format!(" gen_cpu={c:.0}%");
        }
        if let Some(c) = r.other_cpu {
            line += &format!(" other_cpu={c:.0}%");
        }
        if let Some(k) = r.rss_kb {
            line += &format!(" rss={:.1}MiB", k as f64 / 1024.0);
        }
        line += &format!(" conns={}", r.connects);
        if !r.extra.is_empty() {
            line += &format!(" {}", r.extra);
        }
        println!("{line}");
        for n in &r.notes {
            println!("  ! {}: {}", r.name, n);
        }
        r.lat = Default::default();
        r.notes.truncate(4);
        self.results.push(PhaseResult { lat: [v, vec![], vec![]], ..r });
    }
}

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
