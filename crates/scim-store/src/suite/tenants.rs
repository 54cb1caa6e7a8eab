//! Tenants, connections and tokens in the storage suite.

use super::*;

pub async fn tenants_connections_tokens(store: Arc<dyn Store>) {
    let a = store.create_tenant("acme", t(0)).await.unwrap();
    assert!(matches!(
        store.create_tenant("acme", t(1)).await,
        Err(StoreError::Uniqueness(_))
    ));
    let b = store.create_tenant("beta", t(1)).await.unwrap();
    assert_eq!(
        store
            .list_tenants()
            .await
            .unwrap()
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>(),
        ["acme", "beta"]
    );
    assert_eq!(store.find_tenant("beta").await.unwrap().unwrap().id, b.id);
    assert_eq!(store.tenant(a.id).await.unwrap().unwrap().name, "acme");
    assert!(store.find_tenant("nope").await.unwrap().is_none());

    let c = store
        .create_connection(a.id, "default", Profile::Auto, t(2))
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_connection(a.id, "default", Profile::Okta, t(2))
            .await,
        Err(StoreError::Uniqueness(_))
    ));
    store
        .create_connection(b.id, "default", Profile::Auto, t(2))
        .await
        .unwrap();
    assert_eq!(store.list_connections(a.id).await.unwrap().len(), 1);
    assert_eq!(
        store.connection(c.id).await.unwrap().unwrap().name,
        "default"
    );

    let tok = store
        .insert_token(NewToken {
            tenant: a.id,
            connection: c.id,
            name: "ci".into(),
            prefix: "scimd_ab".into(),
            hash: vec![7; 32],
            created: t(3),
            expires: Some(t(99)),
        })
        .await
        .unwrap();
    let found = store.find_token(&[7; 32]).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.tenant, found.connection, found.expires),
        (tok.id, a.id, c.id, Some(t(99)))
    );
    assert!(store.find_token(&[8; 32]).await.unwrap().is_none());
    // The credential joins the token with its connection and tenant.
    let cred = store.credential(&[7; 32]).await.unwrap().unwrap();
    assert_eq!(cred.token, found);
    assert_eq!(
        cred.connection,
        store.connection(c.id).await.unwrap().unwrap()
    );
    assert_eq!(cred.tenant, store.tenant(a.id).await.unwrap().unwrap());
    assert!(store.credential(&[8; 32]).await.unwrap().is_none());
    assert_eq!(store.list_tokens(a.id).await.unwrap().len(), 1);
    assert!(store.list_tokens(b.id).await.unwrap().is_empty());
    assert!(
        !store.revoke_token(b.id, tok.id, t(4)).await.unwrap(),
        "another tenant cannot revoke"
    );
    assert!(store.revoke_token(a.id, tok.id, t(4)).await.unwrap());
    assert_eq!(
        store.find_token(&[7; 32]).await.unwrap().unwrap().revoked,
        Some(t(4))
    );
    assert_eq!(
        store
            .credential(&[7; 32])
            .await
            .unwrap()
            .unwrap()
            .token
            .revoked,
        Some(t(4))
    );
}
