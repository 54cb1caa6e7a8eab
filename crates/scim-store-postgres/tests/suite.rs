//! The storage suite on PostgreSQL: each test gets a fresh database from
//! the cluster in `SCIMD_TEST_POSTGRES_URL` (skipped without it, failed
//! without it under `SCIMD_REQUIRE_POSTGRES=1`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_store::Store;
use scim_store_postgres::Postgres;
use std::sync::Arc;

async fn fresh(admin: String) -> Arc<dyn Store> {
    Arc::new(Postgres::open_fresh(&admin).await.unwrap())
}

scim_store::storage_suite!(
    optional: "SCIMD_TEST_POSTGRES_URL",
    "SCIMD_REQUIRE_POSTGRES",
    fresh
);
