//! Who may do what in the administration: the console turns a signed-in
//! admin into typed access once (`read`, `change`, `system`), by role and
//! tenant scope; the operator principal reaches everything. One table of
//! (admin, access, tenant) and what it gets.

use crate::harness::*;
use scim_core::ScimResult;
use scim_service::console::AdminKind;
use scim_service::{AdminPrincipal, Console};
use scim_store::ConnectionPolicy;

/// The access asked for.
#[derive(Debug, Clone, Copy)]
enum Access {
    Read,
    Change,
    System,
}

/// What a grant must give: Ok, or the status and a word of the refusal.
type Want = Result<(), (u16, &'static str)>;

/// What the console grants `who`.
async fn grant(console: Console<'_>, access: Access, tenant: &str) -> ScimResult<()> {
    match access {
        Access::Read => console.read(tenant).await.map(|_| ()),
        Access::Change => console.change(tenant).await.map(|_| ()),
        Access::System => console.system().map(|_| ()),
    }
}

async fn check(
    h: &Harness,
    who: &AdminPrincipal,
    access: Access,
    tenant: &str,
    want: Result<(), (u16, &str)>,
) {
    let got = grant(h.svc.console(who), access, tenant).await;
    let row = format!("{} {access:?} {tenant}", who.username());
    match (got, want) {
        (Ok(()), Ok(())) => {}
        (Err(e), Err((status, word))) => {
            assert_eq!(e.status(), status, "{row}: {e}");
            assert!(e.detail().contains(word), "{row}: {e}");
        }
        (got, want) => panic!("{row}: got {got:?}, want {want:?}"),
    }
}

#[tokio::test]
async fn roles_and_scopes() {
    let h = Harness::new().await;
    h.op.system().create_tenant("beta").await.unwrap();
    let root = h.signed_in("root", AdminKind::Super, None).await;
    let owner = h
        .signed_in("owner", AdminKind::Owner, Some("default"))
        .await;
    let viewer = h
        .signed_in("viewer", AdminKind::Viewer, Some("default"))
        .await;
    let auditor = h.signed_in("auditor", AdminKind::Viewer, None).await;
    let ok: Want = Ok(());
    let scope: Want = Err((403, "no access to tenant"));
    let read_only: Want = Err((403, "viewer"));
    let not_super: Want = Err((403, "super-admin"));
    let missing: Want = Err((404, "no tenant"));
    use Access::*;
    // (admin, access, tenant, outcome)
    let table: Vec<(&AdminPrincipal, Access, &str, Want)> = vec![
        // A super-admin reaches every tenant and the system.
        (&root, Read, "default", ok),
        (&root, Change, "beta", ok),
        (&root, System, "", ok),
        (&root, Read, "nope", missing),
        // A tenant owner changes its tenant only, and makes no tenants.
        (&owner, Read, "default", ok),
        (&owner, Change, "default", ok),
        (&owner, Read, "beta", scope),
        (&owner, Change, "beta", scope),
        (&owner, Change, "nope", scope),
        (&owner, System, "", not_super),
        // A viewer reads its tenant and changes nothing.
        (&viewer, Read, "default", ok),
        (&viewer, Change, "default", read_only),
        (&viewer, Read, "beta", scope),
        (&viewer, System, "", not_super),
        // A viewer of every tenant reads them all, changes none.
        (&auditor, Read, "beta", ok),
        (&auditor, Change, "beta", read_only),
        (&auditor, System, "", read_only),
    ];
    for (who, access, tenant, want) in table {
        check(&h, who, access, tenant, want).await;
    }
    // Tenants listed are those in scope.
    let names = |v: Vec<scim_store::Tenant>| v.into_iter().map(|t| t.name).collect::<Vec<_>>();
    assert_eq!(
        names(h.svc.console(&owner).tenants().await.unwrap()),
        ["default"]
    );
    assert_eq!(
        names(h.svc.console(&auditor).tenants().await.unwrap()).len(),
        2
    );
}

#[tokio::test]
async fn granted_access_acts_and_refused_access_changes_nothing() {
    let h = Harness::new().await;
    let root = h.signed_in("root", AdminKind::Super, None).await;
    let owner = h
        .signed_in("owner", AdminKind::Owner, Some("default"))
        .await;
    let viewer = h
        .signed_in("viewer", AdminKind::Viewer, Some("default"))
        .await;
    let system = h.svc.console(&root).system().unwrap();
    system.create_tenant("gamma").await.unwrap();
    assert_eq!(system.tenants().await.unwrap().len(), 2);
    let t = h.svc.console(&owner).change("default").await.unwrap();
    t.create_connection("okta", "okta", ConnectionPolicy::default())
        .await
        .unwrap();
    let issued = t.issue_token(Some("okta"), "", None).await.unwrap();
    assert!(issued.token.starts_with("scimd_"));
    assert_eq!(
        issued.record.name, "console",
        "a console token without a label"
    );
    // The viewer reads what the owner made, and gets nothing to change it with.
    let r = h.svc.console(&viewer).read("default").await.unwrap();
    assert_eq!(r.connection_views().await.unwrap().len(), 2);
    r.seats().await.unwrap();
    assert!(h.svc.console(&viewer).change("default").await.is_err());
    let tokens = h.tenant("default").await.tokens().await.unwrap();
    assert!(tokens.iter().all(|t| t.revoked.is_none()));
    // The operator principal needs no grant, and a tenant's administration
    // reaches only that tenant's tokens.
    let gamma = h.tenant("gamma").await;
    let e = gamma.revoke_token(issued.record.id).await.unwrap_err();
    assert_eq!(e.status(), 404);
}
