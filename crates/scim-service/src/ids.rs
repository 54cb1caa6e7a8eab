//! The injected id generator: random UUIDs in production, a counter in tests.

use scim_core::resource::ResourceId;
use std::sync::atomic::{AtomicU64, Ordering};

/// Issues resource ids.
pub trait IdGenerator: Send + Sync {
    fn new_id(&self) -> ResourceId;
}

/// Fills `buf` with randomness from the operating system.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), String> {
    getrandom::fill(buf).map_err(|e| format!("no randomness available: {e}"))
}

/// Random (version 4) UUIDs.
#[derive(Debug, Default, Clone, Copy)]
pub struct UuidV4;

impl IdGenerator for UuidV4 {
    fn new_id(&self) -> ResourceId {
        let mut b = [0u8; 16];
        if random_bytes(&mut b).is_err() {
            // The OS RNG does not fail on supported platforms; fall back to time and a counter.
            static FALLBACK: AtomicU64 = AtomicU64::new(0);
            let n = FALLBACK.fetch_add(1, Ordering::Relaxed);
            let t = u64::try_from(scim_core::timestamp::Timestamp::now_utc().unix_millis())
                .unwrap_or(0);
            b[..8].copy_from_slice(&t.to_be_bytes());
            b[8..].copy_from_slice(&n.to_be_bytes());
        }
        ResourceId::from_uuid(b)
    }
}

/// `prefix-1`, `prefix-2`, … (tests).
#[derive(Debug)]
pub struct Sequential {
    prefix: String,
    next: AtomicU64,
}

impl Sequential {
    pub fn new(prefix: &str) -> Sequential {
        Sequential {
            prefix: prefix.to_string(),
            next: AtomicU64::new(1),
        }
    }
}

impl IdGenerator for Sequential {
    fn new_id(&self) -> ResourceId {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        ResourceId::parse(&format!("{}-{n}", self.prefix))
            .unwrap_or_else(|| ResourceId::from_uuid([0; 16]))
    }
}
