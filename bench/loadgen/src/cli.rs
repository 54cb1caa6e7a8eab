//! The command line of scim-loadgen: its settings (`Cfg`) and their parsing.

use crate::*;

#[derive(Clone)]
pub(crate) struct Cfg {
    pub(crate) base_url: String,
    pub(crate) addr: SocketAddr,
    pub(crate) host: String,
    pub(crate) prefix: String,
    pub(crate) auth: Option<String>,
    pub(crate) n: u64,
    pub(crate) c: usize,
    pub(crate) threads: usize,
    pub(crate) phases: Vec<String>,
    pub(crate) lookups: u64,
    pub(crate) patches: u64,
    pub(crate) pages: u64,
    pub(crate) page_size: u64,
    pub(crate) groups: u64,
    pub(crate) group_members: u64,
    pub(crate) batch: u64,
    pub(crate) verify: u64,
    pub(crate) seed_secs: f64,
    pub(crate) phase_secs: f64,
    pub(crate) mixed_secs: f64,
    pub(crate) mixed_max: u64,
    pub(crate) get_path: String,
    pub(crate) get_secs: f64,
    pub(crate) get_max: u64,
    pub(crate) req_timeout: Duration,
    pub(crate) pid: Option<u32>,
    pub(crate) json_out: Option<String>,
    pub(crate) label: String,
    pub(crate) tag: String,
    /// Names what this run creates besides the seeded users (groups, mixed
    /// creates): fresh every run, also when `tag` comes from a users file.
    pub(crate) run_tag: String,
    pub(crate) enterprise: bool,
    pub(crate) users_file: Option<String>,
    pub(crate) big_group: u64,
    pub(crate) probe_reps: u64,
    pub(crate) deep_index: u64,
    pub(crate) cursor_depth: u64,
    pub(crate) token_b: Option<String>,
    pub(crate) noisy_secs: f64,
    pub(crate) noisy_workers: usize,
}

pub(crate) fn usage() -> ! {
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

pub(crate) fn parse_args() -> Cfg {
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
