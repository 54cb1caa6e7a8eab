//! The audit log and the change feed end to end: every write is audited
//! with its correlation id and a structured diff, refusals too; the feed
//! serves RFC 9967 SETs and resumes exactly where its cursor left off.

use crate::server::*;
use serde_json::{json, Value};

fn audit(s: &Server, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["audit", "--tenant", "default", "--json"];
    all.extend_from_slice(args);
    s.cli_ok(&all)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_write_and_refusal_is_audited() {
    let s = Server::start();
    let r = s.raw(
        "POST",
        "/Users",
        Some(json!({"schemas": [USER], "userName": "ann@example.com", "password": "hunter2", "title": "Dev"}).to_string()),
        &[
            ("Authorization", &format!("Bearer {}", s.token)),
            ("Content-Type", "application/scim+json"),
            ("X-Request-Id", "corr-create-1"),
        ],
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.header("x-request-id"), Some("corr-create-1"));
    let id = r.body["id"].as_str().unwrap().to_string();
    let path = format!("/Users/{id}");
    s.patch(&path, json!([{"op": "replace", "path": "title", "value": "Lead"}, {"op": "replace", "path": "active", "value": false}]));
    assert_error(
        &s.post(
            "/Users",
            &json!({"schemas": [USER], "userName": "ANN@example.com"}),
        ),
        409,
        Some("uniqueness"),
    );
    s.delete(&path);

    let entries = audit(&s, &[]);
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
    assert_eq!(create["requestId"], "corr-create-1");
    assert_eq!(
        (create["method"].as_str(), create["path"].as_str()),
        (Some("POST"), Some("/Users"))
    );
    assert_eq!(create["status"], 201);
    assert_eq!(create["resourceId"], id.as_str());
    assert!(create["connection"].is_i64());
    assert!(
        !create.to_string().contains("hunter2"),
        "no secret reaches the log: {create}"
    );
    let patch = &entries[2];
    assert_eq!(
        patch["diff"],
        json!([
            {"op": "replace", "path": "title", "old": "Dev", "new": "Lead"},
            {"op": "add", "path": "active", "new": false}
        ])
    );
    let refused = &entries[1];
    assert_eq!(refused["status"], 409);
    assert!(
        refused["detail"].as_str().unwrap().contains("userName"),
        "{refused}"
    );

    // Queries by resource, outcome and time.
    assert_eq!(audit(&s, &["--user", &id]).len(), 3);
    assert_eq!(audit(&s, &["--refused"]).len(), 1);
    assert_eq!(audit(&s, &["--succeeded", "--limit", "2"]).len(), 2);
    assert_eq!(audit(&s, &["--since", "2999-01-01T00:00:00Z"]).len(), 0);
    assert_eq!(audit(&s, &["--connection", "default"]).len(), 4);
    let table = s.cli_ok(&["audit", "--tenant", "default"]);
    assert!(table.lines().nth(1).unwrap().contains("delete"), "{table}");
}

#[test]
fn the_change_feed_resumes_at_its_cursor() {
    let s = Server::start();
    let a = s.create_user("a@example.com");
    let b = s.create_user("b@example.com");
    s.patch(
        &format!("/Users/{a}"),
        json!([{"op": "replace", "path": "active", "value": false}]),
    );
    let page = s.get("/Events?count=2");
    assert_eq!(page.status, 200, "{}", page.text);
    let sets = page.body["events"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    assert_eq!(page.body["moreAvailable"], true);
    let full = &sets[0]["events"]["urn:ietf:params:scim:event:prov:create:full"];
    assert_eq!(full["data"]["userName"], "a@example.com");
    assert_eq!(sets[0]["sub_id"]["uri"], format!("/Users/{a}"));
    assert!(sets[0]["txn"].is_string() && sets[0]["jti"].is_string());
    let cursor = page.body["cursor"].as_str().unwrap().to_string();
    let next = s.get(&format!("/Events?cursor={cursor}&form=notice"));
    let kinds: Vec<String> = next.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["events"]
                .as_object()
                .unwrap()
                .keys()
                .next()
                .unwrap()
                .clone()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "urn:ietf:params:scim:event:prov:patch:notice",
            "urn:ietf:params:scim:event:prov:deactivate"
        ]
    );
    assert_eq!(
        next.body["events"][0]["events"]["urn:ietf:params:scim:event:prov:patch:notice"]
            ["attributes"],
        json!(["active"])
    );
    assert_eq!(next.body["moreAvailable"], false);
    let cursor = next.body["cursor"].as_str().unwrap().to_string();
    // Nothing new: an empty page with the same cursor.
    let idle = s.get(&format!("/Events?cursor={cursor}"));
    assert_eq!(
        (
            idle.body["events"].as_array().unwrap().len(),
            idle.body["cursor"].as_str()
        ),
        (0, Some(cursor.as_str()))
    );
    s.delete(&format!("/Users/{b}"));
    let after = s.get(&format!("/Events?cursor={cursor}"));
    assert_eq!(after.body["events"].as_array().unwrap().len(), 1);
    assert_eq!(
        after.body["events"][0]["sub_id"]["uri"],
        format!("/Users/{b}")
    );
    assert!(
        after.body["events"][0]["events"]["urn:ietf:params:scim:event:prov:delete"].is_object()
    );
    assert_error(&s.get("/Events?cursor=bogus"), 400, Some("invalidCursor"));
    // Another tenant's feed is its own.
    s.cli_ok(&["tenant", "create", "other"]);
    let other = s.token_for("other", "default");
    let r = s.req_as(&other, "GET", "/Events", None);
    assert_eq!(r.body["events"].as_array().unwrap().len(), 0);
}

