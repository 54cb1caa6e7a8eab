//! Rate limiting: a token bucket per bearer token and one per tenant.
//!
//! A request must find a token in both buckets. The per-tenant bucket keeps
//! one tenant's flood from starving the others; the per-token bucket keeps
//! one runaway connection from exhausting its tenant. Refusals are 429 with
//! `Retry-After` (RFC 6585 §4). Limits are per replica.
//!
//! The caller passes the time, so tests control it.

use scim_core::{ScimError, ScimResult};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// A sustained rate with a burst allowance. `per_second == 0` disables it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
}

impl Rate {
    /// No limit.
    pub const UNLIMITED: Rate = Rate {
        per_second: 0.0,
        burst: 0.0,
    };

    fn enabled(&self) -> bool {
        self.per_second > 0.0
    }
}

/// The configured limits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimits {
    pub per_token: Rate,
    pub per_tenant: Rate,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_token: Rate {
                per_second: 2500.0,
                burst: 5000.0,
            },
            per_tenant: Rate {
                per_second: 5000.0,
                burst: 10000.0,
            },
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refill(&mut self, rate: Rate, now: Instant) {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + dt * rate.per_second).min(rate.burst.max(1.0));
        self.at = now;
    }

    /// Seconds until one token is available.
    fn wait(&self, rate: Rate) -> f64 {
        ((1.0 - self.tokens) / rate.per_second).max(0.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Token(i64),
    Tenant(i64),
}

/// The buckets of one replica.
#[derive(Debug)]
pub struct Limiter {
    limits: RateLimits,
    buckets: Mutex<HashMap<Key, Bucket>>,
}

impl Limiter {
    pub fn new(limits: RateLimits) -> Limiter {
        Limiter {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// The configured limits.
    pub fn limits(&self) -> RateLimits {
        self.limits
    }

    /// Takes one token from both buckets, or says how long to wait.
    pub fn admit(&self, token: i64, tenant: i64, now: Instant) -> ScimResult<()> {
        let checks = [
            (Key::Token(token), self.limits.per_token, "token"),
            (Key::Tenant(tenant), self.limits.per_tenant, "tenant"),
        ];
        let mut buckets = self
            .buckets
            .lock()
            .map_err(|_| ScimError::Internal("rate limiter lock poisoned".into()))?;
        let mut wait: Option<(f64, &str)> = None;
        for (key, rate, _) in checks.iter().filter(|c| c.1.enabled()) {
            let b = buckets.entry(*key).or_insert(Bucket {
                tokens: rate.burst.max(1.0),
                at: now,
            });
            b.refill(*rate, now);
            if b.tokens < 1.0 {
                let w = b.wait(*rate);
                if wait.is_none_or(|(cur, _)| w > cur) {
                    wait = Some((
                        w,
                        checks.iter().find(|c| c.0 == *key).map_or("token", |c| c.2),
                    ));
                }
            }
        }
        if let Some((secs, scope)) = wait {
            let retry = secs.ceil().max(1.0) as u64;
            return Err(ScimError::TooManyRequests(
                format!("rate limit of this {scope} exceeded; retry after {retry} s"),
                retry,
            ));
        }
        for (key, rate, _) in checks.iter().filter(|c| c.1.enabled()) {
            if let Some(b) = buckets.get_mut(key) {
                b.tokens -= 1.0;
                let _ = rate;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn buckets_refill_and_isolate_tenants() {
        let l = Limiter::new(RateLimits {
            per_token: Rate {
                per_second: 10.0,
                burst: 5.0,
            },
            per_tenant: Rate {
                per_second: 100.0,
                burst: 8.0,
            },
        });
        let t0 = Instant::now();
        for _ in 0..5 {
            l.admit(1, 1, t0).unwrap();
        }
        let e = l.admit(1, 1, t0).unwrap_err();
        assert_eq!((e.status(), e.retry_after()), (429, Some(1)));
        // Another token of the same tenant still has tenant budget (8 - 5 = 3).
        for _ in 0..3 {
            l.admit(2, 1, t0).unwrap();
        }
        assert!(l.admit(2, 1, t0).unwrap_err().detail().contains("tenant"));
        // Another tenant is unaffected.
        l.admit(3, 2, t0).unwrap();
        // Time refills.
        l.admit(1, 1, t0 + Duration::from_millis(200)).unwrap();
        let off = Limiter::new(RateLimits {
            per_token: Rate::UNLIMITED,
            per_tenant: Rate::UNLIMITED,
        });
        for _ in 0..10_000 {
            off.admit(1, 1, t0).unwrap();
        }
    }
}
