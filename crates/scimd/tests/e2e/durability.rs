//! Durability under SIGKILL: writers create, patch, delete users and add
//! them to a group while scimd is killed at a random moment (after a random
//! number of acknowledged writes). After each restart every acknowledged
//! write is present, nothing unacknowledged is half-applied, and the
//! database passes its integrity check. Rounds: `SCIMD_DURABILITY_ROUNDS`
//! (default 20); every loop is bounded by counts.

use crate::server::*;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const WRITERS: usize = 4;

fn random_below(n: usize) -> usize {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    (u64::from_le_bytes(b) % n as u64) as usize
}

/// What one writer knows: the outcome of each of its users.
#[derive(Default, Clone, Debug)]
struct UserLog {
    id: Option<String>,
    /// Acknowledged title, if any.
    title: Option<String>,
    /// A title sent but not acknowledged (the write in flight at the kill).
    title_in_flight: Option<String>,
    deleted: bool,
    delete_in_flight: bool,
    member: bool,
}

/// What the writers of one round share.
struct Round {
    base: String,
    token: String,
    group: String,
    round: usize,
    stop: AtomicBool,
    acked: AtomicUsize,
    log: Mutex<HashMap<String, UserLog>>,
}

fn writer(r: Arc<Round>, w: usize) {
    let (base, token, group, round, stop, acked, log) = (
        &r.base, &r.token, &r.group, r.round, &r.stop, &r.acked, &r.log,
    );
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let send =
        |method: &str, path: &str, body: serde_json::Value| -> Option<(u16, serde_json::Value)> {
            let req = ureq::http::Request::builder()
                .method(method)
                .uri(format!("{base}{path}"))
                .header("Authorization", format!("Bearer {token}"))
                .header("Content-Type", "application/scim+json")
                .body(body.to_string())
                .ok()?;
            let mut r = agent.run(req).ok()?;
            let status = r.status().as_u16();
            let text = r.body_mut().read_to_string().ok()?;
            Some((status, serde_json::from_str(&text).unwrap_or_default()))
        };
    for i in 0..10_000 {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let name = format!("r{round}-w{w}-{i}");
        let mut entry = UserLog::default();
        log.lock().unwrap().insert(name.clone(), entry.clone());
        let Some((201, b)) = send(
            "POST",
            "/Users",
            json!({"schemas": [USER], "userName": name}),
        ) else {
            return;
        };
        entry.id = b["id"].as_str().map(str::to_string);
        let id = entry.id.clone().unwrap();
        log.lock().unwrap().insert(name.clone(), entry.clone());
        acked.fetch_add(1, Ordering::SeqCst);
        entry.title_in_flight = Some(format!("t{i}"));
        log.lock().unwrap().insert(name.clone(), entry.clone());
        let patch = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": format!("t{i}")}]});
        let Some((200, _)) = send("PATCH", &format!("/Users/{id}"), patch) else {
            return;
        };
        entry.title = entry.title_in_flight.take();
        log.lock().unwrap().insert(name.clone(), entry.clone());
        acked.fetch_add(1, Ordering::SeqCst);
        let add = json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": id}]}]});
        let Some((200, _)) = send("PATCH", &format!("/Groups/{group}"), add) else {
            return;
        };
        entry.member = true;
        log.lock().unwrap().insert(name.clone(), entry.clone());
        acked.fetch_add(1, Ordering::SeqCst);
        if i % 3 == 0 {
            entry.delete_in_flight = true;
            log.lock().unwrap().insert(name.clone(), entry.clone());
            let Some((204, _)) = send("DELETE", &format!("/Users/{id}"), json!(null)) else {
                return;
            };
            entry.deleted = true;
            entry.delete_in_flight = false;
            log.lock().unwrap().insert(name, entry);
            acked.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let rounds: usize = std::env::var("SCIMD_DURABILITY_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let server = Arc::new(Mutex::new(Server::start()));
    let group = server.lock().unwrap().create_group("durable", &[]);
    let mut checked = 0usize;
    // Acknowledged writes verified: deletes of deleted users; creates,
    // title PATCHes and memberships of the others.
    let mut writes = 0usize;
    for round in 0..rounds {
        let (base, token) = {
            let s = server.lock().unwrap();
            (s.base.clone(), s.token.clone())
        };
        let shared = Arc::new(Round {
            base,
            token,
            group: group.clone(),
            round,
            stop: AtomicBool::new(false),
            acked: AtomicUsize::new(0),
            log: Mutex::new(HashMap::new()),
        });
        let (stop, acked, log) = (&shared.stop, &shared.acked, &shared.log);
        let kill_after = 10 + random_below(150);
        let threads: Vec<_> = (0..WRITERS)
            .map(|w| {
                let r = shared.clone();
                std::thread::spawn(move || writer(r, w))
            })
            .collect();
        // Wait, without sleeping, for the random number of acknowledged writes.
        while acked.load(Ordering::SeqCst) < kill_after {
            std::thread::yield_now();
        }
        server.lock().unwrap().kill();
        stop.store(true, Ordering::SeqCst);
        for t in threads {
            t.join().unwrap();
        }
        let db = server.lock().unwrap().db_url();
        let out = std::process::Command::new(bin())
            .args(["check", "--database", &db])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "ok",
            "round {round}: integrity"
        );
        server.lock().unwrap().restart();
        let s = server.lock().unwrap();
        let members: Vec<String> = s.get(&format!("/Groups/{group}")).body["members"]
            .as_array()
            .map(|m| {
                m.iter()
                    .map(|x| x["value"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        for (name, u) in log.lock().unwrap().iter() {
            let found = s.get(&format!("/Users?filter=userName%20eq%20%22{name}%22"));
            let n = found.body["totalResults"].as_u64().unwrap();
            match &u.id {
                None => assert!(n <= 1, "round {round}: {name} twice"),
                Some(id) => {
                    let by_id = s.get(&format!("/Users/{id}"));
                    if u.deleted {
                        assert_eq!(
                            by_id.status, 404,
                            "round {round}: acknowledged delete of {name} lost"
                        );
                        assert_eq!(n, 0);
                        assert!(
                            !members.contains(id),
                            "round {round}: deleted {name} still a member"
                        );
                        writes += 1;
                        continue;
                    }
                    if u.delete_in_flight && by_id.status == 404 {
                        assert_eq!(n, 0, "round {round}: {name} half deleted");
                        continue;
                    }
                    assert_eq!(
                        by_id.status, 200,
                        "round {round}: acknowledged create of {name} lost"
                    );
                    assert_eq!(
                        n, 1,
                        "round {round}: {name} not found by its userName (index out of step)"
                    );
                    let title = by_id.body["title"].as_str().map(str::to_string);
                    assert!(
                        title == u.title || (title.is_some() && title == u.title_in_flight),
                        "round {round}: {name} title {title:?}, log {u:?}"
                    );
                    if u.member {
                        assert!(
                            members.contains(id),
                            "round {round}: acknowledged membership of {name} lost"
                        );
                    }
                    checked += 1;
                    writes += 1 + usize::from(u.title.is_some()) + usize::from(u.member);
                }
            }
        }
    }
    assert!(checked > 0);
    let backend = if on_postgres() { "postgres" } else { "sqlite" };
    println!(
        "durability ({backend}): {rounds} rounds, {writes} acknowledged writes and {checked} surviving users verified"
    );
}
