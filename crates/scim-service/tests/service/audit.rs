//! The audit log and the change feed at the service boundary: every write
//! and every refusal is audited with its correlation id, what the client
//! sent (secrets redacted, long bodies cut) and a structured diff; audit
//! queries; membership changes show on each member's timeline; console
//! changes name their admin; the feed serves RFC 9967 SETs and resumes
//! exactly where its cursor left off; `securityEvents` is advertised once
//! a SET stream exists.

use crate::harness::*;
use scim_service::admin_audit::AuditFilter;
use scim_service::console::AdminKind;
use scim_store::{ResourceKind, WebhookFormat};
use serde_json::{json, Value};

/// The audit entries an audit filter selects, as JSON.
async fn query(h: &Harness, f: AuditFilter) -> Vec<Value> {
    let f = AuditFilter {
        limit: if f.limit == 0 { 1000 } else { f.limit },
        ..f
    };
    let t = h.tenant("default").await;
    let entries = t.audit(&f).await.unwrap();
    entries
        .into_iter()
        .map(|r| serde_json::to_value(&r.entry).unwrap())
        .collect()
}

/// The newest entry with this correlation id.
async fn entry_of(h: &Harness, request_id: &str) -> Value {
    h.audit()
        .await
        .into_iter()
        .find(|e| e["requestId"] == request_id)
        .unwrap_or_else(|| panic!("no entry with request id {request_id}"))
}

#[tokio::test]
async fn every_write_and_refusal_is_audited() {
    let h = Harness::new().await;
    let body = json!({"schemas": [USER], "userName": "ann@example.com", "password": "hunter2", "title": "Dev"});
    let r = h.idp.post("/Users", &body).await;
    expect(&r, 201, "create");
    let id = r.id();
    let path = format!("/Users/{id}");
    let ops = json!([{"op": "replace", "path": "title", "value": "Lead"},
                     {"op": "replace", "path": "active", "value": false}]);
    h.idp.patch(&path, &patch(ops)).await;
    let dup = h
        .idp
        .post(
            "/Users",
            &json!({"schemas": [USER], "userName": "ANN@example.com"}),
        )
        .await;
    assert_eq!((dup.code, scim_type(&dup)), (409, "uniqueness"));
    h.idp.delete(&path).await;

    let entries = h.audit().await;
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["delete", "refused", "patch", "create"],
        "newest first"
    );
    let create = &entries[3];
    assert_eq!(create["requestId"], "req-POST-/Users");
    assert_eq!(
        (create["method"].as_str(), create["path"].as_str()),
        (Some("POST"), Some("/Users"))
    );
    assert_eq!(
        (&create["status"], &create["resourceId"]),
        (&json!(201), &json!(id))
    );
    assert!(create["connection"].is_i64());
    assert!(
        !create.to_string().contains("hunter2"),
        "no secret reaches the log: {create}"
    );
    assert_eq!(
        entries[2]["diff"],
        json!([
            {"op": "replace", "path": "title", "old": "Dev", "new": "Lead"},
            {"op": "replace", "path": "active", "old": true, "new": false}
        ])
    );
    let refused = &entries[1];
    assert_eq!(refused["status"], 409);
    assert!(
        refused["detail"].as_str().unwrap().contains("userName"),
        "{refused}"
    );

    // Queries by resource, outcome, time and connection: (filter, entries).
    let table: Vec<(AuditFilter, usize)> = vec![
        (
            AuditFilter {
                resource: Some(("user".into(), id.clone())),
                ..Default::default()
            },
            3,
        ),
        (
            AuditFilter {
                succeeded: Some(false),
                ..Default::default()
            },
            1,
        ),
        (
            AuditFilter {
                succeeded: Some(true),
                limit: 2,
                ..Default::default()
            },
            2,
        ),
        (
            AuditFilter {
                since: scim_core::timestamp::Timestamp::parse("2999-01-01T00:00:00Z"),
                ..Default::default()
            },
            0,
        ),
        (
            AuditFilter {
                connection: Some("default".into()),
                ..Default::default()
            },
            4,
        ),
    ];
    for (i, (f, n)) in table.into_iter().enumerate() {
        assert_eq!(query(&h, f).await.len(), n, "query {i}");
    }
}

