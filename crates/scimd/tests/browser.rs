//! Browser tests of the admin console: the real `scimd` binary, driven in
//! headless Chromium through chromedriver (WebDriver over HTTP). They
//! assert on page content and save screenshots under
//! `target/screenshots/`. Without Chromium they skip with a message,
//! unless `SCIMD_REQUIRE_BROWSER` is set (`scripts/test.sh` installs
//! Chromium and sets it, so CI always runs them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "browser/manage.rs"]
mod manage;
#[path = "browser/provlog.rs"]
mod provlog;
#[allow(dead_code)] // the browser tests use only the receiver itself
#[path = "e2e/receiver.rs"]
mod receiver;
#[path = "e2e/server.rs"]
mod server;
#[path = "browser/webdriver.rs"]
mod webdriver;

use receiver::{wait_for, Receiver};
use serde_json::json;
use server::*;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::Duration;
use webdriver::Driver;

const PASSWORD: &str = "a long console password";

fn browser() -> Option<Driver> {
    match webdriver::find() {
        Some((b, d)) => Some(Driver::start(&b, &d)),
        None if std::env::var_os("SCIMD_REQUIRE_BROWSER").is_some() => {
            panic!("SCIMD_REQUIRE_BROWSER is set but chromium or chromedriver is missing")
        }
        None => {
            eprintln!(
                "skipping the browser tests: chromium and chromedriver are not installed \
                 (apt-get install -y chromium chromium-driver; scripts/test.sh does this)"
            );
            None
        }
    }
}

