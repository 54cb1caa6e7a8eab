//! Measuring and reporting: percentiles, the server's CPU and memory,
//! and the `Runner` that runs phases and prints their result lines.

use crate::*;

pub(crate) fn pctl(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted[i] as f64 / 1000.0
}

#[derive(Clone, Copy, Default)]
pub(crate) struct ProcSample {
    pub(crate) rss_kb: u64,
    pub(crate) hwm_kb: u64,
    pub(crate) cpu_ticks: u64,
}

pub(crate) fn proc_sample(pid: &str) -> Option<ProcSample> {
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
pub(crate) fn machine_busy_ticks() -> Option<u64> {
    let st = std::fs::read_to_string("/proc/stat").ok()?;
    let l = st.lines().next()?;
    let v: Vec<u64> = l.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let total: u64 = v.iter().take(8).sum();
    Some(total - v.get(3)? - v.get(4)?)
}

pub(crate) struct PhaseResult {
    pub(crate) name: String,
    pub(crate) ok: u64,
    pub(crate) err: u64,
    pub(crate) bad: u64,
    pub(crate) secs: f64,
    pub(crate) lat: [Vec<u32>; 3],
    pub(crate) notes: Vec<String>,
    pub(crate) connects: u64,
    pub(crate) srv_cpu: Option<f64>,
    pub(crate) gen_cpu: Option<f64>,
    pub(crate) other_cpu: Option<f64>,
    pub(crate) rss_kb: Option<u64>,
    pub(crate) extra: String,
}

impl PhaseResult {
    pub(crate) fn all_sorted(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.lat.iter().flatten().copied().collect();
        v.sort_unstable();
        v
    }
    pub(crate) fn rps(&self) -> f64 {
        if self.secs > 0.0 {
            self.ok as f64 / self.secs
        } else {
            0.0
        }
    }
}

pub(crate) struct Runner {
    pub(crate) cfg: Arc<Cfg>,
    pub(crate) users: Arc<Vec<User>>,
    pub(crate) seed_ids: Arc<Vec<OnceLock<Box<str>>>>,
    pub(crate) group_ids: Arc<Vec<OnceLock<Box<str>>>>,
    pub(crate) next_create: Arc<AtomicU64>,
    pub(crate) results: Vec<PhaseResult>,
}

impl Runner {
    pub(crate) async fn run(&mut self, name: &str, kind: Kind, limit: u64, secs: f64, conc: usize) -> PhaseResult {
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

    pub(crate) fn report(&mut self, mut r: PhaseResult) {
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
