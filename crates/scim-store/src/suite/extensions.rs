//! Tenants' schema extensions in the storage suite: definitions per
//! tenant and their schema version, index-led lookups and uniqueness of
//! extension attributes' values, and removal with their index rows.

use super::*;
use crate::events::{AuditEntry, AuditQuery};
use crate::index::{keys_with, ExtIndex, ExtIndexed, UNIQUE_BASE};
use crate::schemas::{ExtensionDefinition, ExtensionRecord};
use scim_core::schema::Schema;

const EXT: &str = "urn:ietf:params:scim:schemas:extension:CustomExt:2.0:User";

fn definition() -> ExtensionRecord {
    let schema = json!({"id": EXT, "name": "CustomExt", "attributes": [
        {"name": "costCenter", "type": "string", "uniqueness": "server"},
        {"name": "badge", "type": "string", "indexed": true, "caseExact": true},
        {"name": "level", "type": "integer"}]});
    ExtensionRecord {
        urn: EXT.into(),
        kind: ResourceKind::User,
        created: t(1),
        definition: ExtensionDefinition {
            required: false,
            index: [
                ("costCenter".to_string(), UNIQUE_BASE),
                ("badge".to_string(), 1000),
            ]
            .into_iter()
            .collect(),
            schema,
        },
    }
}

fn spec() -> ExtIndex {
    ExtIndex(Arc::new(vec![
        ExtIndexed {
            urn: EXT.into(),
            name: "costCenter".into(),
            code: UNIQUE_BASE,
            case_exact: false,
        },
        ExtIndexed {
            urn: EXT.into(),
            name: "badge".into(),
            code: 1000,
            case_exact: true,
        },
    ]))
}

fn audit(action: &str) -> AuditEntry {
    AuditEntry {
        action: action.into(),
        path: "schema".into(),
        ..AuditEntry::default()
    }
}

fn ext_user(rid: &str, cost: &str, badge: &str) -> NewRecord {
    let mut r = user(
        rid,
        json!({"userName": rid, EXT: {"costCenter": cost, "badge": badge, "level": 3}}),
    );
    r.keys = keys_with(ResourceKind::User, &r.doc, true, &spec());
    r
}

fn set_cost(rid: &'static str, cost: &'static str) -> UpdateFn {
    Box::new(move |_r: &Record| {
        let d = doc(json!({"userName": rid, EXT: {"costCenter": cost}}));
        let k = keys_with(ResourceKind::User, &d, true, &spec());
        Ok(Update {
            doc: Some((d, k)),
            ..Update::none(t(5))
        })
    })
}

/// The ids of users matching `filter` under the tenant's extension.
async fn found(r: &Arc<dyn ResourceStore>, filter: &str) -> String {
    let mut reg = SchemaRegistry::builtin().unwrap();
    let mut schema = Schema::from_json(&definition().definition.schema).unwrap();
    for a in &mut schema.attributes {
        a.index = definition().definition.index.get(&a.name).copied();
    }
    reg.add_extension_schema(schema, "User", false).unwrap();
    let view = reg.view("User").unwrap();
    let q = Query {
        filter: Some(lower(&Filter::parse(filter).unwrap(), &view).unwrap()),
        sort: None,
        page: PageRequest::Offset(0),
        limit: 100,
        load: Load::NONE,
        max_bytes: None,
    };
    let page = r.query(ResourceKind::User, &q).await.unwrap();
    let mut v: Vec<String> = page.records.iter().map(|r| r.id.to_string()).collect();
    v.sort();
    v.join(",")
}

