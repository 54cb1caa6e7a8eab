//! Projection (RFC 7644 §3.9), sorting (§3.4.2.3) and list parameters
//! (§3.4.2.4, §3.4.3, RFC 9865).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::list::{list_response, ListLimits, ListQuery, Paging};
use scim_core::path::AttrPath;
use scim_core::project::Projection;
use scim_core::schema::SchemaRegistry;
use scim_core::sort::SortSpec;
use scim_core::tolerance::Tolerances;
use serde_json::{json, Value};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user() -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT], "id": "1", "externalId": "e1", "userName": "bjensen",
           "password": "t1meMa$heen", "name": {"givenName": "Barbara", "familyName": "Jensen"},
           "emails": [{"value": "b@example.com", "type": "work", "primary": true}, {"value": "b@home.org", "type": "home"}],
           ENT: {"employeeNumber": "701984", "department": "Tour"},
           "meta": {"resourceType": "User", "version": "W/\"1\""}})
}

/// Projects [`user`] with the given parameters and compares with `expected`.
fn check(attributes: Option<&str>, excluded: Option<&str>, expected: Value) {
    let reg = SchemaRegistry::builtin().unwrap();
    let view = reg.view("User").unwrap();
    let p = Projection::parse(attributes, excluded).unwrap();
    let got = p.apply(&user(), &view);
    assert_eq!(got, expected, "\n got: {got}\nwant: {expected}");
}

#[test]
fn projection() {
    let schemas = json!(["urn:ietf:params:scim:schemas:core:2.0:User", ENT]);
    // Default: everything but returned=never.
    let mut all = user();
    all.as_object_mut().unwrap().remove("password");
    check(None, None, all);
    check(
        Some("userName"),
        None,
        json!({"schemas": schemas, "id": "1", "userName": "bjensen"}),
    );
    check(
        Some("USERNAME,name.givenName"),
        None,
        json!({"schemas": schemas, "id": "1", "userName": "bjensen", "name": {"givenName": "Barbara"}}),
    );
    check(
        Some("emails.value"),
        None,
        json!({"schemas": schemas, "id": "1", "emails": [{"value": "b@example.com"}, {"value": "b@home.org"}]}),
    );
    check(
        Some("password"),
        None,
        json!({"schemas": schemas, "id": "1"}),
    );
    check(
        Some(ENT),
        None,
        json!({"schemas": schemas, "id": "1", ENT: {"employeeNumber": "701984", "department": "Tour"}}),
    );
    check(
        Some(&format!("{ENT}:department")),
        None,
        json!({"schemas": schemas, "id": "1", ENT: {"department": "Tour"}}),
    );
    check(
        Some("urn:ietf:params:scim:schemas:core:2.0:User:userName"),
        None,
        json!({"schemas": schemas, "id": "1", "userName": "bjensen"}),
    );
    check(
        None,
        Some("emails,name.familyName,meta,id,externalId"),
        json!({"schemas": schemas, "id": "1", "userName": "bjensen",
        "name": {"givenName": "Barbara"}, ENT: {"employeeNumber": "701984", "department": "Tour"}}),
    );
    check(
        None,
        Some(ENT),
        json!({"schemas": schemas, "id": "1", "externalId": "e1", "userName": "bjensen", "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": "b@example.com", "type": "work", "primary": true}, {"value": "b@home.org", "type": "home"}], "meta": {"resourceType": "User", "version": "W/\"1\""}}),
    );
    assert!(Projection::parse(Some("a b"), None).is_err());
}

#[test]
fn wants_tells_whether_to_load_members() {
    let reg = SchemaRegistry::builtin().unwrap();
    let view = reg.view("Group").unwrap();
    assert!(Projection::default().wants(&view, "members"));
    assert!(!Projection::parse(None, Some("members"))
        .unwrap()
        .wants(&view, "members"));
    assert!(!Projection::parse(Some("displayName"), None)
        .unwrap()
        .wants(&view, "members"));
    assert!(Projection::parse(Some("members.value"), None)
        .unwrap()
        .wants(&view, "members"));
}

/// Sorts users built from `values` (by `userName`, id = index) and compares the id order.
fn check_sort(by: &str, order: Option<&str>, docs: Vec<Value>, expected: &str) {
    let reg = SchemaRegistry::builtin().unwrap();
    let view = reg.view("User").unwrap();
    let spec = SortSpec::resolve(&AttrPath::parse(by).unwrap(), order, &view).unwrap();
    let mut docs: Vec<Value> = docs
        .into_iter()
        .enumerate()
        .map(|(i, mut d)| {
            d["id"] = json!(i.to_string());
            d
        })
        .collect();
    spec.sort(&mut docs);
    let got: Vec<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(got.join(","), expected);
}

