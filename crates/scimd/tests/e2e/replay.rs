//! `scimd replay`: every IdP profile's documented sequence passes against
//! scimd, and a broken deployment is reported as failures.

use crate::server::*;
use std::process::Command;

fn replay(s: &Server, profile: &str, token: &str) -> (bool, String) {
    let out = Command::new(bin())
        .args([
            "replay",
            "--profile",
            profile,
            "--base-url",
            &s.base,
            "--token",
            token,
        ])
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn every_profile_replays_cleanly() {
    let s = Server::start();
    for profile in ["entra", "okta", "onelogin", "jumpcloud", "strict"] {
        let (ok, out) = replay(&s, profile, &s.token);
        let last = out.lines().last().unwrap_or("");
        assert!(ok, "{profile}:\n{out}");
        assert!(last.ends_with(" passed, 0 failed"), "{profile}: {last}");
        let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
        assert!(passed >= 10, "{profile}: {last}");
    }
    // Replays clean up after themselves.
    assert_eq!(s.get("/Users").body["totalResults"], 0);
    assert_eq!(s.get("/Groups").body["totalResults"], 0);
}

#[test]
fn a_bad_deployment_fails_the_replay() {
    let s = Server::start();
    let (ok, out) = replay(&s, "okta", "scimd_not-a-token");
    assert!(!ok);
    let last = out.lines().last().unwrap();
    assert!(last.starts_with("0 passed, "), "{last}");
    assert!(out.contains("FAIL [okta]"));
}
