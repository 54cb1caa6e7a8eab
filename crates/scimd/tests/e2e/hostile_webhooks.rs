//! A tenant's webhook used to reach what only scimd reaches (SSRF):
//! loopback, link-local (cloud metadata) and private addresses are refused
//! when a webhook is created and again at each delivery, unless an
//! operator allows them.

use crate::receiver::{wait_for, Receiver};
use crate::server::*;
use crate::webhooks::FAST;

fn create(s: &Server, url: &str, extra: &[&str]) -> (bool, String) {
    let mut args = vec!["webhook", "create", "--tenant", "default", "--url", url];
    args.extend_from_slice(extra);
    let (ok, out, err) = s.cli(&args);
    (ok, out + &err)
}

#[test]
fn private_destinations_are_refused_when_created() {
    let s = Server::start();
    let rx = Receiver::start();
    let port = rx.url.rsplit(':').next().unwrap();
    for url in [
        rx.url.clone(),
        format!("http://localhost:{port}"),
        "http://[::1]/hook".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.0.0.8/hook".to_string(),
        "https://[::ffff:192.168.1.1]/hook".to_string(),
    ] {
        let (ok, out) = create(&s, &url, &[]);
        assert!(!ok && out.contains("--allow-private"), "{url}: {out}");
    }
    let list = s.cli_ok(&["webhook", "list", "--tenant", "default"]);
    assert_eq!(list.lines().count(), 1, "only the header: {list}");
    // An operator may allow one webhook.
    let (ok, out) = create(&s, &rx.url, &["--allow-private"]);
    assert!(ok, "{out}");
}

#[test]
fn private_destinations_are_refused_at_delivery() {
    if on_postgres() {
        return; // The webhook below is written into the SQLite file.
    }
    let mut s = Server::start_with(FAST);
    let rx = Receiver::start();
    // A webhook to loopback from before the check (or whose name resolved
    // elsewhere when it was created): the stored row says nothing allows it.
    let db = rusqlite::Connection::open(s.dir.path().join("scimd.db")).unwrap();
    db.execute(
        "INSERT INTO webhooks (tenant_id, url, secret, format, full, created, cursor) \
         SELECT id, ?1, 'whsec_old', 'signed', 1, 0, 0 FROM tenants WHERE name = 'default'",
        [&rx.url],
    )
    .unwrap();
    drop(db);
    s.create_user("pat");
    let refused = wait_for(20, || {
        s.cli_ok(&["webhook", "list", "--tenant", "default"])
            .contains("refused")
    });
    assert!(
        refused,
        "{}",
        s.cli_ok(&["webhook", "list", "--tenant", "default"])
    );
    assert!(rx.requests().is_empty(), "a private address was reached");
    // The operator allows private destinations for every webhook: delivered.
    let mut flags = FAST.to_vec();
    flags.push("--webhook-allow-private");
    s.restart_with(&flags);
    assert!(wait_for(20, || !rx.delivered().is_empty()));
}
