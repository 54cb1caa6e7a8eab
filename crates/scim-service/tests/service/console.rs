//! The console's sign-in and sessions (CSRF tokens, expiry, sign-out,
//! rate limiting), and what it shows of a resource a SCIM connection
//! manages.

use crate::harness::*;
use scim_service::console::limit::LoginLimits;
use scim_service::console::{AdminKind, SearchParams};
use scim_service::ratelimit::Rate;
use scim_service::ServiceConfig;
use scim_store::{AdminStore, ResourceKind};

#[tokio::test]
async fn sessions_and_csrf() {
    let h = Harness::new().await;
    let system = h.op.system();
    system
        .create_admin("Root", PW, AdminKind::Super, None)
        .await
        .unwrap();
    let again = system
        .create_admin("root", PW, AdminKind::Super, None)
        .await;
    assert_eq!(
        again.unwrap_err().status(),
        409,
        "usernames are unique without regard to case"
    );
    let short = system
        .create_admin("short", "tiny", AdminKind::Super, None)
        .await;
    assert_eq!(short.unwrap_err().status(), 400);
    let stored = h.store.find_admin("root").await.unwrap().unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert!(!stored.password_hash.contains(PW));

    let sessions = h.svc.sessions();
    let e = sessions
        .login("root", "wrong password!", "127.0.0.1")
        .await
        .unwrap_err();
    assert_eq!(e.status(), 401);
    let e2 = sessions.login("nobody", PW, "127.0.0.1").await.unwrap_err();
    assert_eq!(
        e.detail(),
        e2.detail(),
        "unknown user and wrong password look alike"
    );

    let out = h.login("ROOT").await;
    assert!(out.token.starts_with("scimd_session_"));
    assert_eq!(out.principal.username(), "root");
    assert!(out.principal.is_super());
    let csrf = out.principal.csrf().to_string();
    assert_eq!(csrf.len(), 43);

    // Reading needs only the session; changing needs its CSRF token too.
    let token = Some(out.token.as_str());
    let who = sessions.session(token, None, false).await.unwrap();
    assert_eq!(who, out.principal);
    let e = sessions.session(token, None, true).await.unwrap_err();
    assert_eq!(e.status(), 403);
    assert!(e.detail().contains("CSRF"));
    let e = sessions
        .session(token, Some("forged"), true)
        .await
        .unwrap_err();
    assert_eq!(e.status(), 403);
    sessions.session(token, Some(&csrf), true).await.unwrap();
    // Another session's CSRF token does not fit.
    let other = h.login("root").await;
    let e = sessions
        .session(token, Some(other.principal.csrf()), true)
        .await
        .unwrap_err();
    assert_eq!(e.status(), 403);

    for bad in [None, Some(""), Some("scimd_session_nope"), Some("garbage")] {
        let e = sessions.session(bad, None, false).await.unwrap_err();
        assert_eq!(e.status(), 401);
    }

    // Sign-out ends the session; expiry ends the other.
    sessions.logout(token).await.unwrap();
    let e = sessions.session(token, None, false).await.unwrap_err();
    assert_eq!(e.status(), 401);
    let other_token = Some(other.token.as_str());
    sessions.session(other_token, None, false).await.unwrap();
    h.advance(12 * 3_600_000);
    let e = sessions
        .session(other_token, None, false)
        .await
        .unwrap_err();
    assert_eq!(e.status(), 401);
    assert_eq!(h.op.maintenance().purge_sessions().await.unwrap(), 1);
}

#[tokio::test]
async fn login_is_rate_limited() {
    let config = ServiceConfig {
        login_limits: LoginLimits {
            per_username: Rate {
                per_second: 0.001,
                burst: 3.0,
            },
            per_address: Rate {
                per_second: 0.001,
                burst: 5.0,
            },
        },
        ..ServiceConfig::default()
    };
    let h = Harness::with(config).await;
    h.admin("root", AdminKind::Super, None).await;
    let sessions = h.svc.sessions();
    for _ in 0..3 {
        let e = sessions.login("root", "guess guess", "10.0.0.1").await;
        assert_eq!(e.unwrap_err().status(), 401);
    }
    let e = sessions.login("root", PW, "10.0.0.2").await.unwrap_err();
    assert_eq!(e.status(), 429, "even the right password waits");
    assert!(e.retry_after().is_some());
    // The address limit holds across usernames.
    for i in 0..2 {
        let _ = sessions.login(&format!("u{i}"), "x", "10.0.0.1").await;
    }
    let e = sessions.login("other", "x", "10.0.0.1").await.unwrap_err();
    assert_eq!(e.status(), 429);
}

#[tokio::test]
async fn managed_users_are_read_only_in_the_console() {
    let h = Harness::new().await;
    let owner = h
        .signed_in("owner", AdminKind::Owner, Some("default"))
        .await;
    let id = h.idp.create_user("ann@example.com").await;

    let console = h.svc.console(&owner);
    let t = console.change("default").await.unwrap();
    let detail = t.resource(ResourceKind::User, &id).await.unwrap();
    assert!(detail.provenance.managed);
    assert!(detail.managed_note.unwrap().contains("read-only"));
    assert_eq!(detail.timeline.entries.len(), 1);
    assert_eq!(detail.timeline.entries[0].entry.action, "create");
    let e = t.set_active(&id, false).await.unwrap_err();
    assert_eq!(e.status(), 403);
    assert!(e.detail().contains("managed"), "{e}");

    let quick = |q: &str, filter: Option<&str>| SearchParams {
        quick: Some(q.into()),
        filter: filter.map(str::to_string),
        count: 10,
        ..Default::default()
    };
    let page = t
        .search(ResourceKind::User, &quick("ann@", None))
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    let none = t
        .search(ResourceKind::User, &quick("ann", Some("active eq false")))
        .await
        .unwrap();
    assert_eq!(none.total, 0);
}
