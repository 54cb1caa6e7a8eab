//! A token's last use, recorded at most once a minute per token, so that
//! authenticating stays a read: each process remembers when it last wrote
//! a token's use, and the stored value (read with the token anyway) tells
//! it when another replica did. A use is written, off the request path,
//! only when both are a minute old; a failed write is logged, never a
//! failed request.

use scim_core::timestamp::Timestamp;
use std::collections::HashMap;
use std::sync::Mutex;

/// How often a token's use is written at most.
pub const RESOLUTION_MS: i64 = 60_000;
/// Entries kept before the stale ones are dropped (tokens are few; this
/// bounds the map whatever happens).
const MAX_ENTRIES: usize = 10_000;

/// When this process last wrote each token's use.
#[derive(Debug, Default)]
pub struct TokenUses {
    written: Mutex<HashMap<i64, i64>>,
}

impl TokenUses {
    /// Whether a use of `token` at `now` is to be written, given the use
    /// stored with the token; when it is, remembers it as written.
    pub fn due(&self, token: i64, stored: Option<Timestamp>, now: Timestamp) -> bool {
        let now = now.unix_millis();
        if stored.is_some_and(|s| now - s.unix_millis() < RESOLUTION_MS) {
            return false;
        }
        let Ok(mut written) = self.written.lock() else {
            return false;
        };
        if written
            .get(&token)
            .is_some_and(|w| now - *w < RESOLUTION_MS)
        {
            return false;
        }
        if written.len() >= MAX_ENTRIES {
            written.retain(|_, w| now - *w < RESOLUTION_MS);
        }
        written.insert(token, now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_unix_millis(1_700_000_000_000 + secs * 1000).unwrap()
    }

    #[test]
    fn at_most_once_a_minute_per_token() {
        let u = TokenUses::default();
        assert!(u.due(1, None, at(0)), "the first use is written");
        assert!(!u.due(1, None, at(1)), "not again within the minute");
        assert!(!u.due(1, None, at(59)));
        assert!(u.due(2, None, at(1)), "each token has its own minute");
        assert!(u.due(1, None, at(60)), "a minute later, again");
        // Another replica wrote it recently: nothing to do here.
        assert!(!u.due(3, Some(at(100)), at(130)));
        assert!(u.due(3, Some(at(100)), at(160)));
    }
}
