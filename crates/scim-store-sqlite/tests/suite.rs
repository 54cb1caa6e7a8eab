//! The storage suite on SQLite: each test gets a fresh database file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_store::Store;
use scim_store_sqlite::Sqlite;
use std::sync::Arc;

async fn fresh() -> Arc<dyn Store> {
    let dir = tempfile::tempdir().unwrap();
    let store = Sqlite::open(dir.path().join("test.db")).unwrap();
    // Keep the directory for the life of the test process.
    std::mem::forget(dir);
    Arc::new(store)
}

scim_store::storage_suite!(fresh);