#[tokio::test]
async fn what_the_idp_sent_is_kept_with_each_entry() {
    let h = Harness::new().await;
    let body = json!({"schemas": [USER], "userName": "lee", "password": "hunter2", "title": "Dev"});
    let id = h.idp.post("/Users", &body).await.id();
    let e = entry_of(&h, "req-POST-/Users").await;
    assert_eq!(
        e["sent"],
        json!({"schemas": [USER], "userName": "lee", "password": "[redacted]", "title": "Dev"})
    );
    assert!(e.get("sentTruncated").is_none(), "{e}");
    let path = format!("/Users/{id}");
    let rid = format!("req-PATCH-{path}");

    // (body sent, what the newest entry keeps: the body, or its cut text)
    let title = patch(json!([{"op": "replace", "path": "title", "value": "Lead"}]));
    let bad = patch(json!([{"op": "jump"}]));
    let long = patch(json!([{"op": "replace", "path": "title", "value": "x".repeat(40_000)}]));
    for (sent, action) in [(&title, "patch"), (&bad, "refused")] {
        h.idp.patch(&path, sent).await;
        let e = entry_of(&h, &rid).await;
        assert_eq!((e["action"].as_str(), &e["sent"]), (Some(action), sent));
    }
    // Too long to keep whole: the first 16 KiB, marked truncated.
    h.idp.patch(&path, &long).await;
    let e = entry_of(&h, &rid).await;
    assert_eq!(e["sentTruncated"], true, "{e}");
    let text = e["sent"].as_str().unwrap();
    assert!(
        text.starts_with("{\"schemas\"") && text.ends_with('…'),
        "{text:.80}"
    );
    assert!(text.len() <= 16 * 1024 + 3, "{}", text.len());

    // A Bulk operation keeps its own data.
    let bulk = json!({"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "b1",
         "data": {"schemas": [USER], "userName": "max", "password": "pw"}}
    ]});
    expect(&h.idp.post("/Bulk", &bulk).await, 200, "bulk");
    let e = entry_of(&h, "req-POST-/Bulk").await;
    assert_eq!(e["method"], "BULK POST");
    assert_eq!(
        e["sent"],
        json!({"schemas": [USER], "userName": "max", "password": "[redacted]"})
    );
}

