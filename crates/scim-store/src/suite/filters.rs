//! Filters in the storage suite: the fixture of users and groups, and
//! which ids each filter finds, as the in-memory evaluator does.

use super::*;

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

pub(crate) async fn filter_fixture(store: &Arc<dyn Store>) -> Arc<dyn ResourceStore> {
    let r = tenant(store, "t").await;
    r.insert(user("1", json!({"userName": "bjensen", "externalId": "Ext-1", "displayName": "Babs Jensen", "title": "Tour Guide", "userType": "Employee", "active": true,
        "name": {"givenName": "Barbara", "familyName": "Jensen"}, "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}, {"value": "babs@jensen.org", "type": "home"}],
        "x509Certificates": [{"value": "MIIDQzCC"}], ENT: {"employeeNumber": "701984", "manager": {"value": "2"}}})))
        .await
        .unwrap();
    let mut second = user(
        "2",
        json!({"userName": "O'Malley", "externalId": "ext-1", "userType": "Intern", "active": false, "name": {"familyName": "O'Malley"},
        "emails": [{"value": "om@EXAMPLE.org", "type": "work"}], "phoneNumbers": [{"value": "555-555-8377", "type": "work"}]}),
    );
    second.created = t(10);
    r.insert(second).await.unwrap();
    let mut third = user(
        "3",
        json!({"userName": "Zoë", "title": "", "displayName": "zoë"}),
    );
    third.created = t(20);
    r.insert(third).await.unwrap();
    r.insert(group("g1", "Tour Guides", &["1", "3"]))
        .await
        .unwrap();
    r.insert(group("g2", "Interns", &["2"])).await.unwrap();
    r
}

pub(crate) async fn ids(r: &Arc<dyn ResourceStore>, kind: ResourceKind, filter: &str) -> String {
    let reg = SchemaRegistry::builtin().unwrap();
    let view = reg.view(kind.name()).unwrap();
    let lowered =
        lower(&Filter::parse(filter).unwrap(), &view).unwrap_or_else(|e| panic!("{filter}: {e}"));
    let q = Query {
        filter: Some(lowered),
        sort: None,
        page: PageRequest::Offset(0),
        limit: 100,
        load: Load::NONE,
        max_bytes: None,
    };
    let page = r
        .query(kind, &q)
        .await
        .unwrap_or_else(|e| panic!("{filter}: {e}"));
    let mut v: Vec<String> = page.records.iter().map(|r| r.id.to_string()).collect();
    v.sort();
    assert_eq!(page.total as usize, v.len(), "{filter}");
    v.join(",")
}

