//! The storage suite on the in-memory fake.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_store::memory::MemoryStore;
use scim_store::Store;
use std::sync::Arc;

scim_store::storage_suite!(|| async { Arc::new(MemoryStore::new()) as Arc<dyn Store> });
