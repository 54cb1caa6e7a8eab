//! Suite case: a member's `display` (RFC 7643 §2.4: immutable, defined when
//! the member is added) is kept when the client gives one, and is the
//! member's current name otherwise.

use super::*;

fn given(members: &[(&str, Option<&str>)]) -> Vec<NewMember> {
    members
        .iter()
        .map(|(m, d)| NewMember {
            id: id(m),
            display: d.map(str::to_string),
        })
        .collect()
}

fn displays(r: &Record) -> Vec<(String, Option<String>)> {
    let mut v: Vec<(String, Option<String>)> = r
        .members
        .as_ref()
        .unwrap()
        .iter()
        .map(|m| (m.id.to_string(), m.display.clone()))
        .collect();
    v.sort();
    v
}

fn want(members: &[(&str, &str)]) -> Vec<(String, Option<String>)> {
    members
        .iter()
        .map(|(m, d)| (m.to_string(), Some(d.to_string())))
        .collect()
}

pub async fn member_display_given_or_the_members_name(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    r.insert(user(
        "u1",
        json!({"userName": "u1", "displayName": "User One"}),
    ))
    .await
    .unwrap();
    for u in ["u2", "u3", "u4"] {
        r.insert(user(u, json!({"userName": u}))).await.unwrap();
    }
    let mut g = group("g", "Staff", &[]);
    g.members = given(&[("u1", Some("Given One")), ("u2", None)]);
    let g = r.insert(g).await.unwrap();
    assert_eq!(displays(&g), want(&[("u1", "Given One"), ("u2", "u2")]));
    let all = Load {
        members: true,
        groups: false,
    };
    let change = |changes: Vec<MemberChange>, now: u32| {
        let r = r.clone();
        async move {
            r.update(
                ResourceKind::Group,
                &id("g"),
                all,
                members_change(changes, now),
            )
            .await
            .unwrap()
            .unwrap()
            .record
        }
    };
    // Added with a display; an existing member keeps its own.
    let up = change(
        vec![MemberChange::Add(given(&[
            ("u3", Some("Three")),
            ("u1", Some("Other")),
        ]))],
        1,
    )
    .await;
    assert_eq!(
        displays(&up),
        want(&[("u1", "Given One"), ("u2", "u2"), ("u3", "Three")])
    );
    // Replacing keeps the members that stay, with their displays.
    let rep = change(
        vec![MemberChange::ReplaceAll(given(&[
            ("u1", Some("X")),
            ("u4", None),
            ("u3", Some("Y")),
        ]))],
        2,
    )
    .await;
    assert_eq!(
        displays(&rep),
        want(&[("u1", "Given One"), ("u3", "Three"), ("u4", "u4")])
    );
    // Without a given display, the member's current name shows.
    r.update(
        ResourceKind::User,
        &id("u4"),
        Load::NONE,
        set_doc(json!({"userName": "u4", "displayName": "User Four"}), 3),
    )
    .await
    .unwrap()
    .unwrap();
    let got = r
        .get(ResourceKind::Group, &id("g"), all)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        displays(&got),
        want(&[("u1", "Given One"), ("u3", "Three"), ("u4", "User Four")])
    );
    // Removed and added again: the new display (or none) counts.
    let again = change(
        vec![
            MemberChange::Remove(vec![id("u1"), id("u3")]),
            MemberChange::Add(given(&[("u1", Some("Again")), ("u3", None)])),
        ],
        4,
    )
    .await;
    assert_eq!(
        displays(&again),
        want(&[("u1", "Again"), ("u3", "u3"), ("u4", "User Four")])
    );
    // Listing loads the same displays.
    let q = Query {
        filter: None,
        sort: None,
        page: PageRequest::Offset(0),
        limit: 10,
        load: all,
        max_bytes: None,
    };
    let page = r.query(ResourceKind::Group, &q).await.unwrap();
    assert_eq!(displays(&page.records[0]), displays(&again));
    // Filters see the same displays.
    for (filter, want) in [
        (r#"members.display eq "Again""#, "g"),
        (r#"members[display eq "user four"]"#, "g"),
        (r#"members[display eq "u3" and type eq "User"]"#, "g"),
        (r#"members.display eq "Given One""#, ""),
        (r#"members.display eq "u1""#, ""),
    ] {
        assert_eq!(ids(&r, ResourceKind::Group, filter).await, want, "{filter}");
    }
}