/// `scimd admin create` with the password on stdin.
fn create_admin(s: &Server, username: &str, role: &[&str]) {
    let db = s.db_url();
    let mut child = Command::new(bin())
        .args(["admin", "create", username, "--role"])
        .args(role)
        .args(["--password-stdin", "--database", &db])
        .env_remove("SCIMD_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn origin(s: &Server) -> String {
    s.base.trim_end_matches("/scim/v2").to_string()
}

/// Loads `url` until its text contains `needle` (bounded); returns the text.
fn reload_until(d: &Driver, url: &str, needle: &str) -> String {
    let mut body = String::new();
    for _ in 0..100 {
        d.goto(url);
        body = d.text("body");
        if body.contains(needle) {
            return body;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{url} never showed {needle:?}; it shows:\n{body}");
}

fn sign_in(d: &Driver, s: &Server, user: &str) {
    d.goto(&format!("{}/admin/login", origin(s)));
    d.wait_text("Sign in to scimd");
    d.type_into("#f-username", user);
    d.type_into("#f-password", PASSWORD);
    d.click("form button[type=submit]");
    d.wait_text("Sign out");
}

#[test]
fn connection_token_user_and_timeline() {
    let Some(d) = browser() else { return };
    let s = Server::start();
    create_admin(&s, "root", &["super"]);
    let home = origin(&s);

    // Log in: a wrong password is refused, the right one lands on the tenants.
    d.goto(&format!("{home}/admin/tenants"));
    d.wait_text("Sign in to scimd");
    d.type_into("#f-username", "root");
    d.type_into("#f-password", "not the password");
    d.click("form button[type=submit]");
    d.wait_text("wrong username or password");
    sign_in(&d, &s, "root");
    let page = d.wait_text("Tenants");
    assert!(
        page.contains("default") && page.contains("root (super-admin)"),
        "{page}"
    );
    d.screenshot("01-tenants");

    // Create a connection with its policies.
    d.goto(&format!("{home}/admin/t/default/connections"));
    d.wait_text("New connection");
    d.type_into("#f-name", "okta-prod");
    d.select("#f-profile", "okta");
    d.select("#f-delete", "soft-delete");
    d.click("form[action$='/connections'] button[type=submit]");
    let page = d.wait_text("Connection okta-prod");
    assert!(page.contains("Profile and policies"), "{page}");
    d.screenshot("02-connection");

    // Create a token: shown once, with the base URL and a copy button.
    d.type_into("#f-label", "okta-scim");
    d.click("form[action$='/tokens'] button[type=submit]");
    // The connection page says "shown once" too: wait for the token's page.
    d.find("#new-token");
    let page = d.wait_text("shown once");
    assert!(page.contains(&s.base), "the base URL is shown: {page}");
    let token = d.text("#new-token");
    assert!(token.starts_with("scimd_"), "{token}");
    d.click("button[data-copy='new-token']");
    d.wait_text("Copied");
    d.screenshot("03-token");
    // The connection lists it by prefix, never the secret.
    d.goto(&format!("{home}/admin/t/default/connections/okta-prod"));
    let page = d.wait_text("okta-scim");
    assert!(!page.contains(&token));

    // Provision a user through SCIM with that token.
    let r = s.req_as(
        &token,
        "POST",
        "/Users",
        Some(&json!({"schemas": [USER], "userName": "ada@example.com",
            "name": {"givenName": "Ada", "familyName": "Lovelace"},
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true}]})),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    let r = s.req_as(
        &token,
        "PATCH",
        &format!("/Users/{id}"),
        Some(&json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": "Analyst"}]})),
    );
    assert_eq!(r.status, 200, "{}", r.text);

    // Find it with the quick search, then open it.
    d.goto(&format!("{home}/admin/t/default/users"));
    d.type_into("#f-q", "ada@");
    d.click("form[role=search] button[type=submit]");
    let page = d.wait_text("1–1 of 1");
    assert!(
        page.contains("ada@example.com") && page.contains("managed by okta-prod"),
        "{page}"
    );
    // The SCIM filter box narrows further.
    d.type_into("#f-filter", "active eq false");
    d.click("form[role=search] button[type=submit]");
    d.wait_text("0–0 of 0");
    d.goto(&format!("{home}/admin/t/default/users?q=ada"));
    d.click("tbody a");
    let page = d.wait_text("Timeline");
    assert!(page.contains("User ada@example.com"), "{page}");
    assert!(
        page.contains("Auth provider") && page.contains("okta"),
        "{page}"
    );
    assert!(page.contains("Managing connection"), "{page}");
    let timeline = d.text("#timeline + table");
    assert!(timeline.contains("okta-prod"), "{timeline}");
    assert!(
        timeline.contains("create") && timeline.contains("POST /Users"),
        "{timeline}"
    );
    assert!(
        timeline.contains("patch") && timeline.contains("title"),
        "{timeline}"
    );
    assert!(
        timeline.contains("Analyst"),
        "the diff shows what changed: {timeline}"
    );
    d.screenshot("04-user-timeline");

    // A managed user is read-only: no edit controls, and the explanation.
    let note = d.text("#managed-note");
    assert!(
        note.contains("Read-only") && note.contains("okta-prod"),
        "{note}"
    );
    assert_eq!(d.count("form[action$='/active']"), 0);
    // An edit submitted anyway (a forged form with the session's CSRF token) is refused.
    d.run(
        "const f = document.createElement('form'); f.method = 'post'; f.action = arguments[0];
         const c = document.createElement('input'); c.name = 'csrf'; c.value = document.querySelector('input[name=csrf]').value;
         const a = document.createElement('input'); a.name = 'active'; a.value = 'false';
         f.append(c, a); document.body.append(f); f.submit();",
        json!([format!("/admin/t/default/users/{id}/active")]),
    );
    let page = d.wait_text("403");
    assert!(page.contains("managed by \"okta-prod\""), "{page}");
    d.screenshot("05-managed-refused");
    let r = s.req_as(&token, "GET", &format!("/Users/{id}"), None);
    assert_ne!(r.body["active"], false, "nothing changed: {}", r.text);

    // Sign out: the console asks to sign in again.
    d.goto(&format!("{home}/admin/tenants"));
    d.click("header form button[type=submit]");
    d.wait_text("Sign in to scimd");
    d.goto(&format!("{home}/admin/tenants"));
    d.wait_text("Sign in to scimd");
}

#[test]
fn confirm_a_paused_mass_deactivation() {
    let Some(d) = browser() else { return };
    // Each failed delivery dead-letters its event at once.
    let s = Server::start_with(&["--webhook-poll-ms", "100", "--webhook-max-attempts", "1"]);
    create_admin(&s, "owner", &["owner", "--tenant", "default"]);
    let rx = Receiver::start();
    rx.down.store(true, Ordering::SeqCst);
    s.cli_ok(&[
        "webhook",
        "create",
        "--tenant",
        "default",
        "--url",
        &rx.url,
        "--allow-private",
    ]);
    s.cli_ok(&[
        "tenant",
        "set",
        "default",
        "--breaker",
        "true",
        "--breaker-percent",
        "20",
        "--breaker-minimum",
        "2",
    ]);
    let ids: Vec<String> = (0..10)
        .map(|i| s.create_user(&format!("u{i}@example.com")))
        .collect();
    let off = json!([{"op": "replace", "path": "active", "value": false}]);
    // 20% of 10 users: two pass; the third is held and trips the breaker.
    for id in &ids[..2] {
        assert_eq!(s.patch(&format!("/Users/{id}"), off.clone()).status, 200);
    }
    let r = s.patch(&format!("/Users/{}", ids[2]), off.clone());
    assert_eq!(r.status, 503, "{}", r.text);

    sign_in(&d, &s, "owner");
    let home = origin(&s);
    d.goto(&format!("{home}/admin/t/default/connections"));
    d.wait_text("deprovisioning paused");
    d.goto(&format!("{home}/admin/t/default/breaker"));
    let page = d.wait_text("Connection default");
    assert!(page.contains("paused since"), "{page}");
    d.screenshot("06-breaker-paused");
    d.click("input[value=confirm] + button");
    d.wait_text("No deprovisioning is paused.");
    d.screenshot("07-breaker-confirmed");
    // Deprovisioning goes on, and what was deactivated stays so.
    assert_eq!(s.patch(&format!("/Users/{}", ids[3]), off).status, 200);
    let r = s.get("/Users?filter=active%20eq%20false");
    assert_eq!(r.body["totalResults"], 3, "{}", r.text);
    // The seats page shows usage.
    d.goto(&format!("{home}/admin/t/default/seats"));
    d.wait_text("7 active users");

    // The webhooks page, from the navigation: the receiver answers 500, so
    // the events are dead letters; the owner queues them again.
    d.click("header nav a[href$='/webhooks']");
    let page = d.wait_text("Dead letters");
    assert!(page.contains(&rx.url) && page.contains("Pending"), "{page}");
    let page = reload_until(&d, &format!("{home}/admin/t/default/webhooks"), "HTTP 500");
    assert!(
        page.contains("dead letters") && page.contains("Redeliver"),
        "{page}"
    );
    d.screenshot("08-webhooks-dead-letters");
    assert!(rx.delivered().is_empty());
    rx.down.store(false, Ordering::SeqCst);
    d.click("form[action$='/redeliver'] button[type=submit]");
    d.wait_text("Webhooks");
    assert!(
        wait_for(20, || !rx.delivered().is_empty()),
        "{:?}",
        rx.requests()
    );
}

#[test]
fn a_super_admin_manages_accounts() {
    let Some(d) = browser() else { return };
    let s = Server::start();
    create_admin(&s, "root", &["super"]);
    create_admin(&s, "bob", &["owner", "--tenant", "default"]);
    let home = origin(&s);
    sign_in(&d, &s, "root");
    d.click("header nav a[href='/admin/admins']");
    let page = d.wait_text("Admin accounts");
    assert!(
        page.contains("bob") && page.contains("every tenant") && page.contains("enabled"),
        "{page}"
    );
    // Confirmations are the browser's dialogs: accept them.
    d.run("window.confirm = function () { return true; };", json!([]));
    d.click("form[action='/admin/admins/bob/active'] button[type=submit]");
    d.wait_text("Admin accounts");
    assert_eq!(
        d.count("form[action='/admin/admins/bob/active'] input[value=true]"),
        1
    );
    assert!(d.text("body").contains("disabled"));
    // No disabling or deleting oneself: those forms are not offered.
    assert_eq!(d.count("form[action='/admin/admins/root/active']"), 0);
    assert_eq!(d.count("form[action='/admin/admins/root/delete']"), 0);
    d.type_into("#pw-bob", "another long password");
    d.click("form[action='/admin/admins/bob/password'] button[type=submit]");
    d.wait_text("Admin accounts");
    d.screenshot("09-admin-accounts");
    // Each change is in the tenant's audit log, naming root.
    d.goto(&format!("{home}/admin/t/default/audit"));
    let page = d.wait_text("Audit log");
    assert!(
        page.contains("admin-password")
            && page.contains("admin-disable")
            && page.contains("admin root"),
        "{page}"
    );
}
