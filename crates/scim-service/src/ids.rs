//! The injected id generator: time-ordered UUIDs (version 7) in production,
//! a counter in tests.

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

/// Time-ordered (version 7) UUIDs: 48 bits of Unix milliseconds, then 74
/// random bits. New resources land at the end of the id index rather than
/// on a random page, so a batch of creates dirties few index pages.
#[derive(Debug, Default, Clone, Copy)]
pub struct UuidV7;

impl IdGenerator for UuidV7 {
    fn new_id(&self) -> ResourceId {
        let mut b = [0u8; 16];
        let ms =
            u64::try_from(scim_core::timestamp::Timestamp::now_utc().unix_millis()).unwrap_or(0);
        if random_bytes(&mut b[6..]).is_err() {
            // The OS RNG does not fail on supported platforms; fall back to a counter.
            static FALLBACK: AtomicU64 = AtomicU64::new(0);
            let n = FALLBACK.fetch_add(1, Ordering::Relaxed);
            b[8..].copy_from_slice(&n.to_be_bytes());
        }
        b[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
        ResourceId::from_time_ordered_uuid(b)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn version_7_ids_are_uuids_in_creation_order() {
        let ids: Vec<String> = (0..200)
            .map(|_| UuidV7.new_id().as_str().to_string())
            .collect();
        for id in &ids {
            let b = id.as_bytes();
            assert_eq!(
                (id.len(), b[14], b[8], b[13]),
                (36, b'7', b'-', b'-'),
                "{id}"
            );
            assert!(matches!(b[19], b'8' | b'9' | b'a' | b'b'), "{id}");
        }
        // The time prefix never goes backwards; within a millisecond the
        // random tail orders them, so only the prefix is compared.
        for w in ids.windows(2) {
            assert!(w[0][..13] <= w[1][..13], "{} then {}", w[0], w[1]);
        }
        let distinct: std::collections::HashSet<_> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }
}