pub async fn filters(store: Arc<dyn Store>) {
    let r = filter_fixture(&store).await;
    let cases: &[(&str, &str)] = &[
        (r#"userName eq "BJENSEN""#, "1"),
        (r#"userName eq "zoë""#, "3"),
        (r#"userName eq "ZOË""#, "3"),
        (r#"userName eq "nobody""#, ""),
        (r#"externalId eq "Ext-1""#, "1"),
        (r#"externalId eq "ext-1""#, "2"),
        (r#"externalId eq "EXT-1""#, ""),
        (r#"id eq "2""#, "2"),
        (r#"displayName eq "BABS JENSEN""#, "1"),
        (r#"emails.value eq "OM@example.org""#, "2"),
        (r#"emails eq "babs@jensen.org""#, "1"),
        (
            r#"emails[type eq "work"].value eq "bjensen@example.com""#,
            "1",
        ),
        (r#"emails[type eq "home"].value eq "om@example.org""#, ""),
        (r#"emails[type eq "work" and value co "EXAMPLE"]"#, "1,2"),
        (r#"emails.type eq "home""#, "1"),
        (r#"name.familyName co "'mal""#, "2"),
        (r#"userName sw "b""#, "1"),
        (r#"userName ew "EY""#, "2"),
        (r#"userName co "ë""#, "3"),
        (r#"userName gt "c" and userName lt "p""#, "2"),
        (r#"userName ge "zoë""#, "3"),
        ("title pr", "1"),
        ("title eq null", "2,3"),
        ("phoneNumbers pr", "2"),
        ("name pr", "1,2"),
        // A user without `active` is active (scim_core::resource::defaults):
        // user 3 has none.
        ("active eq true", "1,3"),
        ("active eq false", "2"),
        ("active ne true", "2"),
        ("active pr", "1,2,3"),
        (r#"userType ne "Intern""#, "1,3"),
        (r#"userType eq "Employee" or userType eq "Intern""#, "1,2"),
        (r#"not (userType eq "Employee") and not (title pr)"#, "2,3"),
        (r#"meta.created gt "2023-11-14T22:13:30Z""#, "3"),
        (r#"meta.created ge "2023-11-14T22:13:30Z""#, "2,3"),
        (r#"meta.created le "2023-11-14T22:13:30Z""#, "1,2"),
        (r#"meta.lastModified lt "2023-11-14T22:13:21Z""#, "1"),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            "1",
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "2""#,
            "1",
        ),
        (r#"manager eq "2""#, "1"),
        (r#"schemas eq "urn:nothing""#, ""),
        (r#"x509Certificates.value eq "MIIDQzCC""#, "1"),
        (r#"groups.value eq "g2""#, "2"),
        (r#"groups eq "g1""#, "1,3"),
        (r#"meta.resourceType eq "User""#, "1,2,3"),
        (
            r#"(userName eq "bjensen") or (externalId eq "ext-1" and active eq false)"#,
            "1,2",
        ),
    ];
    for (f, want) in cases {
        assert_eq!(ids(&r, ResourceKind::User, f).await, *want, "filter: {f}");
    }
    let group_cases: &[(&str, &str)] = &[
        (r#"displayName eq "tour guides""#, "g1"),
        (r#"members eq "3""#, "g1"),
        (r#"members.value eq "2""#, "g2"),
        (r#"id eq "g1" and members eq "2""#, ""),
        (r#"id eq "g1" and members eq "1""#, "g1"),
        (r#"members[type eq "User" and value eq "1"]"#, "g1"),
        ("members pr", "g1,g2"),
        (r#"displayName sw "int""#, "g2"),
    ];
    for (f, want) in group_cases {
        assert_eq!(ids(&r, ResourceKind::Group, f).await, *want, "filter: {f}");
    }
}

/// A user with more emails than the index keeps rows for
/// ([`crate::index::MAX_INDEXED_VALUES`]): every one of them is found,
/// in any case, by `eq` and by a value filter, and nothing else is; after
/// a rewrite that drops most of them, only those kept are.
pub async fn values_past_the_index_cap_are_found(store: Arc<dyn Store>) {
    use crate::index::MAX_INDEXED_VALUES;
    let r = tenant(&store, "t").await;
    let n = MAX_INDEXED_VALUES + 10;
    let emails: Vec<Value> = (0..n)
        .map(|i| json!({"value": format!("e{i}@many.example"), "type": "work"}))
        .collect();
    r.insert(user("big", json!({"userName": "big", "emails": emails})))
        .await
        .unwrap();
    r.insert(user(
        "small",
        json!({"userName": "small", "emails": [{"value": "e1@few.example"}]}),
    ))
    .await
    .unwrap();
    let last = n - 1;
    let cases = [
        ("emails.value eq \"e0@many.example\"".to_string(), "big"),
        (format!("emails.value eq \"e{last}@many.example\""), "big"),
        (
            format!(
                "emails.value eq \"E{}@MANY.example\"",
                MAX_INDEXED_VALUES + 1
            ),
            "big",
        ),
        (
            format!("emails[type eq \"work\"].value eq \"e{last}@many.example\""),
            "big",
        ),
        (
            format!("emails[type eq \"home\"].value eq \"e{last}@many.example\""),
            "",
        ),
        ("emails.value eq \"e1@few.example\"".to_string(), "small"),
        ("emails.value eq \"nobody@many.example\"".to_string(), ""),
        (
            format!("emails.value eq \"e{last}@many.example\" or userName eq \"small\""),
            "big,small",
        ),
    ];
    for (filter, want) in &cases {
        assert_eq!(ids(&r, ResourceKind::User, filter).await, *want, "{filter}");
    }
    let fewer = Box::new(|_r: &Record| {
        let d = doc(json!({"userName": "big", "emails": [{"value": "e3@many.example"}]}));
        let k = keys(ResourceKind::User, &d, true);
        Ok(Update {
            doc: Some((d, k)),
            ..Update::none(t(5))
        })
    });
    r.update(ResourceKind::User, &id("big"), Load::NONE, fewer)
        .await
        .unwrap();
    for (filter, want) in [
        (format!("emails.value eq \"e{last}@many.example\""), ""),
        ("emails.value eq \"e0@many.example\"".to_string(), ""),
        ("emails.value eq \"e3@many.example\"".to_string(), "big"),
    ] {
        assert_eq!(ids(&r, ResourceKind::User, &filter).await, want, "{filter}");
    }
}
