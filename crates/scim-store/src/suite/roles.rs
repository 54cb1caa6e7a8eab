//! Role mappings in the storage suite: per tenant, without duplicates (a
//! display name compared without case), audited, removed with the
//! tenant; and users' effective roles as lookup-index rows under
//! [`ROLES_CODE`], found by an index lookup and gone with the user.

use super::*;
use crate::events::{AuditEntry, AuditQuery};
use crate::index::{keys_with, ExtIndex, ExtIndexed, ROLES_CODE};
use crate::roles::{GroupSelector, RefreshScope, RoleMapping, RoleRefresh};
use scim_core::schema::Schema;

const ROLES: &str = "urn:scimd:params:scim:schemas:extension:roles:2.0:User";

fn mapping(selector: GroupSelector, value: &str, role: &str) -> RoleMapping {
    RoleMapping {
        selector,
        value: value.into(),
        role: role.into(),
    }
}

fn audit() -> AuditEntry {
    AuditEntry {
        action: "role-map".into(),
        ..AuditEntry::default()
    }
}

fn spec() -> ExtIndex {
    ExtIndex(Arc::new(vec![ExtIndexed {
        urn: ROLES.into(),
        name: "effectiveRoles".into(),
        code: ROLES_CODE,
        case_exact: true,
    }]))
}

fn with_roles(rid: &str, roles: &[&str]) -> NewRecord {
    let mut r = user(
        rid,
        json!({"userName": rid, ROLES: {"effectiveRoles": roles}}),
    );
    r.keys = keys_with(ResourceKind::User, &r.doc, true, &spec());
    r
}