#[test]
fn security_events_are_always_advertised() {
    let s = Server::start();
    // RFC 9967 §4: scimd emits SETs (the change feed serves them) with no
    // webhook configured, and completes every request synchronously.
    let spc = s.get("/ServiceProviderConfig").body;
    assert_eq!(spc["securityEvents"]["asyncRequest"], "none", "{spc}");
    let uris: Vec<&str> = spc["securityEvents"]["eventUris"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    for kind in ["create", "put", "patch"] {
        for form in ["full", "notice"] {
            let uri = format!("urn:ietf:params:scim:event:prov:{kind}:{form}");
            assert!(uris.contains(&uri.as_str()), "{uri} missing: {uris:?}");
        }
    }
    for kind in ["delete", "activate", "deactivate"] {
        let uri = format!("urn:ietf:params:scim:event:prov:{kind}");
        assert!(uris.contains(&uri.as_str()), "{uri} missing: {uris:?}");
    }
    // Every advertised URI is one the service really emits: the change feed
    // of a create, a replace, a deactivation and a reactivation, a delete.
    let id = s.create_user("sec@example.com");
    let path = format!("/Users/{id}");
    let put = json!({"schemas": [USER], "userName": "sec@example.com", "active": false});
    assert_eq!(s.put(&path, &put).status, 200);
    let on = json!([{"op": "replace", "path": "active", "value": true}]);
    assert_eq!(s.patch(&path, on).status, 200);
    assert_eq!(s.delete(&path).status, 204);
    for form in ["full", "notice"] {
        let feed = s.get(&format!("/Events?form={form}")).body;
        for set in feed["events"].as_array().unwrap() {
            let uri = set["events"].as_object().unwrap().keys().next().unwrap();
            assert!(uris.contains(&uri.as_str()), "{uri} is not advertised");
        }
    }
    // A webhook changes nothing.
    s.cli_ok(&[
        "webhook",
        "create",
        "--tenant",
        "default",
        "--url",
        "http://127.0.0.1:9/hook",
    ]);
    assert_eq!(s.get("/ServiceProviderConfig").body, spc);
}
