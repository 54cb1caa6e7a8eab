//! Listings: sorting, index and cursor paging, counts, and the totals an
//! unfiltered listing reports, on every backend.

use super::{filter_fixture, group, id, set_doc, t, tenant, user, UpdateExt};
use crate::events::Journal;
use crate::index::keys;
use crate::model::*;
use crate::query::{PageRequest, Query};
use crate::{ResourceStore, Store, StoreError};
use scim_core::path::AttrPath;
use scim_core::schema::SchemaRegistry;
use scim_core::sort::SortSpec;
use serde_json::json;
use std::sync::Arc;

fn sort_query(by: &str, order: Option<&str>, page: PageRequest, limit: u64) -> Query {
    let reg = SchemaRegistry::builtin().unwrap();
    let view = reg.view("User").unwrap();
    let sort = SortSpec::resolve(&AttrPath::parse(by).unwrap(), order, &view).unwrap();
    Query {
        filter: None,
        sort: Some(sort),
        page,
        limit,
        load: Load::NONE,
        max_bytes: None,
    }
}

fn page_ids(p: &crate::Page) -> String {
    p.records
        .iter()
        .map(|r| r.id.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

pub async fn sorting_and_paging(store: Arc<dyn Store>) {
    let r = filter_fixture(&store).await;
    let q = |by, order, off, lim| sort_query(by, order, PageRequest::Offset(off), lim);
    assert_eq!(
        page_ids(
            &r.query(ResourceKind::User, &q("userName", None, 0, 10))
                .await
                .unwrap()
        ),
        "1,2,3"
    );
    assert_eq!(
        page_ids(
            &r.query(
                ResourceKind::User,
                &q("userName", Some("descending"), 0, 10)
            )
            .await
            .unwrap()
        ),
        "3,2,1"
    );
    // Missing values last when ascending, first when descending.
    assert_eq!(
        page_ids(
            &r.query(ResourceKind::User, &q("title", None, 0, 10))
                .await
                .unwrap()
        ),
        "3,1,2"
    );
    assert_eq!(
        page_ids(
            &r.query(ResourceKind::User, &q("title", Some("descending"), 0, 10))
                .await
                .unwrap()
        ),
        "2,1,3"
    );
    assert_eq!(
        page_ids(
            &r.query(
                ResourceKind::User,
                &q("meta.created", Some("descending"), 0, 10)
            )
            .await
            .unwrap()
        ),
        "3,2,1"
    );
    assert_eq!(
        page_ids(
            &r.query(ResourceKind::User, &q("emails", None, 0, 10))
                .await
                .unwrap()
        ),
        "1,2,3"
    );
    assert_eq!(
        page_ids(
            &r.query(ResourceKind::User, &q("name.familyName", None, 0, 10))
                .await
                .unwrap()
        ),
        "1,2,3"
    );
    let p = r
        .query(ResourceKind::User, &q("userName", None, 1, 1))
        .await
        .unwrap();
    assert_eq!((page_ids(&p), p.total), ("2".to_string(), 3));
    let p = r
        .query(ResourceKind::User, &q("userName", None, 5, 10))
        .await
        .unwrap();
    assert_eq!((page_ids(&p), p.total), (String::new(), 3));
    let p = r
        .query(ResourceKind::User, &q("userName", None, 0, 0))
        .await
        .unwrap();
    assert_eq!((page_ids(&p), p.total), (String::new(), 3));
    // The default order is insertion order.
    let plain = Query {
        filter: None,
        sort: None,
        page: PageRequest::Offset(1),
        limit: 5,
        load: Load::NONE,
        max_bytes: None,
    };
    assert_eq!(
        page_ids(&r.query(ResourceKind::User, &plain).await.unwrap()),
        "2,3"
    );
}

pub async fn cursor_paging(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    for i in 0..7 {
        r.insert(user(
            &format!("u{i}"),
            json!({"userName": format!("n{}", 7 - i)}),
        ))
        .await
        .unwrap();
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let q = Query {
            filter: None,
            sort: None,
            page: PageRequest::Cursor(cursor.clone()),
            limit: 3,
            load: Load::NONE,
            max_bytes: None,
        };
        let p = r.query(ResourceKind::User, &q).await.unwrap();
        assert_eq!(p.total, if seen.is_empty() { 7 } else { 6 });
        seen.extend(p.records.iter().map(|x| x.id.to_string()));
        // A resource created mid-listing does not disturb the pages already served.
        if seen.len() == 3 {
            r.delete(ResourceKind::User, &id("u1"), None, Journal::default())
                .await
                .unwrap();
        }
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ["u0", "u1", "u2", "u3", "u4", "u5", "u6"]);
    // Sorted cursor listings.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let p = r
            .query(
                ResourceKind::User,
                &sort_query("userName", None, PageRequest::Cursor(cursor.clone()), 4),
            )
            .await
            .unwrap();
        seen.extend(p.records.iter().map(|x| x.id.to_string()));
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ["u6", "u5", "u4", "u3", "u2", "u0"]);
    let bad = Query {
        filter: None,
        sort: None,
        page: PageRequest::Cursor(Some("garbage".into())),
        limit: 3,
        load: Load::NONE,
        max_bytes: None,
    };
    assert!(matches!(
        r.query(ResourceKind::User, &bad).await,
        Err(StoreError::InvalidCursor(_))
    ));
}

pub async fn counts(store: Arc<dyn Store>) {
    let r = filter_fixture(&store).await;
    assert_eq!(r.count(ResourceKind::User, false).await.unwrap(), 3);
    assert_eq!(r.count(ResourceKind::User, true).await.unwrap(), 2);
    assert_eq!(r.count(ResourceKind::Group, false).await.unwrap(), 2);
    r.update(
        ResourceKind::User,
        &id("1"),
        Load::NONE,
        set_doc(json!({"userName": "bjensen", "active": false}), 1),
    )
    .await
    .unwrap();
    assert_eq!(r.count(ResourceKind::User, true).await.unwrap(), 1);
}

/// The total of an unfiltered listing whose page does not reach its end
/// (backends may keep it rather than count): it follows every insert,
/// delete, trash and restore, per tenant and kind.
pub async fn listing_totals_follow_writes(store: Arc<dyn Store>) {
    let a = tenant(&store, "a").await;
    let b = tenant(&store, "b").await;
    let total = |r: Arc<dyn ResourceStore>, kind: ResourceKind| async move {
        let q = Query {
            filter: None,
            sort: None,
            page: PageRequest::Offset(0),
            limit: 1,
            load: Load::NONE,
            max_bytes: None,
        };
        r.query(kind, &q).await.unwrap().total
    };
    for n in 1..=4 {
        a.insert(user(&format!("u{n}"), json!({"userName": format!("u{n}")})))
            .await
            .unwrap();
    }
    b.insert(user("x1", json!({"userName": "x1"})))
        .await
        .unwrap();
    b.insert(user("x2", json!({"userName": "x2"})))
        .await
        .unwrap();
    a.insert(group("g1", "G1", &["u1"])).await.unwrap();
    a.insert(group("g2", "G2", &[])).await.unwrap();
    assert_eq!(total(a.clone(), ResourceKind::User).await, 4);
    assert_eq!(total(a.clone(), ResourceKind::Group).await, 2);
    assert_eq!(total(b.clone(), ResourceKind::User).await, 2);
    assert!(a
        .delete(ResourceKind::User, &id("u4"), None, Journal::default())
        .await
        .unwrap());
    assert!(a
        .trash(
            ResourceKind::User,
            &id("u3"),
            None,
            t(1),
            t(9),
            Journal::default()
        )
        .await
        .unwrap());
    assert_eq!(total(a.clone(), ResourceKind::User).await, 2);
    let trashed = a.list_trash(ResourceKind::User).await.unwrap();
    let x = &trashed[0];
    assert!(a
        .restore(
            ResourceKind::User,
            &id("u3"),
            keys(ResourceKind::User, &x.doc, true),
            x.provenance.clone(),
            t(2),
            Journal::default()
        )
        .await
        .unwrap()
        .is_some());
    assert_eq!(total(a.clone(), ResourceKind::User).await, 3);
    assert_eq!(total(a.clone(), ResourceKind::Group).await, 2);
    assert_eq!(total(b.clone(), ResourceKind::User).await, 2);
}

/// A page stops loading once its records reach `max_bytes` (after at
/// least one), and the next page continues right after it: by keyset
/// cursor, sorted cursor and offset, every record once, in order.
pub async fn pages_stop_at_their_byte_budget(store: Arc<dyn Store>) {
    let r = tenant(&store, "t").await;
    let big = "x".repeat(5_000);
    for i in 0..10 {
        r.insert(user(
            &format!("{i}"),
            json!({"userName": format!("u{i}"), "title": big}),
        ))
        .await
        .unwrap();
    }
    let one = crate::query::record_bytes(
        &r.get(ResourceKind::User, &id("0"), Load::NONE)
            .await
            .unwrap()
            .unwrap(),
    );
    assert!(one > 5_000, "{one}");
    let budget = 2 * one + 1;
    for sorted in [false, true] {
        for cursor in [false, true] {
            let mut page = if cursor {
                PageRequest::Cursor(None)
            } else {
                PageRequest::Offset(0)
            };
            let mut seen = Vec::new();
            for _ in 0..20 {
                let mut q = sort_query("userName", None, page.clone(), 100);
                if !sorted {
                    q.sort = None;
                }
                q.max_bytes = Some(budget);
                let p = r.query(ResourceKind::User, &q).await.unwrap();
                assert_eq!(p.total, 10);
                assert!(
                    !p.records.is_empty() && p.records.len() <= 3,
                    "{}",
                    page_ids(&p)
                );
                seen.extend(p.records.iter().map(|x| x.id.to_string()));
                page = match (cursor, p.next_cursor) {
                    (true, Some(c)) => PageRequest::Cursor(Some(c)),
                    (false, _) if seen.len() < 10 => PageRequest::Offset(seen.len() as u64),
                    _ => break,
                };
            }
            assert_eq!(seen, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
        }
    }
    // The smallest budget still returns one record per page.
    let mut q = sort_query("userName", None, PageRequest::Cursor(None), 100);
    q.max_bytes = Some(1);
    let p = r.query(ResourceKind::User, &q).await.unwrap();
    assert_eq!(page_ids(&p), "0");
    assert!(p.next_cursor.is_some());
}