#[tokio::test]
async fn membership_changes_show_on_the_members_timeline() {
    let h = Harness::new().await;
    let a = h.idp.create_user("ann").await;
    let b = h.idp.create_user("bob").await;
    let g = h.idp.create_group("Staff", &[&a]).await;
    let gp = format!("/Groups/{g}");
    let add =
        patch(json!([{"op": "add", "path": "members", "value": [{"value": b}, {"value": a}]}]));
    let remove = patch(json!([{"op": "remove", "path": format!("members[value eq \"{a}\"]")}]));
    for body in [&add, &remove] {
        let r = h.idp.patch(&gp, body).await;
        assert!(r.code == 200 || r.code == 204, "{}", r.body);
    }
    let timeline = |entries: Vec<Value>| -> Vec<(String, String)> {
        entries
            .iter()
            .filter(|e| e["action"] == "membership")
            .map(|e| {
                let d = &e["diff"][0];
                let grp = if d["op"] == "add" {
                    &d["new"]
                } else {
                    &d["old"]
                };
                assert_eq!(
                    (&grp["value"], &grp["display"]),
                    (&json!(g), &json!("Staff")),
                    "{e}"
                );
                (
                    d["op"].as_str().unwrap().into(),
                    e["path"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let of = |u: &str| AuditFilter {
        resource: Some(("user".into(), u.to_string())),
        ..Default::default()
    };
    // Newest first; ann was added when the group was created, so the PATCH
    // that names her again changes nothing for her.
    let ann = timeline(query(&h, of(&a)).await);
    let want = [
        ("remove".to_string(), gp.clone()),
        ("add".into(), "/Groups".into()),
    ];
    assert_eq!(ann, want);
    let bob = timeline(query(&h, of(&b)).await);
    assert_eq!(bob, [("add".to_string(), gp.clone())]);
}

#[tokio::test]
async fn console_changes_name_the_admin() {
    let h = Harness::new().await;
    let id = h.idp.create_user("pat").await;
    let t = h.tenant("default").await;
    t.unmanage(ResourceKind::User, &id).await.unwrap();
    let root = h
        .signed_in("root", AdminKind::Super, None)
        .await
        .with_request_id("console-disable-1");
    let console = h.svc.console(&root);
    let t = console.change("default").await.unwrap();
    t.set_active(&id, false).await.unwrap();
    let e = entry_of(&h, "console-disable-1").await;
    assert_eq!(
        (
            e["action"].as_str(),
            e["admin"].as_str(),
            e["resourceId"].as_str()
        ),
        (Some("disable-local"), Some("root"), Some(id.as_str())),
        "{e}"
    );
    // The command line's unmanage names no admin.
    let cli = audited(&h.audit().await, "unmanage", Some(&id));
    assert!(cli.get("admin").is_none(), "{cli}");
    // The console's timeline shows who it was.
    let f = AuditFilter {
        resource: Some(("user".into(), id.clone())),
        limit: 10,
        ..Default::default()
    };
    let timeline = t.timeline(&f).await.unwrap();
    let newest = &timeline.entries[0].entry;
    assert_eq!(
        (newest.admin.as_deref(), newest.request_id.as_str()),
        (Some("root"), "console-disable-1")
    );
}

#[tokio::test]
async fn the_change_feed_resumes_at_its_cursor() {
    let h = Harness::new().await;
    let a = h.idp.create_user("a@example.com").await;
    let b = h.idp.create_user("b@example.com").await;
    h.idp.patch(&format!("/Users/{a}"), &deactivate()).await;
    let page = h.idp.get("/Events?count=2").await;
    expect(&page, 200, "feed");
    let sets = page.body["events"].as_array().unwrap();
    assert_eq!((sets.len(), &page.body["moreAvailable"]), (2, &json!(true)));
    let full = &sets[0]["events"]["urn:ietf:params:scim:event:prov:create:full"];
    assert_eq!(full["data"]["userName"], "a@example.com");
    assert_eq!(sets[0]["sub_id"]["uri"], format!("/Users/{a}"));
    assert!(sets[0]["txn"].is_string() && sets[0]["jti"].is_string());
    let cursor = page.body["cursor"].as_str().unwrap().to_string();
    let next = h
        .idp
        .get(&format!("/Events?cursor={cursor}&form=notice"))
        .await;
    let kinds: Vec<&String> = next.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["events"].as_object().unwrap().keys().next().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "urn:ietf:params:scim:event:prov:patch:notice",
            "urn:ietf:params:scim:event:prov:deactivate"
        ]
    );
    let notice = &next.body["events"][0]["events"]["urn:ietf:params:scim:event:prov:patch:notice"];
    assert_eq!(notice["attributes"], json!(["active"]));
    assert_eq!(next.body["moreAvailable"], false);
    let cursor = next.body["cursor"].as_str().unwrap().to_string();
    // Nothing new: an empty page with the same cursor.
    let idle = h.idp.get(&format!("/Events?cursor={cursor}")).await;
    assert_eq!(
        (
            idle.body["events"].as_array().unwrap().len(),
            idle.body["cursor"].as_str()
        ),
        (0, Some(cursor.as_str()))
    );
    h.idp.delete(&format!("/Users/{b}")).await;
    let after = h.idp.get(&format!("/Events?cursor={cursor}")).await;
    let events = after.body["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["sub_id"]["uri"], format!("/Users/{b}"));
    assert!(events[0]["events"]["urn:ietf:params:scim:event:prov:delete"].is_object());
    let bogus = h.idp.get("/Events?cursor=bogus").await;
    assert_eq!((bogus.code, scim_type(&bogus)), (400, "invalidCursor"));
    // Another tenant's feed is its own.
    h.op.system().create_tenant("other").await.unwrap();
    let other = h.token("other", "default").await;
    let r = other.get("/Events").await;
    assert_eq!(r.body["events"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn security_events_are_advertised_once_configured() {
    let h = Harness::new().await;
    let spc = h.idp.get("/ServiceProviderConfig").await.body;
    assert!(spc.get("securityEvents").is_none(), "{spc}");
    let t = h.tenant("default").await;
    t.create_webhook("http://127.0.0.1:9/hook", WebhookFormat::Signed, true, true)
        .await
        .unwrap();
    let spc = h.idp.get("/ServiceProviderConfig").await.body;
    assert_eq!(spc["securityEvents"]["asyncRequest"], "none");
    let uris = spc["securityEvents"]["eventUris"].as_array().unwrap();
    assert!(uris.contains(&json!("urn:ietf:params:scim:event:prov:create:full")));
    assert!(uris.contains(&json!("urn:ietf:params:scim:event:prov:deactivate")));
    // Another tenant has no SET stream.
    h.op.system().create_tenant("other").await.unwrap();
    let other = h.token("other", "default").await;
    let spc = other.get("/ServiceProviderConfig").await.body;
    assert!(spc.get("securityEvents").is_none(), "{spc}");
}
