//! The journal's unit tests: diffs, redaction of what was sent, entries
//! of local actors, the events a deactivation adds.

use super::*;

fn m(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn diffs_are_structured_and_redacted() {
    let old = m(
        json!({"userName": "a", "name": {"givenName": "A", "familyName": "B"}, "title": "x", "password": "p1"}),
    );
    let new = m(
        json!({"userName": "a", "name": {"givenName": "Z", "familyName": "B"}, "active": false, "password": "p2"}),
    );
    let d = diff(&old, &new);
    assert_eq!(
        Value::Array(d.clone()),
        json!([
            {"op": "replace", "path": "name.givenName", "old": "A", "new": "Z"},
            {"op": "add", "path": "active", "new": false},
            {"op": "replace", "path": "password", "old": REDACTED, "new": REDACTED},
            {"op": "remove", "path": "title", "old": "x"}
        ])
    );
    assert_eq!(touched(&d), ["name", "active", "password", "title"]);
    assert!(!serde_json::to_string(&d).unwrap().contains("p1"));
}

#[test]
fn sent_bodies_are_redacted_and_capped() {
    // By the schema, not by names: `clientSecret` is no attribute.
    let body = json!({"userName": "a", "password": "p1", "x": {"clientSecret": "s"}});
    let (v, cut) = sent(&body);
    assert!(!cut);
    assert_eq!(
        v,
        json!({"userName": "a", "password": REDACTED, "x": {"clientSecret": "s"}})
    );
    let patch = json!({"Operations": [{"op": "Replace", "path": "PASSWORD", "value": "p1"}]});
    assert_eq!(sent(&patch).0["Operations"][0]["value"], json!(REDACTED));
    let big =
        json!({"Operations": [{"op": "add", "value": "é".repeat(SENT_CAP)}], "password": "p1"});
    let (v, cut) = sent(&big);
    assert!(cut);
    let text = v.as_str().unwrap();
    assert!(text.len() <= SENT_CAP + '…'.len_utf8() && text.ends_with('…'));
    assert!(serde_json::from_str::<Value>(text).is_err());
    // Redaction happens before the cut.
    let small_first = json!({"password": "p1", "pad": "x".repeat(SENT_CAP)});
    assert!(!sent(&small_first).0.as_str().unwrap().contains("p1"));
}

#[test]
fn every_secret_attribute_is_redacted() {
    fn walk(attrs: &[scim_core::schema::Attribute], out: &mut Vec<String>) {
        for a in attrs {
            if scim_core::redact::is_secret(a) {
                out.push(a.name.clone());
            }
            walk(&a.sub_attributes, out);
        }
    }
    let reg = crate::registry().unwrap();
    let mut names = Vec::new();
    for s in reg.schemas() {
        walk(&s.attributes, &mut names);
    }
    assert!(names.iter().any(|n| n == "password"), "{names:?}");
    for n in names {
        let (v, _) = sent(
            &json!({ n.clone(): "v1", "Operations": [{"op": "add", "path": n.clone(), "value": "v2"}]}),
        );
        assert!(
            !v.to_string().contains("v1") && !v.to_string().contains("v2"),
            "{n}: {v}"
        );
    }
}

#[test]
fn refusal_details_never_repeat_a_redacted_value() {
    let at = Timestamp::from_unix_millis(0).unwrap();
    let body =
        json!({"Operations": [{"op": "replace", "path": "password", "value": "Sup3r-secret"}]});
    let origin = Origin::local("patch").with_sent(&body);
    let e =
        origin.entry(Entry::new(at, 400, "refused").detail("bad value \"Sup3r-secret\"".into()));
    assert_eq!(e.detail.as_deref(), Some("bad value \"[redacted]\""));
    assert!(!format!("{origin:?}").contains("Sup3r"));
}

#[test]
fn local_actors_name_the_admin() {
    let at = Timestamp::from_unix_millis(0).unwrap();
    let cli = LocalActor::default().origin("delete");
    let e = cli.entry(Entry::new(at, 204, "delete-local"));
    assert_eq!((e.admin, e.request_id.as_str()), (None, ""));
    let console = LocalActor {
        admin: Some("alice".into()),
        request_id: "r-1".into(),
    };
    let e = console
        .origin("disable-local")
        .entry(Entry::new(at, 200, "disable-local"));
    assert_eq!(
        (e.admin.as_deref(), e.request_id.as_str(), e.path.as_str()),
        (Some("alice"), "r-1", "disable-local")
    );
}

#[test]
fn deactivation_adds_its_event() {
    let origin = Origin::local("test");
    let at = Timestamp::from_unix_millis(0).unwrap();
    let old = m(json!({"userName": "a", "externalId": "x1", "active": true}));
    let new = m(json!({"userName": "a", "externalId": "x1", "active": false}));
    let j = change(
        &origin,
        Change {
            at,
            status: 200,
            action: "patch",
            event: "patch",
            kind: ResourceKind::User,
            id: "u1",
            old: Some(&old),
            new: Some(&new),
            extra: &[],
        },
    );
    let kinds: Vec<&str> = j.events.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, ["patch", "deactivate"]);
    assert_eq!(j.events[0].attributes, ["active"]);
    assert_eq!(j.events[0].data.as_ref().unwrap()["id"], "u1");
    // Every event names the subject's externalId, a deletion's too.
    let ext: Vec<Option<&str>> = j.events.iter().map(|e| e.external_id.as_deref()).collect();
    assert_eq!(ext, [Some("x1"), Some("x1")]);
    let gone = change(
        &origin,
        Change {
            at,
            status: 204,
            action: "delete",
            event: "delete",
            kind: ResourceKind::User,
            id: "u1",
            old: Some(&old),
            new: None,
            extra: &[],
        },
    );
    assert_eq!(gone.events[0].external_id.as_deref(), Some("x1"));
}