async fn holders(r: &Arc<dyn ResourceStore>, role: &str) -> String {
    let mut reg = SchemaRegistry::builtin().unwrap();
    let mut schema = Schema::from_json(&json!({"id": ROLES, "name": "Roles", "attributes": [
        {"name": "effectiveRoles", "type": "string", "multiValued": true,
         "caseExact": true, "mutability": "readOnly"}]}))
    .unwrap();
    schema.attributes[0].index = Some(ROLES_CODE);
    reg.add_extension_schema(schema, "User", false).unwrap();
    let view = reg.view("User").unwrap();
    let filter = format!("effectiveRoles eq \"{role}\"");
    let q = Query {
        filter: Some(lower(&Filter::parse(&filter).unwrap(), &view).unwrap()),
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

pub async fn role_mappings_and_effective_roles(store: Arc<dyn Store>) {
    use GroupSelector::{DisplayName, ExternalId};
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let b = store.create_tenant("b", t(0)).await.unwrap();
    let cases = [
        (mapping(DisplayName, "Engineering", "developer"), true),
        (mapping(DisplayName, "engineering", "developer"), false),
        (mapping(DisplayName, "Engineering", "reviewer"), true),
        (mapping(ExternalId, "eng-1", "developer"), true),
        (mapping(ExternalId, "ENG-1", "developer"), true),
    ];
    // Each change moves the tenant's schema version (whether it maps
    // roles decides its schemas); a no-op does not.
    let version = |store: Arc<dyn Store>, id| async move {
        store.tenant(id).await.unwrap().unwrap().schema_version
    };
    for (m, added) in &cases {
        let before = version(store.clone(), a.id).await;
        let got = store.add_role_mapping(a.id, m, audit(), 0).await.unwrap();
        assert_eq!(got.is_some(), *added, "{m:?}");
        let moved = version(store.clone(), a.id).await - before;
        assert_eq!(moved, i64::from(*added), "{m:?}");
    }
    assert_eq!(version(store.clone(), b.id).await, 0);
    let listed = store.role_mappings(a.id).await.unwrap();
    assert_eq!(
        listed,
        vec![
            mapping(DisplayName, "Engineering", "developer"),
            mapping(DisplayName, "Engineering", "reviewer"),
            mapping(ExternalId, "ENG-1", "developer"),
            mapping(ExternalId, "eng-1", "developer"),
        ]
    );
    assert!(store.role_mappings(b.id).await.unwrap().is_empty());
    let m = mapping(DisplayName, "ENGINEERING", "reviewer");
    assert!(store
        .remove_role_mapping(b.id, &m, audit(), 0)
        .await
        .unwrap()
        .is_none());
    let before = version(store.clone(), a.id).await;
    assert!(store
        .remove_role_mapping(a.id, &m, audit(), 0)
        .await
        .unwrap()
        .is_some());
    assert!(store
        .remove_role_mapping(a.id, &m, audit(), 0)
        .await
        .unwrap()
        .is_none());
    assert_eq!(version(store.clone(), a.id).await, before + 1);
    assert_eq!(store.role_mappings(a.id).await.unwrap().len(), 3);
    let audited = store
        .audit(
            a.id,
            &AuditQuery {
                limit: 100,
                ..AuditQuery::default()
            },
        )
        .await
        .unwrap()
        .len();
    assert_eq!(audited, 5, "one entry per change, none for a no-op");

    // Effective roles: index rows, an index lookup, gone with the user.
    let r = store.resources(a.id);
    r.insert(with_roles("u1", &["developer", "reviewer"]))
        .await
        .unwrap();
    r.insert(with_roles("u2", &["developer"])).await.unwrap();
    store
        .resources(b.id)
        .insert(with_roles("u3", &["developer"]))
        .await
        .unwrap();
    assert_eq!(holders(&r, "developer").await, "u1,u2");
    assert_eq!(holders(&r, "reviewer").await, "u1");
    assert_eq!(holders(&r, "Developer").await, "", "roles are caseExact");
    let lose = Box::new(|_r: &Record| {
        let d = doc(json!({"userName": "u1", ROLES: {"effectiveRoles": ["reviewer"]}}));
        let k = keys_with(ResourceKind::User, &d, true, &spec());
        Ok(Update {
            doc: Some((d, k)),
            ..Update::none(t(5))
        })
    });
    r.update(ResourceKind::User, &id("u1"), Load::NONE, lose)
        .await
        .unwrap();
    assert_eq!(holders(&r, "developer").await, "u2");
    assert!(r
        .delete(ResourceKind::User, &id("u2"), None, Journal::default())
        .await
        .unwrap());
    assert_eq!(holders(&r, "developer").await, "");

    // A tenant's deletion takes its mappings.
    store
        .add_role_mapping(b.id, &mapping(DisplayName, "x", "y"), audit(), 0)
        .await
        .unwrap();
    let purge: TenantAuditFn = Box::new(|_| AuditEntry::default());
    store.delete_tenant(b.id, true, purge).await.unwrap();
    assert!(store.role_mappings(b.id).await.unwrap().is_empty());
    assert_eq!(store.role_refreshes_queued(b.id).await.unwrap(), 0);
}

/// The queue of recomputations: a mapping change queues its own in its
/// transaction (everyone for a tenant's first mapping and after its last;
/// else the mapping's groups), oldest first, leased while one runs,
/// deleted when finished, gone with the tenant.
pub async fn role_refresh_queue(store: Arc<dyn Store>) {
    use GroupSelector::{DisplayName, ExternalId};
    let a = store.create_tenant("a", t(0)).await.unwrap();
    let b = store.create_tenant("b", t(0)).await.unwrap();
    let eng = mapping(DisplayName, "Engineering", "developer");
    let ops = mapping(ExternalId, "ops-1", "operator");
    let scope = |r: Option<RoleRefresh>| r.unwrap().scope;
    let first = store
        .add_role_mapping(a.id, &eng, audit(), 100)
        .await
        .unwrap();
    assert_eq!(scope(first.clone()), RefreshScope::Everyone);
    let second = store
        .add_role_mapping(a.id, &ops, audit(), 200)
        .await
        .unwrap();
    assert_eq!(
        scope(second.clone()),
        RefreshScope::Groups(ExternalId, "ops-1".into())
    );
    assert!(store
        .add_role_mapping(a.id, &ops, audit(), 0)
        .await
        .unwrap()
        .is_none());
    let gone = store
        .remove_role_mapping(a.id, &eng, audit(), 300)
        .await
        .unwrap();
    assert_eq!(
        scope(gone),
        RefreshScope::Groups(DisplayName, "Engineering".into())
    );
    let last = store
        .remove_role_mapping(a.id, &ops, audit(), 400)
        .await
        .unwrap();
    assert_eq!(scope(last), RefreshScope::Everyone);
    let queued = store
        .queue_role_refresh(b.id, &RefreshScope::Everyone, 150)
        .await
        .unwrap();
    assert_eq!(queued.tenant, b.id);
    assert_eq!(store.role_refreshes_queued(a.id).await.unwrap(), 4);
    assert_eq!(store.role_refreshes_queued(b.id).await.unwrap(), 1);

    // Nothing due before its time.
    assert_eq!(store.claim_role_refresh(99, 10_000).await.unwrap(), None);
    // Oldest first among those due; a claimed one is leased.
    let one = store.claim_role_refresh(250, 10_000).await.unwrap();
    assert_eq!(one, first);
    let two = store.claim_role_refresh(250, 10_000).await.unwrap();
    assert_eq!(two, second);
    let three = store.claim_role_refresh(250, 10_000).await.unwrap();
    assert_eq!(three, Some(queued));
    assert_eq!(store.claim_role_refresh(250, 10_000).await.unwrap(), None);
    // Finished: deleted. Unfinished: taken again once its lease ends.
    let first = first.unwrap();
    store.finish_role_refresh(first.seq).await.unwrap();
    assert_eq!(store.role_refreshes_queued(a.id).await.unwrap(), 3);
    let again = store.claim_role_refresh(10_000, 20_000).await.unwrap();
    assert_eq!(again, second);

    let purge: TenantAuditFn = Box::new(|_| AuditEntry::default());
    store.delete_tenant(a.id, true, purge).await.unwrap();
    assert_eq!(store.role_refreshes_queued(a.id).await.unwrap(), 0);
}
