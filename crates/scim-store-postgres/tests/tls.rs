//! TLS to PostgreSQL: the throwaway cluster of `scripts/postgres.sh` serves
//! TLS with a certificate for `localhost` and `127.0.0.1` signed by the CA
//! in `SCIMD_TEST_POSTGRES_CA`. Each `sslmode` connects (or refuses) as
//! libpq does, and a store opened with `verify-full` migrates, writes and
//! reads over TLS. Skipped without the cluster, failed without it under
//! `SCIMD_REQUIRE_POSTGRES=1`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_core::timestamp::Timestamp;
use scim_store::Store;
use scim_store_postgres::testing::{admin_url, TestDb};
use scim_store_postgres::Postgres;

/// The admin URL and the CA file, or `None` (skipped).
fn cluster() -> Option<(String, String)> {
    let admin = match admin_url() {
        Ok(u) => u,
        Err((true, why)) => panic!("{why}, but SCIMD_REQUIRE_POSTGRES=1"),
        Err((false, why)) => {
            eprintln!("note: {why}");
            return None;
        }
    };
    match std::env::var("SCIMD_TEST_POSTGRES_CA") {
        Ok(ca) if !ca.is_empty() => Some((admin, ca)),
        _ => {
            panic!("SCIMD_TEST_POSTGRES_CA is not set: start the cluster with scripts/postgres.sh")
        }
    }
}

/// `url` with extra query parameters.
fn with(url: &str, params: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{params}")
}

/// `url` naming `host` but connecting to 127.0.0.1 (`hostaddr`).
fn as_host(url: &str, host: &str) -> String {
    let with_host = url.replacen("@127.0.0.1:", &format!("@{host}:"), 1);
    assert_ne!(with_host, url, "the test cluster listens on 127.0.0.1");
    with(&with_host, "hostaddr=127.0.0.1")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_full_migrates_writes_and_reads_over_tls() {
    let Some((admin, ca)) = cluster() else { return };
    let db = TestDb::create(&admin).await.unwrap();
    let url = with(&db.url, &format!("sslmode=verify-full&sslrootcert={ca}"));
    let store = Postgres::open(&url).await.unwrap();
    assert!(store.uses_tls().await.unwrap());
    let t0 = Timestamp::from_unix_millis(0).unwrap();
    let tenant = store.create_tenant("tls", t0).await.unwrap();
    let found = store.find_tenant("tls").await.unwrap().unwrap();
    assert_eq!(found.id, tenant.id);
    // The name in the certificate: localhost works as well as 127.0.0.1.
    let by_name = with(
        &as_host(&db.url, "localhost"),
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    let store = Postgres::connect(&by_name).await.unwrap();
    assert!(store.uses_tls().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssl_modes_behave_as_libpq() {
    let Some((admin, ca)) = cluster() else { return };
    let db = TestDb::create(&admin).await.unwrap();
    let tls = |params: String| {
        let url = if params.is_empty() {
            db.url.clone()
        } else {
            with(&db.url, &params)
        };
        async move {
            let store = Postgres::connect(&url).await?;
            store.uses_tls().await
        }
    };
    assert!(!tls("sslmode=disable".into()).await.unwrap());
    assert!(
        tls(String::new()).await.unwrap(),
        "prefer (the default) uses TLS when offered"
    );
    assert!(tls("sslmode=prefer".into()).await.unwrap());
    assert!(
        tls("sslmode=require".into()).await.unwrap(),
        "no verification"
    );
    assert!(tls(format!("sslmode=require&sslrootcert={ca}"))
        .await
        .unwrap());
    assert!(tls(format!("sslmode=verify-ca&sslrootcert={ca}"))
        .await
        .unwrap());

    // An untrusted CA is refused, by verify-ca and by require with a root.
    for mode in ["verify-full", "verify-ca", "require"] {
        let err = tls(format!("sslmode={mode}&sslrootcert=system"))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("certificate"), "{mode}: {err}");
    }
    // A name the certificate does not carry: verify-full refuses,
    // verify-ca (chain only) accepts.
    let other = as_host(&db.url, "db.invalid");
    let err = Postgres::connect(&with(
        &other,
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("certificate"), "{err}");
    let store = Postgres::connect(&with(
        &other,
        &format!("sslmode=verify-ca&sslrootcert={ca}"),
    ))
    .await
    .unwrap();
    assert!(store.uses_tls().await.unwrap());
    // Configuration errors are reported before connecting.
    let err = Postgres::connect(&with(&db.url, "sslmode=verify-full"))
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("sslrootcert"), "{err}");
}
