//! Provisioning policies (`docs/policies.md`) at the service boundary:
//! connections own what they create, provenance, token caps and rotation,
//! deactivation and delete policies with the trash, licence seats (also
//! under concurrent creates). Local accounts are in `local.rs`.

use crate::harness::*;
use scim_store::{DeactivatePolicy, DeletePolicy, Ownership, ResourceKind};
use serde_json::{json, Value};

/// One request by a connection and the code it must get.
struct Case<'a> {
    who: &'a Idp,
    method: &'a str,
    path: &'a str,
    body: Option<Value>,
    code: u16,
    /// Words the error's detail must hold ("" for none).
    detail: &'a str,
}

/// Runs the cases in order: each request gets its code.
async fn check(cases: &[Case<'_>]) {
    for (i, c) in cases.iter().enumerate() {
        let r = c.who.call(c.method, c.path, c.body.as_ref()).await;
        let row = format!("case {i}: {} {}", c.method, c.path);
        expect(&r, c.code, &row);
        assert!(r.detail().contains(c.detail), "{row}: {}", r.detail());
    }
}

#[tokio::test]
async fn connections_own_what_they_create() {
    let h = Harness::new().await;
    let entra = h
        .connection("entra", "entra", |p| p.ownership = Ownership::Exclusive)
        .await;
    let okta = h.connection("okta", "okta", |_| {}).await;
    let r = entra.post("/Users", &user("ann@example.com", true)).await;
    expect(&r, 201, "create");
    assert!(r.body.get(PROVENANCE).is_none(), "only when asked for");
    let id = r.id();
    let p = entra.provenance(&id).await;
    assert_eq!(
        (&p["authProvider"], &p["provisionedBy"], &p["managed"]),
        (&json!("entra"), &json!("entra"), &json!(true))
    );
    assert!(p["lastSyncedAt"].is_string());
    assert_eq!(p["lastSyncedBy"], "entra");

    let path = format!("/Users/{id}");
    let owned = "exclusively by connection \"entra\"";
    check(&[
        // Another connection may read but not write it.
        Case {
            who: &okta,
            method: "GET",
            path: &path,
            body: None,
            code: 200,
            detail: "",
        },
        Case {
            who: &okta,
            method: "PATCH",
            path: &path,
            body: Some(deactivate()),
            code: 403,
            detail: owned,
        },
        Case {
            who: &okta,
            method: "PUT",
            path: &path,
            body: Some(user("ann@example.com", false)),
            code: 403,
            detail: owned,
        },
        Case {
            who: &okta,
            method: "DELETE",
            path: &path,
            body: None,
            code: 403,
            detail: owned,
        },
        Case {
            who: &entra,
            method: "PATCH",
            path: &path,
            body: Some(deactivate()),
            code: 200,
            detail: "",
        },
    ])
    .await;

    // Shared ownership lets any connection of the tenant write; the change
    // is recorded.
    h.policy("entra", |p| p.ownership = Ownership::Shared).await;
    expect(
        &okta.put(&path, &user("ann@example.com", true)).await,
        200,
        "put",
    );
    let p = okta.provenance(&id).await;
    assert_eq!(
        (&p["provisionedBy"], &p["lastSyncedBy"]),
        (&json!("entra"), &json!("okta")),
        "created by entra, last changed by okta"
    );
    let shown = h
        .tenant("default")
        .await
        .show_resource(ResourceKind::User, &id)
        .await
        .unwrap();
    assert_eq!(shown[PROVENANCE]["lastSyncedBy"], "okta");

    // A client cannot set the read-only provenance.
    let mut forged = user("bob@example.com", true);
    forged[PROVENANCE] = json!({"authProvider": "forged", "managed": false});
    let r = okta.post("/Users", &forged).await;
    expect(&r, 201, "forged");
    let p = okta.provenance(&r.id()).await;
    assert_eq!(
        (&p["authProvider"], &p["managed"]),
        (&json!("okta"), &json!(true))
    );

    // Deleting a connection revokes its tokens.
    let t = h.tenant("default").await;
    t.delete_connection("okta").await.unwrap();
    expect(&okta.get("/Users").await, 401, "deleted connection");
}

#[tokio::test]
async fn token_caps_and_rotation() {
    let h = Harness::new().await;
    let first = h
        .connection("idp", "auto", |p| p.max_active_tokens = 2)
        .await;
    let second = h.token("default", "idp").await;
    let t = h.tenant("default").await;
    let e = t.issue_token(Some("idp"), "third", None).await.unwrap_err();
    assert_eq!(e.status(), 409);
    assert!(e.detail().contains("maximum is 2"), "{e}");
    h.policy("idp", |p| p.max_active_tokens = 3).await;
    let rotation = |overlap_days| scim_service::admin_connections::Rotation {
        label: "rotated",
        overlap_days,
        expires_in_days: None,
    };
    // Overlapping rotation: old tokens keep working during the overlap.
    let third = t.rotate_token("idp", rotation(7)).await.unwrap();
    let third = Idp::new(&h.svc, &third.token);
    for (i, idp) in [&first, &second, &third].into_iter().enumerate() {
        expect(&idp.get("/Users").await, 200, &format!("token {i}"));
    }
    // Overlap-free rotation: old tokens stop at once.
    let fourth = t.rotate_token("idp", rotation(0)).await.unwrap();
    let fourth = Idp::new(&h.svc, &fourth.token);
    for (i, idp) in [&first, &second, &third].into_iter().enumerate() {
        expect(&idp.get("/Users").await, 401, &format!("token {i}"));
    }
    expect(&fourth.get("/Users").await, 200, "the new token");
    let labels: Vec<String> = t
        .tokens()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(labels.iter().any(|l| l == "rotated"), "{labels:?}");
}

#[tokio::test]
async fn deactivation_can_be_acknowledged_only() {
    let h = Harness::new().await;
    let t = h
        .connection("ideagen", "auto", |p| {
            p.deactivate = DeactivatePolicy::Acknowledge
        })
        .await;
    let id = t.create_user("kim@example.com").await;
    let path = format!("/Users/{id}");
    let r = t
        .patch(
            &path,
            &patch(json!([
                {"op": "replace", "path": "active", "value": "False"},
                {"op": "replace", "path": "title", "value": "Engineer"}
            ])),
        )
        .await;
    expect(&r, 200, "acknowledged");
    assert_eq!(
        (&r.body["active"], &r.body["title"]),
        (&json!(true), &json!("Engineer"))
    );
    audited(&h.audit().await, "acknowledge-deactivation", Some(&id));
    assert_eq!(t.get(&path).await.body["active"], true);
    let r = t.put(&path, &user("kim@example.com", false)).await;
    assert_eq!((r.code, &r.body["active"]), (200, &json!(true)));
    // The default connection disables; re-enabling restores the user.
    for active in [false, true] {
        let ops = json!([{"op": "replace", "path": "active", "value": active}]);
        let r = h.idp.patch(&path, &patch(ops)).await;
        assert_eq!(r.body["active"], active);
    }
}

#[tokio::test]
async fn delete_policies_and_the_trash() {
    let h = Harness::new().await;
    h.policy("default", |p| p.delete = DeletePolicy::SoftDelete)
        .await;
    h.settings(|s| s.retention_days = 10).await;
    let idp = &h.idp;
    let sam = idp.create_user("sam@example.com").await;
    let g = idp.create_group("Staff", &[&sam]).await;
    let path = format!("/Users/{sam}");
    let gpath = format!("/Groups/{g}");
    check(&[
        Case {
            who: idp,
            method: "DELETE",
            path: &path,
            body: None,
            code: 204,
            detail: "",
        },
        Case {
            who: idp,
            method: "GET",
            path: &path,
            body: None,
            code: 404,
            detail: "",
        },
        Case {
            who: idp,
            method: "DELETE",
            path: &path,
            body: None,
            code: 404,
            detail: "",
        },
    ])
    .await;
    let found = idp
        .get("/Users?filter=userName%20eq%20%22sam@example.com%22")
        .await;
    assert_eq!(found.body["totalResults"], 0);
    assert!(idp.get(&gpath).await.body.get("members").is_none());
    let t = h.tenant("default").await;
    let trash = t.trash(ResourceKind::User).await.unwrap();
    assert_eq!(
        (trash[0].id.as_str(), trash[0].display.as_deref()),
        (sam.as_str(), Some("sam@example.com"))
    );
    // Purged once the retention ended; then nothing to restore.
    h.advance(11 * DAY_MS);
    assert_eq!(h.op.maintenance().purge_trash().await.unwrap(), 1);
    let e = t.restore(ResourceKind::User, &sam).await.unwrap_err();
    assert!(e.detail().contains("not in the trash"), "{e}");

    // Before it ends, the purge keeps it and a restore brings it back.
    let lee = idp.create_user("lee@example.com").await;
    let path = format!("/Users/{lee}");
    expect(&idp.delete(&path).await, 204, "soft delete");
    assert_eq!(h.op.maintenance().purge_trash().await.unwrap(), 0);
    t.restore(ResourceKind::User, &lee).await.unwrap();
    let r = idp.get(&path).await;
    assert_eq!(
        (r.code, &r.body["userName"]),
        (200, &json!("lee@example.com"))
    );
    assert_eq!(r.body["meta"]["version"], "W/\"2\"");

    // `disable`: DELETE deactivates a user; groups are still deleted.
    h.policy("default", |p| p.delete = DeletePolicy::Disable)
        .await;
    expect(&idp.delete(&path).await, 204, "disable");
    let r = idp.get(&path).await;
    assert_eq!((r.code, &r.body["active"]), (200, &json!(false)));
    expect(&idp.delete(&gpath).await, 204, "group");
    expect(&idp.get(&gpath).await, 404, "group gone");

    // `delete`: gone for good.
    h.policy("default", |p| p.delete = DeletePolicy::Delete)
        .await;
    expect(&idp.delete(&path).await, 204, "delete");
    expect(&idp.get(&path).await, 404, "gone");
    assert!(t.trash(ResourceKind::User).await.unwrap().is_empty());

    // Every outcome is in the audit log, under the action that names it.
    let log = h.audit().await;
    audited(&log, "soft-delete", Some(&sam));
    let purged = audited(&log, "purge", Some(&sam));
    assert_eq!(
        (&purged["resourceType"], &purged["status"]),
        (&json!("User"), &json!(200))
    );
    for action in ["restore", "delete-as-disable", "delete"] {
        audited(&log, action, Some(&lee));
    }
}

#[tokio::test]
async fn licence_seats_are_capped() {
    let h = Harness::new().await;
    h.settings(|s| s.seat_limit = Some(2)).await;
    let idp = &h.idp;
    let no_seat = "no licence seat available";
    let enable = || patch(json!([{"op": "replace", "path": "active", "value": true}]));
    check(&[
        Case {
            who: idp,
            method: "POST",
            path: "/Users",
            body: Some(user("a@example.com", true)),
            code: 201,
            detail: "",
        },
        Case {
            who: idp,
            method: "POST",
            path: "/Users",
            body: Some(user("b@example.com", true)),
            code: 201,
            detail: "",
        },
        Case {
            who: idp,
            method: "POST",
            path: "/Users",
            body: Some(user("c@example.com", true)),
            code: 403,
            detail: no_seat,
        },
    ])
    .await;
    let q = idp
        .get("/Users?filter=userName%20eq%20%22c@example.com%22")
        .await;
    assert_eq!(q.body["totalResults"], 0);
    // An inactive user holds no seat, and cannot be enabled while none is free.
    let c = idp.post("/Users", &user("c@example.com", false)).await.id();
    let c = format!("/Users/{c}");
    expect(&idp.patch(&c, &enable()).await, 403, "no seat to enable");
    let seats = h.tenant("default").await.seats().await.unwrap();
    assert_eq!((seats.used, seats.limit), (2, Some(2)));
    // Deactivating one frees its seat.
    let a = idp
        .get("/Users?filter=userName%20eq%20%22a@example.com%22")
        .await;
    let a = format!("/Users/{}", a.body["Resources"][0]["id"].as_str().unwrap());
    expect(&idp.patch(&a, &deactivate()).await, 200, "deactivate a");
    expect(&idp.patch(&c, &enable()).await, 200, "enable c");
    h.settings(|s| s.seat_limit = None).await;
    expect(
        &idp.post("/Users", &user("d@example.com", true)).await,
        201,
        "unlimited",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_never_exceed_the_seat_limit() {
    let h = Harness::new().await;
    h.settings(|s| s.seat_limit = Some(5)).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let idp = h.idp.clone();
            tokio::spawn(async move {
                idp.post("/Users", &user(&format!("u{i}@example.com"), true))
                    .await
                    .code
            })
        })
        .collect();
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    let count = |c| codes.iter().filter(|&&x| x == c).count();
    assert_eq!((count(201), count(403)), (5, 15), "{codes:?}");
    let active = h.idp.get("/Users?filter=active%20eq%20true").await;
    assert_eq!(active.body["totalResults"], 5);
}
