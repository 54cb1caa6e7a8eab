//! Group membership in the storage suite: members and computed groups,
//! nested groups (for one resource and for a page of them), and
//! memberships removed with a deleted resource.

use super::*;

pub async fn group_membership(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    for u in ["u1", "u2", "u3"] {
        r.insert(user(
            u,
            json!({"userName": u, "displayName": format!("User {u}")}),
        ))
        .await
        .unwrap();
    }
    let g = r.insert(group("g1", "Staff", &["u1"])).await.unwrap();
    assert_eq!(member_ids(&g), ["u1"]);
    assert_eq!(
        g.members.as_ref().unwrap()[0].display.as_deref(),
        Some("User u1")
    );
    assert_eq!(g.members.as_ref().unwrap()[0].kind, ResourceKind::User);
    let all = Load {
        members: true,
        groups: false,
    };
    let up = r
        .update(
            ResourceKind::Group,
            &id("g1"),
            all,
            members_change(vec![MemberChange::Add(plain(vec![id("u2"), id("u1")]))], 1),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(up.changed);
    assert_eq!(member_ids(&up.record), ["u1", "u2"]);
    assert_eq!(up.record.version, Version(2));
    // Adding an existing member and removing an absent one change nothing.
    let same = r
        .update(
            ResourceKind::Group,
            &id("g1"),
            all,
            members_change(
                vec![
                    MemberChange::Add(plain(vec![id("u1")])),
                    MemberChange::Remove(vec![id("u3")]),
                ],
                2,
            ),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(!same.changed);
    assert_eq!(same.record.version, Version(2));
    let missing = r
        .update(
            ResourceKind::Group,
            &id("g1"),
            all,
            members_change(vec![MemberChange::Add(plain(vec![id("nobody")]))], 3),
        )
        .await;
    assert!(
        matches!(missing, Err(StoreError::MissingMember(_))),
        "{missing:?}"
    );
    let rep = r
        .update(
            ResourceKind::Group,
            &id("g1"),
            all,
            members_change(
                vec![MemberChange::ReplaceAll(plain(vec![id("u3"), id("u2")]))],
                4,
            ),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member_ids(&rep.record), ["u2", "u3"]);
    let rem = r
        .update(
            ResourceKind::Group,
            &id("g1"),
            all,
            members_change(vec![MemberChange::Remove(vec![id("u2")])], 5),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member_ids(&rem.record), ["u3"]);
    let none = r
        .update(
            ResourceKind::Group,
            &id("g1"),
            all,
            members_change(vec![MemberChange::RemoveAll], 6),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(member_ids(&none.record).is_empty());
    assert_eq!(none.record.version, Version(5));
    // Without Load::members, members are not loaded.
    assert!(r
        .get(ResourceKind::Group, &id("g1"), Load::NONE)
        .await
        .unwrap()
        .unwrap()
        .members
        .is_none());
}

pub async fn nested_groups(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    r.insert(user("u1", json!({"userName": "u1"})))
        .await
        .unwrap();
    r.insert(group("inner", "Inner", &["u1"])).await.unwrap();
    r.insert(group("outer", "Outer", &["inner"])).await.unwrap();
    r.insert(group("loop", "Loop", &["outer"])).await.unwrap();
    r.update(
        ResourceKind::Group,
        &id("outer"),
        Load::NONE,
        members_change(vec![MemberChange::Add(plain(vec![id("loop")]))], 1),
    )
    .await
    .unwrap();
    let u = r
        .get(ResourceKind::User, &id("u1"), Load::ALL)
        .await
        .unwrap()
        .unwrap();
    let mut groups: Vec<(String, bool)> = u
        .groups
        .unwrap()
        .into_iter()
        .map(|g| (g.id.to_string(), g.direct))
        .collect();
    groups.sort();
    assert_eq!(
        groups,
        [
            ("inner".to_string(), true),
            ("loop".to_string(), false),
            ("outer".to_string(), false)
        ]
    );
    let outer = r
        .get(ResourceKind::Group, &id("outer"), Load::ALL)
        .await
        .unwrap()
        .unwrap();
    let kinds: Vec<ResourceKind> = outer.members.unwrap().iter().map(|m| m.kind).collect();
    assert!(kinds.iter().all(|k| *k == ResourceKind::Group));

    // A page of users has each one's groups as reading it alone does.
    r.insert(user("u2", json!({"userName": "u2"})))
        .await
        .unwrap();
    r.insert(user("u3", json!({"userName": "u3"})))
        .await
        .unwrap();
    r.update(
        ResourceKind::Group,
        &id("outer"),
        Load::NONE,
        members_change(vec![MemberChange::Add(plain(vec![id("u2")]))], 2),
    )
    .await
    .unwrap();
    let page = r
        .query(
            ResourceKind::User,
            &crate::query::Query {
                filter: None,
                sort: None,
                page: crate::query::PageRequest::Offset(0),
                limit: 10,
                load: Load::ALL,
                max_bytes: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.records.len(), 3);
    for listed in &page.records {
        let alone = r
            .get(ResourceKind::User, &listed.id, Load::ALL)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(listed.groups, alone.groups, "{}", listed.id);
    }
    let groups_of = |n: usize| page.records[n].groups.clone().unwrap_or_default().len();
    assert_eq!((groups_of(0), groups_of(1), groups_of(2)), (3, 2, 0));
}

pub async fn deleting_removes_memberships(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    r.insert(user("u1", json!({"userName": "u1"})))
        .await
        .unwrap();
    r.insert(user("u2", json!({"userName": "u2"})))
        .await
        .unwrap();
    r.insert(group("g1", "G1", &["u1", "u2"])).await.unwrap();
    r.insert(group("g2", "G2", &["u1", "g1"])).await.unwrap();
    r.delete(ResourceKind::User, &id("u1"), None, Journal::default())
        .await
        .unwrap();
    let all = Load {
        members: true,
        groups: false,
    };
    assert_eq!(
        member_ids(
            &r.get(ResourceKind::Group, &id("g1"), all)
                .await
                .unwrap()
                .unwrap()
        ),
        ["u2"]
    );
    r.delete(ResourceKind::Group, &id("g1"), None, Journal::default())
        .await
        .unwrap();
    assert!(member_ids(
        &r.get(ResourceKind::Group, &id("g2"), all)
            .await
            .unwrap()
            .unwrap()
    )
    .is_empty());
    assert!(r
        .get(ResourceKind::User, &id("u2"), Load::ALL)
        .await
        .unwrap()
        .unwrap()
        .groups
        .unwrap()
        .is_empty());
}
