//! Failed bearer authentication, limited per client address.
//!
//! Each address has a token bucket that only failures (401) drain. A
//! request from an address whose bucket is empty is refused with 429 and
//! `Retry-After` before its token is looked up, so guessing or flooding
//! with bad tokens costs the attacker time and the database nothing.
//!
//! - IPv6 addresses count per /64 (what one host or site usually holds);
//!   IPv4 addresses one by one.
//! - A token that authenticated recently is remembered by its SHA-256 (in
//!   memory, at most [`MAX_KNOWN`] of them): its requests pass even from an
//!   address that is refused, so an identity provider sharing its egress
//!   addresses with an attacker (or with a misconfigured tenant of the same
//!   IdP) is not locked out. It is forgotten the moment it fails.
//! - At most [`MAX_BUCKETS`] addresses are tracked; beyond, full buckets
//!   are forgotten, and when every tracked one is in use new addresses
//!   share one overflow bucket, so memory stays bounded however many
//!   addresses an attacker has.
//!
//! Limits are per replica. The caller passes the time, so tests control it.

use crate::ratelimit::Rate;
use scim_core::{ScimError, ScimResult};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// The most addresses tracked.
pub const MAX_BUCKETS: usize = 100_000;
/// The most recently good tokens remembered.
pub const MAX_KNOWN: usize = 10_000;

/// The default: 20 failures at once, then one a second.
pub const DEFAULT_RATE: Rate = Rate {
    per_second: 1.0,
    burst: 20.0,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    V4(u32),
    V6Net(u64),
    Overflow,
}

fn key_of(a: IpAddr) -> Key {
    match a {
        IpAddr::V4(v4) => Key::V4(u32::from(v4)),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => Key::V4(u32::from(v4)),
            None => Key::V6Net((u128::from(v6) >> 64) as u64),
        },
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refill(&mut self, rate: Rate, now: Instant) -> f64 {
        let dt = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + dt * rate.per_second).min(rate.burst.max(1.0));
        self.at = now;
        self.tokens
    }
}

#[derive(Debug, Default)]
struct State {
    buckets: HashMap<Key, Bucket>,
    known: HashSet<Vec<u8>>,
}

/// The failure buckets of one replica.
#[derive(Debug)]
pub struct AuthFailureLimiter {
    rate: Rate,
    state: Mutex<State>,
}

impl AuthFailureLimiter {
    /// `rate.per_second == 0` disables the limit.
    pub fn new(rate: Rate) -> AuthFailureLimiter {
        AuthFailureLimiter {
            rate,
            state: Mutex::new(State::default()),
        }
    }

    fn enabled(&self) -> bool {
        self.rate.per_second > 0.0
    }

