//! `scimd backup` and `scimd restore` on SQLite: a backup taken while
//! clients keep writing is consistent (`scimd check` passes), holds every
//! write acknowledged before it began, and restores into a database that
//! `serve` starts on. On PostgreSQL both refuse and name pg_dump.

use crate::server::*;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How many users the tenant holds, from the database file `db`.
fn users_in(db: &str) -> usize {
    let out = std::process::Command::new(bin())
        .args([
            "user",
            "list",
            "--tenant",
            "default",
            "--json",
            "--database",
            db,
        ])
        .env_remove("SCIMD_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().lines().count()
}

fn total(s: &Server) -> usize {
    let r = s.get("/Users?count=0");
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["totalResults"].as_u64().unwrap() as usize
}

#[test]
fn a_backup_during_writes_restores_and_checks() {
    if on_postgres() {
        let s = Server::start();
        let (ok, _, err) = s.cli(&["backup", "--to", "/tmp/never-written.db"]);
        assert!(!ok && err.contains("pg_dump"), "{err}");
        return;
    }
    let mut s = Server::start_with(&["--rate-limit-token", "0", "--rate-limit-tenant", "0"]);
    for i in 0..20 {
        s.create_user(&format!("before{i}@example.com"));
    }
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("scimd-backup.db");
    let backup_s = backup.to_str().unwrap().to_string();
    // Two writers create users until told to stop (bounded: 1000 each,
    // 60 s); the backup runs in the middle of it.
    let stop = AtomicBool::new(false);
    let created = AtomicUsize::new(0);
    let (before, after_backup, statuses) = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..2)
            .map(|w| {
                let (s, stop, created) = (&s, &stop, &created);
                scope.spawn(move || {
                    let deadline = Instant::now() + Duration::from_secs(60);
                    let mut statuses = Vec::new();
                    for i in 0..1000 {
                        if stop.load(Ordering::SeqCst) || Instant::now() > deadline {
                            break;
                        }
                        let r = s.post(
                            "/Users",
                            &json!({"schemas": [USER], "userName": format!("w{w}-{i}@example.com")}),
                        );
                        if r.status == 201 {
                            created.fetch_add(1, Ordering::SeqCst);
                        }
                        statuses.push(r.status);
                    }
                    statuses
                })
            })
            .collect();
        // Let the writers get going, then back up while they write.
        while created.load(Ordering::SeqCst) < 50 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let before = 20 + created.load(Ordering::SeqCst);
        let out = s.cli_ok(&["backup", "--to", &backup_s]);
        assert!(out.contains("integrity ok"), "{out}");
        let after_backup = 20 + created.load(Ordering::SeqCst);
        // Writes go on after the backup returned.
        let target = created.load(Ordering::SeqCst) + 50;
        while created.load(Ordering::SeqCst) < target {
            std::thread::sleep(Duration::from_millis(5));
        }
        stop.store(true, Ordering::SeqCst);
        let statuses: Vec<u16> = writers
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        (before, after_backup, statuses)
    });
    // No write failed or waited out its time while the backup ran.
    assert!(statuses.iter().all(|&c| c == 201), "{statuses:?}");
    let live = total(&s);
    assert_eq!(live, 20 + statuses.len());
    // The copy is sound, private, and holds what was acknowledged before
    // it began (and nothing after it ended).
    let check = std::process::Command::new(bin())
        .args(["check", "--database", &backup_s])
        .env_remove("SCIMD_DATABASE_URL")
        .output()
        .unwrap();
    assert!(check.status.success());
    assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "ok");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // (Each writer may have one write committed but not yet answered.)
    let copied = users_in(&backup_s);
    assert!(
        (before..=after_backup + 2).contains(&copied),
        "{before} ≤ {copied} ≤ {after_backup} + 2 (live: {live})"
    );
    assert!(copied < live, "writes after the backup are not in it");
    // A second backup to the same file is refused.
    let (ok, _, err) = s.cli(&["backup", "--to", &backup_s]);
    assert!(!ok && err.contains("cannot create"), "{err}");

    // Restore: refused over a database that holds data without --replace;
    // with it (the server stopped), the database is the backup's, and
    // serve starts on it with the same token.
    s.kill();
    let (ok, _, err) = s.cli(&["restore", "--from", &backup_s]);
    assert!(!ok && err.contains("--replace"), "{err}");
    let out = s.cli_ok(&["restore", "--from", &backup_s, "--replace"]);
    assert!(out.contains("integrity ok"), "{out}");
    assert_eq!(s.cli_ok(&["check"]).trim(), "ok");
    s.restart();
    assert_eq!(total(&s), copied);
    s.create_user("after-restore@example.com");
    assert_eq!(total(&s), copied + 1);
    // Into a new file: no --replace needed.
    let fresh = dir.path().join("fresh.db");
    let fresh = fresh.to_str().unwrap();
    let out = std::process::Command::new(bin())
        .args(["restore", "--from", &backup_s, "--database", fresh])
        .env_remove("SCIMD_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(users_in(fresh), copied);
}
