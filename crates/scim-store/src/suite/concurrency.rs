//! Concurrent writes in the storage suite: one of many creates of a
//! name wins, concurrent member additions all survive.

use super::*;

pub async fn concurrent_creates_yield_one(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    let mut tasks = Vec::new();
    for i in 0..16 {
        let r = r.clone();
        tasks.push(tokio::spawn(async move {
            r.insert(user(&format!("u{i}"), json!({"userName": "same"})))
                .await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Uniqueness(_)) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(ok, 1);
}

pub async fn concurrent_member_adds_all_survive(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    for i in 0..20 {
        r.insert(user(&format!("u{i}"), json!({"userName": format!("u{i}")})))
            .await
            .unwrap();
    }
    r.insert(group("g", "G", &[])).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let r = r.clone();
        tasks.push(tokio::spawn(async move {
            r.update(
                ResourceKind::Group,
                &id("g"),
                Load::NONE,
                members_change(
                    vec![MemberChange::Add(plain(vec![id(&format!("u{i}"))]))],
                    1,
                ),
            )
            .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let g = r
        .get(
            ResourceKind::Group,
            &id("g"),
            Load {
                members: true,
                groups: false,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(g.members.unwrap().len(), 20);
    assert_eq!(g.version, Version(21));
}
