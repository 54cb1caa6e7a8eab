//! Retry back-off: exponential with full jitter. The n-th consecutive
//! failure waits a uniformly random time in `[0, min(cap, base · 2^(n-1))]`,
//! so receivers recovering from an outage are not hit by every retry at once.

/// Back-off settings, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base_ms: u64,
    pub cap_ms: u64,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base_ms: 1_000,
            cap_ms: 600_000,
        }
    }
}

impl Backoff {
    /// The upper bound of the wait after `failures` consecutive failures.
    pub fn ceiling(&self, failures: u32) -> u64 {
        let doublings = failures.saturating_sub(1).min(63);
        self.base_ms
            .saturating_mul(1u64 << doublings)
            .min(self.cap_ms)
    }

    /// The wait after `failures` consecutive failures, drawn with `random`
    /// (a uniformly random number).
    pub fn delay_ms(&self, failures: u32, random: u64) -> u64 {
        let ceiling = self.ceiling(failures);
        random % ceiling.saturating_add(1)
    }
}

/// A random number from the operating system (0 if it has none).
pub fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    match scim_service::ids::random_bytes(&mut b) {
        Ok(()) => u64::from_le_bytes(b),
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap() {
        let b = Backoff::default();
        assert_eq!(b.ceiling(1), 1_000);
        assert_eq!(b.ceiling(2), 2_000);
        assert_eq!(b.ceiling(4), 8_000);
        assert_eq!(b.ceiling(10), 512_000);
        assert_eq!(b.ceiling(11), 600_000);
        assert_eq!(b.ceiling(500), 600_000);
        assert_eq!(b.ceiling(0), 1_000);
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let b = Backoff {
            base_ms: 100,
            cap_ms: 1_000,
        };
        for failures in 1..40 {
            for _ in 0..50 {
                let d = b.delay_ms(failures, random_u64());
                assert!(d <= b.ceiling(failures), "{d} > {}", b.ceiling(failures));
            }
        }
        assert_eq!(b.delay_ms(3, u64::MAX), u64::MAX % 401);
        assert_eq!(b.delay_ms(1, 0), 0);
        assert_eq!(b.delay_ms(1, 100), 100);
    }
}