#[test]
fn sorting() {
    let docs = || {
        vec![
            json!({"userName": "b"}),
            json!({"userName": "C"}),
            json!({}),
            json!({"userName": "a"}),
        ]
    };
    check_sort("userName", None, docs(), "3,0,1,2"); // case-insensitive, missing last
    check_sort("userName", Some("descending"), docs(), "2,1,0,3"); // missing first
    check_sort(
        "externalId",
        None,
        vec![
            json!({"externalId": "b"}),
            json!({"externalId": "B"}),
            json!({"externalId": "a"}),
        ],
        "1,2,0",
    ); // caseExact
    check_sort(
        "emails",
        None,
        vec![
            json!({"emails": [{"value": "z"}, {"value": "a", "primary": true}]}),
            json!({"emails": [{"value": "m"}]}),
        ],
        "0,1",
    );
    check_sort(
        "meta.created",
        None,
        vec![
            json!({"meta": {"created": "2012-01-01T00:00:00Z"}}),
            json!({"meta": {"created": "2011-01-01T00:00:00+01:00"}}),
        ],
        "1,0",
    );
    check_sort(
        "name.familyName",
        None,
        vec![
            json!({"name": {"familyName": "Y"}}),
            json!({"name": {"familyName": "x"}}),
        ],
        "1,0",
    );
    // Ties keep their order.
    check_sort(
        "title",
        None,
        vec![
            json!({"title": "t"}),
            json!({"title": "T"}),
            json!({"title": "t"}),
        ],
        "0,1,2",
    );
    let reg = SchemaRegistry::builtin().unwrap();
    let view = reg.view("User").unwrap();
    assert!(SortSpec::resolve(&AttrPath::parse("nosuch").unwrap(), None, &view).is_err());
    assert!(SortSpec::resolve(
        &AttrPath::parse("userName").unwrap(),
        Some("sideways"),
        &view
    )
    .is_err());
}

fn query(pairs: &[(&str, &str)]) -> Result<ListQuery, String> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    ListQuery::from_query(
        &pairs,
        &Tolerances::lenient(),
        &ListLimits {
            default_count: 100,
            max_count: 1000,
        },
    )
    .map_err(|e| e.to_string())
}

#[test]
fn list_parameters() {
    let q = query(&[
        ("filter", "userName eq \"a\""),
        ("startIndex", "0"),
        ("count", "5000"),
        ("sortBy", "userName"),
        ("attributes", "userName"),
    ])
    .unwrap();
    assert_eq!(q.paging, Paging::Index { start_index: 1 });
    assert_eq!(q.count, Some(1000));
    assert_eq!(q.filter.unwrap().to_string(), "userName eq \"a\"");
    assert_eq!(query(&[("count", "-3")]).unwrap().count, Some(0));
    assert_eq!(
        query(&[("count", "99999999999999999999999")])
            .unwrap()
            .count,
        Some(1000)
    );
    assert_eq!(
        query(&[("StartIndex", "7")]).unwrap().paging,
        Paging::Index { start_index: 7 }
    );
    assert_eq!(
        query(&[("cursor", "")]).unwrap().paging,
        Paging::Cursor(String::new())
    );
    assert_eq!(
        query(&[("count", "ten")]).unwrap_err(),
        "400 invalidValue: count must be an integer, not \"ten\""
    );
    assert_eq!(
        query(&[("filter", "userName eq")]).unwrap_err(),
        "400 invalidFilter: expected a value at position 12 (end of input)"
    );
    assert_eq!(
        query(&[("cursor", "x"), ("startIndex", "2")]).unwrap_err(),
        "400 invalidValue: use either cursor or startIndex, not both"
    );
    // A bad sortOrder is refused with or without sortBy.
    for pairs in [
        &[("sortOrder", "sideways")][..],
        &[("sortBy", "userName"), ("sortOrder", "sideways")][..],
    ] {
        assert_eq!(
            query(pairs).unwrap_err(),
            "400 invalidValue: sortOrder \"sideways\" is neither \"ascending\" nor \"descending\""
        );
    }
    assert!(query(&[("sortOrder", "Descending")]).is_ok());
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "attributes": ["displayName", "userName"],
                      "filter": "displayName sw \"smith\"", "startIndex": 1, "count": 10});
    let q =
        ListQuery::from_search_body(&body, &Tolerances::strict(), &ListLimits::default()).unwrap();
    assert_eq!(q.count, Some(10));
    assert_eq!(q.projection.attributes.len(), 2);
    assert!(ListQuery::from_search_body(
        &json!({"filter": 3}),
        &Tolerances::lenient(),
        &ListLimits::default()
    )
    .is_err());
}

#[test]
fn list_response_shape() {
    let r = list_response(
        vec![json!({"id": "1"})],
        7,
        &Paging::Index { start_index: 3 },
        None,
        None,
    );
    assert_eq!(
        r,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 7, "itemsPerPage": 1, "startIndex": 3, "Resources": [{"id": "1"}]})
    );
    let r = list_response(
        vec![],
        0,
        &Paging::Cursor(String::new()),
        Some("n".into()),
        None,
    );
    assert_eq!(r["nextCursor"], "n");
    assert!(r.get("startIndex").is_none());
}