/// The diff of `old` to `new`.
fn check(old: Value, new: Value, expected: Value) {
    assert_eq!(Value::Array(diff(&m(old), &m(new))), expected);
}

#[test]
fn multi_valued_attributes_diff_by_the_values_added_and_removed() {
    let e = |v: &str| json!({"value": v, "type": "work"});
    // One value added to many: the diff names that one, not every value.
    check(
        json!({"emails": [e("a"), e("b")]}),
        json!({"emails": [e("a"), e("b"), e("c")]}),
        json!([{"op": "add", "path": "emails", "new": [e("c")]}]),
    );
    check(
        json!({"emails": [e("a"), e("b")]}),
        json!({"emails": [e("b")]}),
        json!([{"op": "remove", "path": "emails", "old": [e("a")]}]),
    );
    check(
        json!({"emails": [e("a")]}),
        json!({"emails": [e("b")]}),
        json!([{"op": "remove", "path": "emails", "old": [e("a")]},
               {"op": "add", "path": "emails", "new": [e("b")]}]),
    );
    // Order, and the order of a value's keys, are no change.
    check(
        json!({"emails": [e("a"), e("b")]}),
        json!({"emails": [{"type": "work", "value": "b"}, e("a")]}),
        json!([]),
    );
    // Duplicates count as many times as they appear.
    check(
        json!({"roles": ["x", "x"]}),
        json!({"roles": ["x"]}),
        json!([{"op": "remove", "path": "roles", "old": ["x"]}]),
    );
    // Past the cap, `more` counts the values left out.
    let many: Vec<Value> = (0..DIFF_VALUES_CAP + 5)
        .map(|i| e(&i.to_string()))
        .collect();
    let d = diff(&m(json!({})), &m(json!({"emails": many})));
    assert_eq!(d[0]["new"].as_array().unwrap().len(), DIFF_VALUES_CAP);
    assert_eq!(d[0]["more"], 5);
    let d = diff(&m(json!({"emails": [e("x")]})), &m(json!({"emails": many})));
    assert_eq!(d.len(), 2, "{d:?}");
    assert_eq!(d[1]["more"], 5);
}

#[test]
fn a_large_multi_valued_change_diffs_in_linear_time_and_bounded_size() {
    let old: Vec<Value> = (0..35_000)
        .map(|i| json!({"value": format!("e{i}@a.example")}))
        .collect();
    let mut new = old.clone();
    new.push(json!({"value": "one-more@a.example"}));
    let d = diff(&m(json!({"emails": old})), &m(json!({"emails": new})));
    assert_eq!(
        d,
        vec![json!({"op": "add", "path": "emails", "new": [{"value": "one-more@a.example"}]})]
    );
}
