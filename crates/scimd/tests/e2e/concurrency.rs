//! Concurrency over HTTP: uniqueness, membership and If-Match races.

use crate::server::*;
use serde_json::json;
use std::sync::Arc;

fn parallel<T: Send + 'static>(n: usize, f: impl Fn(usize) -> T + Send + Sync + 'static) -> Vec<T> {
    let f = Arc::new(f);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let f = f.clone();
            std::thread::spawn(move || f(i))
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
fn concurrent_creates_of_one_user_name_yield_one_201() {
    let s = Arc::new(Server::start());
    let s2 = s.clone();
    let statuses = parallel(16, move |_| {
        s2.post(
            "/Users",
            &json!({"schemas": [USER], "userName": "race@example.com"}),
        )
        .status
    });
    assert_eq!(
        statuses.iter().filter(|&&c| c == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|&c| c == 201 || c == 409),
        "{statuses:?}"
    );
    assert_eq!(s.get("/Users").body["totalResults"], 1);
}

#[test]
fn concurrent_member_patches_lose_no_member() {
    let s = Arc::new(Server::start());
    let users: Vec<String> = (0..24)
        .map(|i| s.create_user(&format!("member{i}")))
        .collect();
    let g = s.create_group("crowd", &[]);
    let (s2, g2, users2) = (s.clone(), g.clone(), users.clone());
    let statuses = parallel(24, move |i| {
        s2.patch(
            &format!("/Groups/{g2}"),
            json!([{"op": "add", "path": "members", "value": [{"value": users2[i]}]}]),
        )
        .status
    });
    assert!(statuses.iter().all(|&c| c == 200), "{statuses:?}");
    let members = s.get(&format!("/Groups/{g}")).body["members"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(members, 24);
}

#[test]
fn if_match_races_yield_412_never_a_lost_update() {
    let s = Arc::new(Server::start());
    let id = s.create_user("contended");
    let (s2, id2) = (s.clone(), id.clone());
    let results = parallel(12, move |i| {
        let auth = format!("Bearer {}", s2.token);
        let body = json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title", "value": format!("writer-{i}")}]}).to_string();
        let r = s2.raw(
            "PATCH",
            &format!("/Users/{id2}"),
            Some(body),
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/scim+json"),
                ("If-Match", "W/\"1\""),
            ],
        );
        (i, r.status)
    });
    let winners: Vec<usize> = results
        .iter()
        .filter(|(_, c)| *c == 200)
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(
        results.iter().all(|(_, c)| *c == 200 || *c == 412),
        "{results:?}"
    );
    let now = s.get(&format!("/Users/{id}"));
    assert_eq!(now.body["title"], format!("writer-{}", winners[0]));
    assert_eq!(now.body["meta"]["version"], "W/\"2\"");
}
