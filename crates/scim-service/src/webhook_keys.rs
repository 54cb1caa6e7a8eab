//! Webhook signing secrets at rest (`docs/events.md`, "Secrets at rest"):
//! stores keep them sealed with ChaCha20-Poly1305 (RFC 8439, `ring`'s
//! AEAD, already in the build for TLS) under a key from configuration,
//! never in clear, so a copy of the database alone does not yield them.
//!
//! A [`Keyring`] is read from a key file: one key per line, 64 hex digits
//! (256 bits); `#` comments and blank lines are ignored. The first key
//! seals; every key opens. A sealed secret names its key by an id (the
//! first 8 hex digits of a SHA-256 of the key), so a rotation adds the new
//! key first, keeps the old one below until [`crate::Maintenance::seal_webhook_secrets`]
//! has re-sealed everything, then drops it.
//!
//! Sealed form: `scimd-sealed:v1:<key id>:<hex(nonce ‖ ciphertext ‖ tag)>`,
//! a random 96-bit nonce per sealing, and the tenant's id as associated
//! data, so a sealed secret copied to another tenant's webhook does not
//! open. A secret without the prefix is one stored in clear by an earlier
//! release: it opens as is, and sealing it is the migration.

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use sha2::{Digest, Sha256};

/// The prefix of a sealed secret.
pub const SEALED: &str = "scimd-sealed:v1:";

/// Keys for webhook secrets; the first seals. Never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Keyring {
    keys: Vec<[u8; 32]>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<String> = self.keys.iter().map(key_id).collect();
        write!(f, "Keyring({ids:?})")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

fn key_id(key: &[u8; 32]) -> String {
    let mut h = Sha256::new();
    h.update(b"scimd webhook key id\0");
    h.update(key);
    hex(&h.finalize()[..4])
}

fn aad(tenant: i64) -> String {
    format!("scimd webhook secret of tenant {tenant}")
}

impl Keyring {
    /// No key: nothing can be sealed; secrets stored in clear still open.
    pub fn empty() -> Keyring {
        Keyring::default()
    }

    /// Parses a key file.
    pub fn parse(text: &str) -> Result<Keyring, String> {
        let mut keys = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let key: [u8; 32] = unhex(line)
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| format!("line {}: a key is 64 hex digits", i + 1))?;
            keys.push(key);
        }
        if keys.is_empty() {
            return Err("the key file holds no key".into());
        }
        Ok(Keyring { keys })
    }

    /// The text of a key file with one new random key.
    pub fn generate_file() -> Result<String, String> {
        let mut key = [0u8; 32];
        crate::ids::random_bytes(&mut key)?;
        Ok(format!(
            "# scimd webhook secret keys: one per line, 64 hex digits; the first seals, all open.\n{}\n",
            hex(&key)
        ))
    }

    /// Whether there is a key to seal with.
    pub fn can_seal(&self) -> bool {
        !self.keys.is_empty()
    }

    /// The id of the sealing key.
    pub fn current_id(&self) -> Option<String> {
        self.keys.first().map(key_id)
    }

    /// Seals a webhook's secret for the tenant `tenant` (its database id).
    pub fn seal(&self, tenant: i64, secret: &str) -> Result<String, String> {
        let key = self
            .keys
            .first()
            .ok_or("no key to seal webhook secrets with: configure --webhook-key-file")?;
        let sealing = LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, key).map_err(|_| "bad webhook key")?,
        );
        let mut nonce = [0u8; NONCE_LEN];
        crate::ids::random_bytes(&mut nonce)?;
        let mut data = secret.as_bytes().to_vec();
        sealing
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(tenant)),
                &mut data,
            )
            .map_err(|_| "cannot seal the webhook secret")?;
        Ok(format!(
            "{SEALED}{}:{}{}",
            key_id(key),
            hex(&nonce),
            hex(&data)
        ))
    }

    /// A stored secret in clear: opened when sealed, as is when an earlier
    /// release stored it in clear.
    pub fn open(&self, tenant: i64, stored: &str) -> Result<String, String> {
        let Some(rest) = stored.strip_prefix(SEALED) else {
            return Ok(stored.to_string());
        };
        let (id, body) = rest.split_once(':').ok_or("malformed sealed secret")?;
        let key = self.keys.iter().find(|k| key_id(k) == id).ok_or_else(|| {
            format!("the webhook secret is sealed with key {id}, which is not configured")
        })?;
        let bytes = unhex(body).ok_or("malformed sealed secret")?;
        if bytes.len() < NONCE_LEN {
            return Err("malformed sealed secret".into());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce =
            Nonce::try_assume_unique_for_key(nonce).map_err(|_| "malformed sealed secret")?;
        let opening = LessSafeKey::new(
            UnboundKey::new(&CHACHA20_POLY1305, key).map_err(|_| "bad webhook key")?,
        );
        let mut data = sealed.to_vec();
        let plain = opening
            .open_in_place(nonce, Aad::from(aad(tenant)), &mut data)
            .map_err(|_| format!("the webhook secret does not open with key {id}"))?;
        String::from_utf8(plain.to_vec()).map_err(|_| "the webhook secret is not text".into())
    }

    /// Whether a stored secret is sealed with the sealing key (else it is
    /// in clear or under an older key: [`crate::Maintenance::seal_webhook_secrets`]
    /// seals it again).
    pub fn is_current(&self, stored: &str) -> bool {
        match (self.current_id(), stored.strip_prefix(SEALED)) {
            (Some(id), Some(rest)) => rest.split_once(':').is_some_and(|(k, _)| k == id),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_rotate() {
        let old = Keyring::parse(&Keyring::generate_file().unwrap()).unwrap();
        let sealed = old.seal(3, "whsec_abc").unwrap();
        assert!(sealed.starts_with(SEALED) && !sealed.contains("whsec_abc"));
        assert_ne!(
            sealed,
            old.seal(3, "whsec_abc").unwrap(),
            "a nonce per sealing"
        );
        assert_eq!(old.open(3, &sealed).unwrap(), "whsec_abc");
        assert!(old.open(4, &sealed).is_err(), "bound to its tenant");
        assert!(old.is_current(&sealed));
        // In clear from an earlier release: opens as is, not current.
        assert_eq!(old.open(3, "whsec_old").unwrap(), "whsec_old");
        assert!(!old.is_current("whsec_old"));
        // Rotation: the new key first, the old one kept below.
        let new_file = Keyring::generate_file().unwrap();
        let old_line = format!("{}\n", hex(&old.keys[0]));
        let both = Keyring::parse(&format!("{new_file}{old_line}")).unwrap();
        assert!(!both.is_current(&sealed));
        assert_eq!(both.open(3, &sealed).unwrap(), "whsec_abc");
        let resealed = both.seal(3, "whsec_abc").unwrap();
        let only_new = Keyring::parse(&new_file).unwrap();
        assert_eq!(only_new.open(3, &resealed).unwrap(), "whsec_abc");
        assert!(only_new
            .open(3, &sealed)
            .unwrap_err()
            .contains("not configured"));
        // Tampering is detected.
        let mut bad = resealed.clone();
        bad.pop();
        bad.push(if resealed.ends_with('0') { '1' } else { '0' });
        assert!(only_new.open(3, &bad).is_err());
        assert!(Keyring::empty().seal(1, "x").is_err());
        assert!(Keyring::parse("# only a comment\n").is_err());
        assert!(Keyring::parse("abcd\n").is_err());
        assert!(!format!("{both:?}").contains(&hex(&old.keys[0])));
    }
}
