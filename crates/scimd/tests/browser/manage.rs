//! Browser tests of what the console manages beyond the command line: a
//! token's last use on the connections pages and a rotation; a webhook
//! and an admin account created from the console; hostile values a client
//! sent, shown as text and never run.

use super::receiver::{verify, wait_for, Receiver};
use super::*;

/// The first token cell of the connections list's "Last request" column
/// shows a time (not a dash) once the token was used.
#[test]
fn the_connections_page_shows_a_tokens_last_use() {
    let Some(d) = browser() else { return };
    let s = Server::start();
    create_admin(&s, "owner", &["owner", "--tenant", "default"]);
    let home = origin(&s);
    sign_in(&d, &s, "owner");
    let page = d.wait_text("Connections");
    assert!(page.contains("Last request"), "{page}");
    // The server's token authenticates a lookup; its use is recorded.
    let r = s.get("/Users?filter=userName%20eq%20%22nobody%40example.com%22");
    assert_eq!(r.status, 200, "{}", r.text);
    let list = format!("{home}/admin/t/default/connections");
    let mut cell = String::new();
    for _ in 0..100 {
        d.goto(&list);
        cell = d.text("td.last-used");
        if cell.starts_with("20") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(cell.starts_with("20"), "no last use shown: {cell:?}");
    d.screenshot("10-connections-last-use");
    d.click("tbody a[href$='/connections/default']");
    let page = d.wait_text("Health");
    assert!(page.contains(&cell), "{page}");
    assert!(
        d.text("td.last-used").starts_with("20"),
        "the token's row shows it"
    );

    // Rotate with an overlap: the new token is shown once, with the base URL.
    d.run("window.confirm = function () { return true; };", json!([]));
    d.type_into("#f-overlap_days", "1");
    d.click("form[action$='/rotate'] button[type=submit]");
    // The connection page says "shown once" too: wait for the token's page.
    d.find("#new-token");
    let page = d.wait_text("shown once");
    assert!(
        page.contains(&s.base) && page.contains("1 more day"),
        "{page}"
    );
    let new = d.text("#new-token");
    assert_eq!(s.req_as(&new, "GET", "/Users", None).status, 200);
    d.screenshot("11-token-rotated");
}

#[test]
fn a_webhook_and_an_admin_account_from_the_console() {
    let Some(d) = browser() else { return };
    let s = Server::start_with(&["--webhook-poll-ms", "100"]);
    create_admin(&s, "root", &["super"]);
    let home = origin(&s);
    sign_in(&d, &s, "root");

    // An admin account, created on the Admins page, signs in.
    d.click("header nav a[href='/admin/admins']");
    d.wait_text("New admin account");
    d.type_into("#f-username", "carol");
    d.type_into("#f-password", PASSWORD);
    d.select("#f-role", "owner");
    d.select("#f-tenant", "default");
    d.click("form[action='/admin/admins'] button[type=submit]");
    let page = d.wait_text("carol");
    assert!(page.contains("owner") && page.contains("default"), "{page}");
    d.screenshot("12-admin-created");

    // A webhook, created on the Webhooks page: its secret shown once.
    let rx = Receiver::start();
    d.goto(&format!("{home}/admin/t/default/webhooks"));
    d.wait_text("New webhook");
    d.type_into("#f-url", &rx.url);
    d.click("input[name=allow_private]");
    d.click("form[action$='/webhooks'] button[type=submit]");
    d.find("#webhook-secret");
    let page = d.wait_text("shown once");
    assert!(page.contains(&rx.url), "{page}");
    let secret = d.text("#webhook-secret");
    assert!(secret.starts_with("whsec_"), "{secret}");
    d.screenshot("13-webhook-created");
    d.goto(&format!("{home}/admin/t/default/webhooks"));
    let page = d.wait_text("healthy");
    assert!(page.contains(&rx.url) && !page.contains(&secret), "{page}");
    // Events reach it, signed with that secret.
    s.create_user("wh@example.com");
    assert!(
        wait_for(20, || !rx.delivered().is_empty()),
        "{:?}",
        rx.requests()
    );
    verify(&rx.requests()[0], &secret);
    // Disabled from the console, it is sent nothing.
    d.click("form[action$='/active'] button[type=submit]");
    let page = d.wait_text("Enable");
    assert!(page.contains("disabled"), "{page}");
    d.screenshot("14-webhook-disabled");

    // Carol signs in to her tenant; both changes are in its audit log.
    d.click("header form button[type=submit]");
    sign_in(&d, &s, "carol");
    d.goto(&format!("{home}/admin/t/default/audit"));
    let page = d.wait_text("Audit log");
    assert!(
        page.contains("admin-create")
            && page.contains("webhook-create")
            && page.contains("webhook-disable")
            && page.contains("admin root"),
        "{page}"
    );
}

/// Text that becomes markup if a page forgets to escape it: each payload
/// would set `window.pwned`.
fn evil(n: u32) -> String {
    format!("\"'><img src=x onerror=\"window.pwned={n}\"><script>window.pwned={n}</script>")
}

#[test]
fn hostile_values_are_shown_as_text() {
    let Some(d) = browser() else { return };
    let s = Server::start();
    create_admin(&s, "owner", &["owner", "--tenant", "default"]);
    let home = origin(&s);
    let r = s.post(
        "/Users",
        &json!({"schemas": [USER], "userName": evil(1), "displayName": evil(2),
            "externalId": evil(3), "name": {"formatted": evil(4)},
            "emails": [{"value": evil(5), "type": "work"}]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let uid = r.body["id"].as_str().unwrap().to_string();
    let r = s.post(
        "/Groups",
        &json!({"schemas": [GROUP], "displayName": evil(6), "externalId": evil(7),
            "members": [{"value": uid, "display": evil(8)}]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let gid = r.body["id"].as_str().unwrap().to_string();
    sign_in(&d, &s, "owner");
    let q = |v: &str| form_urlencoded_value(v);
    let pages = [
        format!("{home}/admin/t/default/users"),
        format!("{home}/admin/t/default/users/{uid}"),
        format!("{home}/admin/t/default/groups"),
        format!("{home}/admin/t/default/groups/{gid}"),
        format!("{home}/admin/t/default/users?q={}", q(&evil(9))),
        format!(
            "{home}/admin/t/default/audit?resourceType=user&resourceId={}",
            q(&evil(10))
        ),
        format!("{home}/admin/t/default/audit"),
    ];
    for (i, page) in pages.iter().enumerate() {
        d.goto(page);
        d.wait_text("Sign out");
        assert_eq!(d.count("img[src=x]"), 0, "{page}: an injected element");
        assert_eq!(
            d.run("return window.pwned === undefined;", json!([])),
            json!(true),
            "{page}: a payload ran"
        );
        // The list shows userName, name and email; the user's page its
        // userName and externalId: as the client sent them, as text.
        let shown: &[u32] = match i {
            0 => &[1, 4, 5],
            1 => &[1, 3],
            _ => &[],
        };
        let text = d.text("main");
        for n in shown {
            assert!(text.contains(&evil(*n)), "{n} not shown as text: {text}");
        }
        if i == 1 {
            d.screenshot("15-hostile-user");
        }
    }
    d.goto(&format!("{home}/admin/t/default/groups/{gid}"));
    let text = d.text("main");
    assert!(text.contains(&evil(6)) && text.contains(&evil(8)), "{text}");
}

/// Percent-encodes a query value.
fn form_urlencoded_value(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
