//! `scimd replay`: every IdP profile's documented sequence passes against
//! scimd on a connection with that profile, `auto` passes all of them, and
//! a broken deployment or a mismatched profile is reported as failures.

use crate::server::*;
use std::process::Command;

/// Runs `scimd replay`; returns the exit status, stdout and the tally of
/// its last line (`N passed, M failed`).
fn replay(s: &Server, profile: &str, token: &str) -> (bool, String, (usize, usize)) {
    replay_with(s, profile, token, &[])
}

/// [`replay`] with more arguments.
fn replay_with(
    s: &Server,
    profile: &str,
    token: &str,
    extra: &[&str],
) -> (bool, String, (usize, usize)) {
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
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let last = stdout.lines().last().unwrap_or("").to_string();
    let words: Vec<&str> = last.split(' ').collect();
    let tally = match words.as_slice() {
        [p, "passed,", f, "failed"] => (p.parse().unwrap(), f.parse().unwrap()),
        _ => panic!("{profile}: no tally in {last:?}\n{stdout}"),
    };
    (out.status.success(), stdout, tally)
}

/// A new connection of the default tenant with `profile`, and its token.
fn connection(s: &Server, name: &str, profile: &str) -> String {
    let out = s.cli_ok(&[
        "connection",
        "create",
        "--tenant",
        "default",
        name,
        "--profile",
        profile,
    ]);
    assert!(out.contains(&format!("profile={profile}")), "{out}");
    s.token_for("default", name)
}

#[test]
fn every_profile_replays_cleanly_on_its_own_connection() {
    let s = Server::start();
    // (profile, the connection's token, the fewest checks its replay runs)
    let mut runs: Vec<(&str, String, usize)> = Vec::new();
    for (profile, least) in [
        ("entra", 56),
        ("okta", 28),
        ("onelogin", 13),
        ("jumpcloud", 19),
        ("strict", 19),
    ] {
        runs.push((
            profile,
            connection(&s, &format!("{profile}-conn"), profile),
            least,
        ));
    }
    // `auto` replays every scenario, on the bootstrap `auto` connection.
    runs.push(("auto", s.token.clone(), 135));
    for (profile, token, least) in &runs {
        let (ok, out, (passed, failed)) = replay(&s, profile, token);
        assert!(ok && failed == 0, "{profile}:\n{out}");
        assert!(passed >= *least, "{profile}: {passed} passed\n{out}");
        assert!(out.contains(&format!("PASS [{profile}]")) || *profile == "auto");
    }
    // Replays clean up after themselves.
    assert_eq!(s.get("/Users").body["totalResults"], 0);
    assert_eq!(s.get("/Groups").body["totalResults"], 0);
}

#[test]
fn a_mismatched_profile_fails_the_replay() {
    let s = Server::start();
    let strict = connection(&s, "rfc-only", "strict");
    // Each IdP's replay against a `strict` connection fails, at least on the
    // step that needs the IdP's tolerances.
    for (profile, step) in [
        ("entra", "Disable user (default dialect"),
        ("okta", "Rename with the read-only id in the value"),
        ("onelogin", "Create user from the v2 Enterprise template"),
        ("jumpcloud", "Only that member is gone"),
    ] {
        let (ok, out, (passed, failed)) = replay(&s, profile, &strict);
        assert!(!ok, "{profile}:\n{out}");
        assert!(failed > 0 && passed > 0, "{profile}:\n{out}");
        let prefix = format!("FAIL [{profile}] {step}");
        assert!(
            out.lines().any(|l| l.starts_with(&prefix)),
            "{prefix}:\n{out}"
        );
    }
}

/// The interop profile's replay passes on an `interop` connection and fails
/// on an `auto` one, first at the configuration's claim, then at each rule
/// `auto` deliberately relaxes.
#[test]
fn the_interop_replay_needs_an_interop_connection() {
    let s = Server::start();
    let interop = connection(&s, "interop-conn", "interop");
    let (ok, out, (passed, failed)) = replay(&s, "interop", &interop);
    assert!(ok && failed == 0 && passed >= 30, "{out}");
    assert_eq!(s.get("/Users").body["totalResults"], 0, "{out}");
    let (ok, out, (_, failed)) = replay(&s, "interop", &s.token);
    assert!(!ok && failed > 0, "{out}");
    for step in [
        "ServiceProviderConfig claims interopProfileConformant",
        "An undefined attribute is refused",
        "A PATCH operation without path",
        "replace of a whole complex attribute replaces it",
    ] {
        let prefix = format!("FAIL [interop] {step}");
        assert!(
            out.lines().any(|l| l.starts_with(&prefix)),
            "{prefix}:\n{out}"
        );
    }
    // `auto` runs every scenario but the interop profile's.
    let (_, out, _) = replay(&s, "auto", &s.token);
    assert!(!out.contains("[interop]"), "{out}");
}

/// The custom-attribute scenarios: skipped under `auto` and failed under
/// `--custom` while the tenant lacks their extension (both naming the
/// document to define), then passing on the Entra and Okta connections
/// once the documented extension is defined.
#[test]
fn custom_attribute_scenarios_replay_once_their_extension_is_defined() {
    let s = Server::start();
    let entra = connection(&s, "entra-conn", "entra");
    let okta = connection(&s, "okta-conn", "okta");
    let ext = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User";

    let (ok, out, (_, failed)) = replay_with(&s, "entra", &entra, &["--custom"]);
    assert!(!ok && failed == 1, "{out}");
    let line = out.lines().find(|l| l.starts_with("FAIL [entra]")).unwrap();
    assert!(
        line.contains(&format!("no schema extension {ext}")),
        "{line}"
    );
    assert!(line.contains("\"costCenter\""), "{line}");
    let (ok, out, (_, failed)) = replay(&s, "auto", &s.token);
    assert!(ok && failed == 0, "{out}");
    assert_eq!(
        out.lines().filter(|l| l.starts_with("SKIP [")).count(),
        2,
        "{out}"
    );

    // The document the guides (docs/idp/entra.md, okta.md) define.
    let file = s.dir.path().join("custom-ext.json");
    let doc = serde_json::json!({"id": ext, "name": "CustomExt",
        "attributes": [{"name": "costCenter", "type": "string", "indexed": true}]});
    std::fs::write(&file, doc.to_string()).unwrap();
    s.cli_ok(&[
        "schema",
        "add",
        "--tenant",
        "default",
        "--file",
        file.to_str().unwrap(),
    ]);

    for (profile, token, least) in [("entra", &entra, 56 + 10), ("okta", &okta, 28 + 9)] {
        let (ok, out, (passed, failed)) = replay_with(&s, profile, token, &["--custom"]);
        assert!(ok && failed == 0 && passed >= least, "{profile}:\n{out}");
        assert!(
            out.contains(
                "PASS [{profile}] The user is found by the custom attribute"
                    .replace("{profile}", profile)
                    .as_str()
            ) || out.contains(&format!(
                "PASS [{profile}] Look the user up by the custom attribute"
            )),
            "{out}"
        );
    }
    let (ok, out, (_, failed)) = replay(&s, "auto", &s.token);
    assert!(ok && failed == 0 && !out.contains("SKIP ["), "{out}");
    assert_eq!(s.get("/Users").body["totalResults"], 0, "{out}");
}

#[test]
fn a_bad_deployment_fails_the_replay() {
    let s = Server::start();
    let (ok, out, (passed, failed)) = replay(&s, "okta", "scimd_not-a-token");
    assert!(!ok);
    assert_eq!(passed, 0, "{out}");
    assert!(failed > 0, "{out}");
    assert!(out.contains("FAIL [okta]"));
}