    fn lock(&self) -> ScimResult<std::sync::MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| ScimError::Internal("authentication limiter lock poisoned".into()))
    }

    /// Before the token lookup: 429 if `address` used up its failures,
    /// unless `token` (its SHA-256) authenticated recently.
    pub fn check(&self, address: IpAddr, token: Option<&[u8]>, now: Instant) -> ScimResult<()> {
        if !self.enabled() {
            return Ok(());
        }
        let mut s = self.lock()?;
        if token.is_some_and(|t| s.known.contains(t)) {
            return Ok(());
        }
        let mut key = key_of(address);
        if !s.buckets.contains_key(&key) {
            // An untracked address while the table is full shares the
            // overflow bucket; otherwise it has failed nothing yet.
            if s.buckets.len() < MAX_BUCKETS {
                return Ok(());
            }
            key = Key::Overflow;
        }
        let rate = self.rate;
        let Some(tokens) = s.buckets.get_mut(&key).map(|b| b.refill(rate, now)) else {
            return Ok(());
        };
        if tokens >= 1.0 {
            return Ok(());
        }
        let retry = ((1.0 - tokens) / self.rate.per_second).ceil().max(1.0) as u64;
        Err(ScimError::TooManyRequests(
            format!("too many failed authentications from this address; retry after {retry} s"),
            retry,
        ))
    }

    /// A request from `address` failed authentication.
    pub fn failed(&self, address: IpAddr, token: Option<&[u8]>, now: Instant) {
        if !self.enabled() {
            return;
        }
        let Ok(mut s) = self.lock() else { return };
        if let Some(t) = token {
            s.known.remove(t);
        }
        let mut key = key_of(address);
        if !s.buckets.contains_key(&key) && s.buckets.len() >= MAX_BUCKETS {
            let rate = self.rate;
            s.buckets
                .retain(|k, b| *k == Key::Overflow || b.refill(rate, now) < rate.burst);
            if s.buckets.len() >= MAX_BUCKETS {
                key = Key::Overflow;
            }
        }
        let burst = self.rate.burst.max(1.0);
        let b = s.buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        b.refill(self.rate, now);
        b.tokens = (b.tokens - 1.0).max(-burst);
    }

    /// A request authenticated with `token`: remember it.
    pub fn succeeded(&self, token: &[u8]) {
        if !self.enabled() {
            return;
        }
        let Ok(mut s) = self.lock() else { return };
        if s.known.contains(token) {
            return;
        }
        if s.known.len() >= MAX_KNOWN {
            s.known.clear();
        }
        s.known.insert(token.to_vec());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::time::Duration;

    fn limiter() -> AuthFailureLimiter {
        AuthFailureLimiter::new(Rate {
            per_second: 1.0,
            burst: 3.0,
        })
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn failures_drain_the_address_and_time_refills_it() {
        let l = limiter();
        let t0 = Instant::now();
        let a = ip("198.51.100.7");
        for _ in 0..3 {
            l.check(a, None, t0).unwrap();
            l.failed(a, None, t0);
        }
        let e = l.check(a, None, t0).unwrap_err();
        assert_eq!((e.status(), e.retry_after()), (429, Some(1)));
        // Another address is unaffected; successes cost nothing.
        l.check(ip("198.51.100.8"), None, t0).unwrap();
        for _ in 0..100 {
            l.succeeded(b"good");
        }
        l.check(a, None, t0 + Duration::from_secs(1)).unwrap();
        // Failing on while refused digs deeper, up to one burst.
        for _ in 0..50 {
            l.failed(a, None, t0);
        }
        let e = l.check(a, None, t0).unwrap_err();
        assert_eq!(e.retry_after(), Some(4));
    }

    #[test]
    fn a_known_good_token_passes_until_it_fails() {
        let l = limiter();
        let t0 = Instant::now();
        let shared = ip("203.0.113.5");
        l.succeeded(b"idp-token");
        for _ in 0..10 {
            l.failed(shared, Some(b"guess"), t0);
        }
        assert!(l.check(shared, Some(b"guess"), t0).is_err());
        l.check(shared, Some(b"idp-token"), t0).unwrap();
        // Revoked: it fails once, and is refused like any other.
        l.failed(shared, Some(b"idp-token"), t0);
        assert!(l.check(shared, Some(b"idp-token"), t0).is_err());
    }

    #[test]
    fn ipv6_counts_per_64() {
        let l = limiter();
        let t0 = Instant::now();
        for i in 0..3 {
            l.failed(ip(&format!("2001:db8:1:2::{i}")), None, t0);
        }
        assert!(l.check(ip("2001:db8:1:2:ffff::1"), None, t0).is_err());
        l.check(ip("2001:db8:1:3::1"), None, t0).unwrap();
        // IPv4-mapped addresses are their IPv4 address.
        for _ in 0..3 {
            l.failed(ip("192.0.2.1"), None, t0);
        }
        assert!(l.check(ip("::ffff:192.0.2.1"), None, t0).is_err());
    }

    #[test]
    fn many_addresses_share_the_overflow_bucket() {
        let l = limiter();
        let t0 = Instant::now();
        for i in 0..(MAX_BUCKETS as u32 + 10) {
            l.failed(IpAddr::V4(std::net::Ipv4Addr::from(i)), None, t0);
        }
        let s = l.state.lock().unwrap();
        assert!(s.buckets.len() <= MAX_BUCKETS + 1);
        drop(s);
        // New addresses beyond the table share the drained overflow bucket.
        assert!(l
            .check(IpAddr::V4(std::net::Ipv4Addr::from(u32::MAX)), None, t0)
            .is_err());
        let off = AuthFailureLimiter::new(Rate::UNLIMITED);
        for _ in 0..100 {
            off.failed(ip("192.0.2.9"), None, t0);
        }
        off.check(ip("192.0.2.9"), None, t0).unwrap();
    }
}