pub async fn schema_extensions(store: Arc<dyn Store>) {
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let b = store.create_tenant("b", t(0)).await.unwrap();
    assert_eq!(a.schema_version, 0);
    store
        .add_schema_extension(a.id, &definition(), audit("schema-add"))
        .await
        .unwrap();
    let mut again = definition();
    again.urn = EXT.to_uppercase();
    assert!(matches!(
        store
            .add_schema_extension(a.id, &again, audit("schema-add"))
            .await,
        Err(StoreError::Uniqueness(_))
    ));
    assert_eq!(
        store.schema_extensions(a.id).await.unwrap(),
        vec![definition()]
    );
    assert!(store.schema_extensions(b.id).await.unwrap().is_empty());
    assert_eq!(store.tenant(a.id).await.unwrap().unwrap().schema_version, 1);
    assert_eq!(store.tenant(b.id).await.unwrap().unwrap().schema_version, 0);

    let r = store.resources(a.id);
    r.insert(ext_user("u1", "42", "B-1")).await.unwrap();
    r.insert(ext_user("u2", "43", "b-1")).await.unwrap();
    // Unique without regard to case, as costCenter is not caseExact.
    assert!(matches!(
        r.insert(ext_user("u3", "42", "x")).await,
        Err(StoreError::Uniqueness(_))
    ));
    assert!(r
        .get(ResourceKind::User, &id("u3"), Load::NONE)
        .await
        .unwrap()
        .is_none());
    // Another tenant's values are its own.
    store
        .resources(b.id)
        .insert(ext_user("u1", "42", "B-1"))
        .await
        .unwrap();
    let cases = [
        (format!("{EXT}:costCenter eq \"42\""), "u1"),
        (format!("{EXT}:costCenter eq \"4\""), ""),
        (format!("{EXT}:badge eq \"b-1\""), "u2"),
        (
            format!("{EXT}:badge eq \"B-1\" or {EXT}:costCenter eq \"43\""),
            "u1,u2",
        ),
        (format!("{EXT}:level gt 2"), "u1,u2"),
        // Unqualified, a name resolves to the first schema that has it.
        ("costCenter sw \"4\"".to_string(), ""),
        ("level ge 3".to_string(), "u1,u2"),
        (format!("not ({EXT}:badge eq \"B-1\")"), "u2"),
        (
            format!("{EXT}:costCenter sw \"4\" and not (badge eq \"B-1\")"),
            "u2",
        ),
    ];
    for (filter, expected) in &cases {
        assert_eq!(found(&r, filter).await, *expected, "{filter}");
    }
    // A value taken by an update; one freed by an update, and by a delete.
    assert!(matches!(
        r.update(
            ResourceKind::User,
            &id("u2"),
            Load::NONE,
            set_cost("u2", "42")
        )
        .await,
        Err(StoreError::Uniqueness(_))
    ));
    r.update(
        ResourceKind::User,
        &id("u1"),
        Load::NONE,
        set_cost("u1", "44"),
    )
    .await
    .unwrap();
    assert_eq!(found(&r, &format!("{EXT}:badge eq \"B-1\"")).await, "");
    r.insert(ext_user("u3", "42", "x")).await.unwrap();
    assert!(r
        .delete(ResourceKind::User, &id("u3"), None, Journal::default())
        .await
        .unwrap());
    r.insert(ext_user("u4", "42", "x")).await.unwrap();
    assert_eq!(
        found(&r, &format!("{EXT}:costCenter eq \"42\"")).await,
        "u4"
    );

    // Removal takes the index rows: the values are free again.
    assert!(store
        .remove_schema_extension(a.id, &EXT.to_lowercase(), audit("schema-remove"))
        .await
        .unwrap());
    assert!(!store
        .remove_schema_extension(a.id, EXT, audit("schema-remove"))
        .await
        .unwrap());
    assert!(store.schema_extensions(a.id).await.unwrap().is_empty());
    assert_eq!(store.tenant(a.id).await.unwrap().unwrap().schema_version, 2);
    r.insert(ext_user("u5", "42", "x")).await.unwrap();
    let actions: Vec<String> = store
        .audit(
            a.id,
            &AuditQuery {
                limit: 100,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.action)
        .collect();
    assert!(
        actions.contains(&"schema-add".to_string())
            && actions.contains(&"schema-remove".to_string()),
        "{actions:?}"
    );
    // A tenant's deletion takes its extensions.
    store
        .add_schema_extension(b.id, &definition(), audit("schema-add"))
        .await
        .unwrap();
    let purge: TenantAuditFn = Box::new(|_| AuditEntry::default());
    store.delete_tenant(b.id, true, purge).await.unwrap();
    assert!(store.schema_extensions(b.id).await.unwrap().is_empty());
}

pub async fn undefined_attributes_are_counted(store: Arc<dyn Store>) {
    use scim_core::profile::Profile;
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let b = store.create_tenant("b", t(0)).await.unwrap();
    let c = store
        .create_connection(a.id, "idp", Profile::Auto, t(0))
        .await
        .unwrap();
    let seen = |n: &str, e: &str| (n.to_string(), e.to_string());
    store
        .note_undefined(
            c.id,
            &[seen("nickname2", "\"N…\""), seen("urn:x:Y", "{}")],
            t(1),
        )
        .await
        .unwrap();
    store
        .note_undefined(c.id, &[seen("nickname2", "\"M…\"")], t(2))
        .await
        .unwrap();
    let got = store.undefined_attributes(a.id, c.id).await.unwrap();
    let summary: Vec<(String, u64, Timestamp, String)> = got
        .into_iter()
        .map(|u| (u.name, u.count, u.last_seen, u.example))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("nickname2".to_string(), 2, t(2), "\"M…\"".to_string()),
            ("urn:x:Y".to_string(), 1, t(1), "{}".to_string()),
        ]
    );
    // Another tenant cannot read them; deleting the connection takes them.
    assert!(store
        .undefined_attributes(b.id, c.id)
        .await
        .unwrap()
        .is_empty());
    assert!(store.delete_connection(a.id, c.id).await.unwrap());
    assert!(store
        .undefined_attributes(a.id, c.id)
        .await
        .unwrap()
        .is_empty());
}
