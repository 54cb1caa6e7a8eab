//! Login rate limiting: a token bucket per username and one per client
//! address. Every attempt takes a token from both; an empty bucket refuses
//! with 429 and `Retry-After` before any password is checked, so guessing
//! is slow whether an attacker tries many passwords on one account or one
//! password on many. Limits are per replica.

use crate::ratelimit::Rate;
use scim_core::{ScimError, ScimResult};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Login limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoginLimits {
    pub per_username: Rate,
    pub per_address: Rate,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            // 10 attempts at once, then one every 6 seconds.
            per_username: Rate {
                per_second: 1.0 / 6.0,
                burst: 10.0,
            },
            per_address: Rate {
                per_second: 0.5,
                burst: 30.0,
            },
        }
    }
}

/// The most buckets kept; beyond, full (idle) ones are forgotten.
const MAX_BUCKETS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    User(String),
    Address(String),
}

/// The login buckets of one replica.
#[derive(Debug)]
pub struct LoginLimiter {
    limits: LoginLimits,
    buckets: Mutex<HashMap<Key, Bucket>>,
}

impl LoginLimiter {
    pub fn new(limits: LoginLimits) -> LoginLimiter {
        LoginLimiter {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt from the username's and the address's buckets, or
    /// refuses with 429 saying how long to wait.
    pub fn admit(&self, username: &str, address: &str, now: Instant) -> ScimResult<()> {
        let checks = [
            (Key::User(username.to_lowercase()), self.limits.per_username),
            (Key::Address(address.to_string()), self.limits.per_address),
        ];
        let mut buckets = self
            .buckets
            .lock()
            .map_err(|_| ScimError::Internal("login limiter lock poisoned".into()))?;
        if buckets.len() > MAX_BUCKETS {
            let limits = self.limits;
            buckets.retain(|k, b| {
                let rate = match k {
                    Key::User(_) => limits.per_username,
                    Key::Address(_) => limits.per_address,
                };
                refill(b, rate, now) < rate.burst
            });
        }
        let mut wait: f64 = 0.0;
        for (key, rate) in checks.iter().filter(|(_, r)| r.per_second > 0.0) {
            let b = buckets.entry(key.clone()).or_insert(Bucket {
                tokens: rate.burst.max(1.0),
                at: now,
            });
            let tokens = refill(b, *rate, now);
            if tokens < 1.0 {
                wait = wait.max((1.0 - tokens) / rate.per_second);
            }
        }
        if wait > 0.0 {
            let retry = wait.ceil().max(1.0) as u64;
            return Err(ScimError::TooManyRequests(
                format!("too many sign-in attempts; retry after {retry} s"),
                retry,
            ));
        }
        for (key, rate) in checks.iter().filter(|(_, r)| r.per_second > 0.0) {
            if let Some(b) = buckets.get_mut(key) {
                b.tokens -= 1.0;
                let _ = rate;
            }
        }
        Ok(())
    }
}

fn refill(b: &mut Bucket, rate: Rate, now: Instant) -> f64 {
    let dt = now.saturating_duration_since(b.at).as_secs_f64();
    b.tokens = (b.tokens + dt * rate.per_second).min(rate.burst.max(1.0));
    b.at = now;
    b.tokens
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use std::time::Duration;

    fn limiter() -> LoginLimiter {
        LoginLimiter::new(LoginLimits {
            per_username: Rate {
                per_second: 1.0,
                burst: 3.0,
            },
            per_address: Rate {
                per_second: 1.0,
                burst: 5.0,
            },
        })
    }

    #[test]
    fn per_username() {
        let l = limiter();
        let t0 = Instant::now();
        for _ in 0..3 {
            l.admit("Ann", "10.0.0.1", t0).unwrap();
        }
        let e = l.admit("ann", "10.0.0.2", t0).unwrap_err();
        assert_eq!((e.status(), e.retry_after()), (429, Some(1)));
        // Another account from another address is unaffected.
        l.admit("bob", "10.0.0.3", t0).unwrap();
        // Time refills.
        l.admit("ann", "10.0.0.1", t0 + Duration::from_secs(1))
            .unwrap();
    }

    #[test]
    fn per_address() {
        let l = limiter();
        let t0 = Instant::now();
        for i in 0..5 {
            l.admit(&format!("user{i}"), "10.0.0.9", t0).unwrap();
        }
        let e = l.admit("someone-else", "10.0.0.9", t0).unwrap_err();
        assert_eq!(e.status(), 429);
        l.admit("someone-else", "10.0.0.8", t0).unwrap();
    }
}
