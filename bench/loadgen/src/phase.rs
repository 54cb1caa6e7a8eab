//! One phase of the workload: what each request kind sends and checks,
//! and the workers that run it, bounded by a count and a clock.

use crate::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
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

pub(crate) struct User {
    pub(crate) idx: u64,
    pub(crate) id: Box<str>,
}

pub(crate) struct PhaseCtx {
    pub(crate) cfg: Arc<Cfg>,
    pub(crate) kind: Kind,
    pub(crate) limit: u64,
    pub(crate) deadline: Instant,
    pub(crate) counter: AtomicU64,
    pub(crate) users: Arc<Vec<User>>,
    pub(crate) seed_ids: Arc<Vec<OnceLock<Box<str>>>>,
    pub(crate) group_ids: Arc<Vec<OnceLock<Box<str>>>>,
    pub(crate) next_create: Arc<AtomicU64>,
    pub(crate) seed: u64,
}

pub(crate) enum Fail {
    Err(String),
    Bad(String),
}
impl From<String> for Fail {
    fn from(s: String) -> Self {
        Fail::Err(s)
    }
}

pub(crate) fn snippet(b: &Bytes) -> String {
    let s = String::from_utf8_lossy(&b[..b.len().min(160)]).replace('\n', " ");
    s
}

pub(crate) fn parse(b: &Bytes) -> Result<Value, Fail> {
    serde_json::from_slice(b).map_err(|e| Fail::Bad(format!("invalid JSON ({e}): {}", snippet(b))))
}

pub(crate) fn want(st: u16, ok: &[u16], what: &str, body: &Bytes) -> Result<(), Fail> {
    if ok.contains(&st) {
        Ok(())
    } else if (200..300).contains(&st) {
        Err(Fail::Bad(format!("{what}: status {st} (expected {ok:?})")))
    } else {
        Err(Fail::Err(format!("{what}: HTTP {st}: {}", snippet(body))))
    }
}

pub(crate) fn eq_ci(v: &Value, s: &str) -> bool {
    v.as_str().map(|x| x.eq_ignore_ascii_case(s)).unwrap_or(false)
}

/// returns Ok(class) where class indexes the latency bucket (mixed: 0 lookup, 1 patch, 2 create)
pub(crate) async fn exec(ctx: &PhaseCtx, cl: &mut Client, seq: u64, rng: &mut fastrand::Rng) -> Result<usize, (usize, Fail)> {
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

pub(crate) async fn create_user(ctx: &PhaseCtx, cl: &mut Client, idx: u64, store: bool) -> Result<(), Fail> {
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

pub(crate) async fn lookup(cl: &mut Client, p: &str, u: &User, tag: &str) -> Result<(), Fail> {
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

pub(crate) async fn patch(cl: &mut Client, p: &str, u: &User, active: bool) -> Result<(), Fail> {
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
pub(crate) struct WStats {
    pub(crate) lat: [Vec<u32>; 3],
    pub(crate) ok: u64,
    pub(crate) err: u64,
    pub(crate) bad: u64,
    pub(crate) notes: Vec<String>,
    pub(crate) connects: u64,
}

impl WStats {
    pub(crate) fn note(&mut self, m: String) {
        if self.notes.len() < 4 && !self.notes.contains(&m) {
            self.notes.push(m);
        }
    }
}

pub(crate) async fn worker(ctx: Arc<PhaseCtx>, wid: usize) -> WStats {
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
