//! The mass-deprovisioning circuit breaker at the service boundary: it
//! trips at the window's allowance (the request that would pass it is
//! refused with 503 and a retry time), alerts in the audit log, the change
//! feed and the status until released, and is released by rejecting
//! (re-enabling what the connection deactivated, user by user, even when a
//! seat is missing for some) or confirming. Concurrent deactivations never
//! pass the allowance, and trip it once.

use crate::harness::*;
use serde_json::json;

async fn breaker_on(h: &Harness, percent: u32, minimum: u32) {
    h.settings(|s| {
        s.breaker.enabled = true;
        s.breaker.percent = percent;
        s.breaker.window_minutes = 60;
        s.breaker.minimum = minimum;
    })
    .await;
}

async fn users(h: &Harness, prefix: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        ids.push(h.idp.create_user(&format!("{prefix}{i}@example.com")).await);
    }
    ids
}

/// A deprovisioning the breaker held: 503, retry in ten minutes.
#[track_caller]
fn assert_held(r: &Answer) {
    expect(r, 503, "held");
    let e = r.error.as_ref().unwrap();
    assert_eq!(e.retry_after(), Some(600), "{}", r.body);
    assert!(r.detail().contains("circuit breaker"), "{}", r.detail());
}

async fn paused(h: &Harness) -> bool {
    let states = h.svc.status().breaker_states().await.unwrap();
    states.iter().any(|s| s.connection == "default" && s.paused)
}

#[tokio::test]
async fn the_breaker_pauses_mass_deprovisioning() {
    let h = Harness::new().await;
    breaker_on(&h, 20, 2).await;
    let ids = users(&h, "u", 10).await;
    let user = |i: usize| format!("/Users/{}", ids[i]);
    assert!(!paused(&h).await);
    // 20% of 10 users: two deprovisionings pass; the third is refused and
    // trips the breaker.
    for i in 0..2 {
        expect(&h.idp.patch(&user(i), &deactivate()).await, 200, "allowed");
    }
    assert_held(&h.idp.patch(&user(2), &deactivate()).await);
    assert_ne!(
        h.idp.get(&user(2)).await.body["active"],
        false,
        "a held deactivation changes nothing"
    );
    assert!(paused(&h).await);
    assert_eq!(h.svc.status().breaker_trips(), 1);
    let t = h.tenant("default").await;
    assert_eq!(t.paused().await.unwrap().len(), 1);
    // The admin is alerted in the audit log and in the change feed.
    audited(&h.audit().await, "breaker-tripped", None);
    let feed = h.idp.get("/Events?count=1000").await.body;
    let alert = feed["events"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["events"].get("urn:scimd:event:breaker:tripped"))
        .unwrap_or_else(|| panic!("no alert event in {feed}"))
        .clone();
    assert_eq!(
        (
            alert["connection"].as_str(),
            alert["deprovisioned"].as_u64(),
            alert["allowed"].as_u64()
        ),
        (Some("default"), Some(2), Some(2))
    );
    assert_held(&h.idp.patch(&user(3), &deactivate()).await);
    assert_held(&h.idp.delete(&user(4)).await);
    // Everything else still works while paused.
    let title = patch(json!([{"op": "replace", "path": "title", "value": "x"}]));
    expect(
        &h.idp.patch(&user(3), &title).await,
        200,
        "not a deprovisioning",
    );
    h.idp.create_user("new@example.com").await;
    // Rejecting re-enables what the connection deactivated in the window,
    // each user journaled with its diff and events.
    let released = t.release_breaker("default", false).await.unwrap();
    assert_eq!(released.reenabled.len(), 2, "{released:?}");
    let off = h.idp.get("/Users?filter=active%20eq%20false").await;
    assert_eq!(off.body["totalResults"], 0);
    assert!(!paused(&h).await);
    let log = h.audit().await;
    audited(&log, "breaker-rejected", None);
    let back = audited(&log, "breaker-reenable", Some(&ids[0]));
    assert_eq!(
        back["diff"],
        json!([{"op": "replace", "path": "active", "old": false, "new": true}])
    );
    audited(&log, "breaker-reenable", Some(&ids[1]));
    let feed = h.idp.get("/Events?count=1000").await.body.to_string();
    assert!(
        feed.contains("urn:ietf:params:scim:event:prov:activate"),
        "{feed}"
    );
    // After release the window restarts; releasing is refused when not paused.
    expect(
        &h.idp.patch(&user(3), &deactivate()).await,
        200,
        "window restarts",
    );
    let e = t.release_breaker("default", true).await.unwrap_err();
    assert!(e.detail().contains("not paused"), "{e}");
}

