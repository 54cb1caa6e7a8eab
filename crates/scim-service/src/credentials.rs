//! Credentials kept between requests, so that authenticating a request
//! reads no database while nothing changed.
//!
//! A credential (a token with its connection and tenant) is kept with the
//! store's credential epoch it was read under
//! ([`scim_store::Store::credential_epoch`]), sampled before the read.
//! Every write that may change a credential, by this process or another
//! one (the command line, the console, an operator's script), moves the
//! epoch once it committed, and the next request reads the credential
//! again: a revoked token stops working at once. Stores that cannot tell
//! cheaply (PostgreSQL, whose replicas share no files) have no epoch, and
//! every request reads its credential.
//!
//! Bounds: at most [`MAX_KEPT`] credentials (the map is emptied when
//! full), each for at most [`MAX_AGE`] (a process that committed a change
//! and died before moving the epoch is not trusted beyond that).

use scim_store::Credential;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How many credentials are kept at most.
pub const MAX_KEPT: usize = 10_000;
/// How long a credential is kept at most.
pub const MAX_AGE: Duration = Duration::from_secs(60);

struct Kept {
    credential: Arc<Credential>,
    epoch: u64,
    read: Instant,
}

/// The kept credentials, by the SHA-256 hash of their token.
#[derive(Default)]
pub struct Credentials {
    kept: Mutex<HashMap<Vec<u8>, Kept>>,
}

impl Credentials {
    /// The credential of `hash` read under `epoch`, if it is kept and not
    /// too old at `now`.
    pub fn get(&self, hash: &[u8], epoch: u64, now: Instant) -> Option<Arc<Credential>> {
        let kept = self.kept.lock().ok()?;
        let k = kept.get(hash)?;
        (k.epoch == epoch && now.saturating_duration_since(k.read) < MAX_AGE)
            .then(|| k.credential.clone())
    }

    /// Keeps `credential`, read at `now` under `epoch` (sampled before the
    /// read).
    pub fn keep(&self, hash: &[u8], credential: Arc<Credential>, epoch: u64, now: Instant) {
        let Ok(mut kept) = self.kept.lock() else {
            return;
        };
        if kept.len() >= MAX_KEPT && !kept.contains_key(hash) {
            kept.clear();
        }
        let read = now;
        kept.insert(
            hash.to_vec(),
            Kept {
                credential,
                epoch,
                read,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_core::timestamp::Timestamp;
    use scim_store::{Connection, ConnectionId, Tenant, TenantId, TokenRecord};

    fn credential(n: i64) -> Arc<Credential> {
        let t = Timestamp::from_unix_millis(0).unwrap();
        Arc::new(Credential {
            token: TokenRecord {
                id: n,
                tenant: TenantId::from_db(1),
                connection: ConnectionId::from_db(1),
                name: format!("t{n}"),
                prefix: String::new(),
                hash: vec![n as u8; 32],
                created: t,
                expires: None,
                revoked: None,
                last_used: None,
            },
            connection: Connection {
                id: ConnectionId::from_db(1),
                tenant: TenantId::from_db(1),
                name: "c".into(),
                profile: Default::default(),
                policy: Default::default(),
                created: t,
            },
            tenant: Tenant {
                id: TenantId::from_db(1),
                name: "t".into(),
                created: t,
                settings: Default::default(),
                schema_version: 0,
            },
        })
    }

    #[test]
    fn kept_while_the_epoch_holds_and_not_too_long() {
        let c = Credentials::default();
        let t0 = Instant::now();
        let h = [1u8; 32];
        assert!(c.get(&h, 7, t0).is_none());
        c.keep(&h, credential(1), 7, t0);
        assert_eq!(c.get(&h, 7, t0).unwrap().token.id, 1);
        assert!(c.get(&h, 8, t0).is_none(), "the epoch moved");
        assert!(c.get(&[2u8; 32], 7, t0).is_none(), "another token");
        assert!(c.get(&h, 7, t0 + MAX_AGE).is_none(), "too old");
        assert!(c
            .get(&h, 7, t0 + MAX_AGE - Duration::from_millis(1))
            .is_some());
    }

    #[test]
    fn bounded() {
        let c = Credentials::default();
        let t0 = Instant::now();
        for n in 0..(MAX_KEPT as i64 + 5) {
            c.keep(&n.to_be_bytes(), credential(n), 1, t0);
        }
        assert!(c.kept.lock().unwrap().len() <= MAX_KEPT);
    }
}