#[tokio::test]
async fn a_confirmed_breaker_lets_deprovisioning_through() {
    let h = Harness::new().await;
    breaker_on(&h, 10, 1).await;
    let ids = users(&h, "c", 5).await;
    expect(
        &h.idp.delete(&format!("/Users/{}", ids[0])).await,
        204,
        "first",
    );
    assert_held(&h.idp.delete(&format!("/Users/{}", ids[1])).await);
    // The admin confirms a minute later: the window restarts then.
    h.advance(60_000);
    let t = h.tenant("default").await;
    let released = t.release_breaker("default", true).await.unwrap();
    assert!(released.reenabled.is_empty() && released.failed.is_empty());
    audited(&h.audit().await, "breaker-confirmed", None);
    assert!(!paused(&h).await);
    assert!(t.paused().await.unwrap().is_empty());
    expect(
        &h.idp.delete(&format!("/Users/{}", ids[1])).await,
        204,
        "through",
    );
    expect(&h.idp.get(&format!("/Users/{}", ids[1])).await, 404, "gone");
}

#[tokio::test]
async fn rejecting_reports_users_it_cannot_re_enable() {
    let h = Harness::new().await;
    breaker_on(&h, 10, 2).await;
    let ids = users(&h, "r", 6).await;
    for id in &ids[..2] {
        expect(
            &h.idp.patch(&format!("/Users/{id}"), &deactivate()).await,
            200,
            "allowed",
        );
    }
    assert_held(
        &h.idp
            .patch(&format!("/Users/{}", ids[2]), &deactivate())
            .await,
    );
    // Four users are active: one seat is left for the two to re-enable.
    h.settings(|s| s.seat_limit = Some(5)).await;
    let t = h.tenant("default").await;
    let released = t.release_breaker("default", false).await.unwrap();
    assert_eq!((released.reenabled.len(), released.failed.len()), (1, 1));
    assert!(released.failed[0].1.contains("no licence seat available"));
    // It finished: the breaker is released.
    assert!(!paused(&h).await);
    let off = h.idp.get("/Users?filter=active%20eq%20false").await;
    assert_eq!(off.body["totalResults"], 1);
    let rejected = audited(&h.audit().await, "breaker-rejected", None);
    let detail = rejected["detail"].as_str().unwrap();
    assert!(detail.contains("could not re-enable"), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deactivations_never_pass_the_breaker() {
    let h = Harness::new().await;
    // 1% of 30 users rounds up to 1; the minimum allows 5.
    breaker_on(&h, 1, 5).await;
    let ids = users(&h, "k", 30).await;
    let tasks: Vec<_> = ids[..20]
        .iter()
        .map(|id| {
            let (idp, path) = (h.idp.clone(), format!("/Users/{id}"));
            tokio::spawn(async move {
                let r = idp.patch(&path, &deactivate()).await;
                (r.code, r.error.and_then(|e| e.retry_after()))
            })
        })
        .collect();
    let mut replies = Vec::new();
    for t in tasks {
        replies.push(t.await.unwrap());
    }
    let ok = replies.iter().filter(|(c, _)| *c == 200).count();
    let held = replies
        .iter()
        .filter(|(c, retry)| *c == 503 && *retry == Some(600))
        .count();
    assert_eq!((ok, held), (5, 15), "{replies:?}");
    let off = h.idp.get("/Users?filter=active%20eq%20false").await;
    assert_eq!(off.body["totalResults"], 5);
    assert!(paused(&h).await);
    assert_eq!(
        h.svc.status().breaker_trips(),
        1,
        "one trip however many were held"
    );
    let tripped = h
        .audit()
        .await
        .iter()
        .filter(|e| e["action"] == "breaker-tripped")
        .count();
    assert_eq!(tripped, 1);
}
