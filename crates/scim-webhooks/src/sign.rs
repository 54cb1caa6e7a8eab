//! Webhook signatures and the unsecured JWS of RFC 8935 SET push
//! (`docs/events.md`, "Verifying a delivery").
//!
//! `X-Scimd-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
//! with `X-Scimd-Timestamp: <unix seconds>`: the timestamp is signed with
//! the body, so a receiver that refuses old timestamps refuses replays.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// The signature scheme's version prefix.
pub const VERSION: &str = "v1";

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => return [0; 32],
    };
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `X-Scimd-Signature` value of a body sent at `timestamp`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut message = format!("{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    format!(
        "{VERSION}={}",
        hex(&hmac_sha256(secret.as_bytes(), &message))
    )
}

/// A SET as an unsecured JWS (RFC 7515 §A.5; RFC 8417 §2.2):
/// `base64url(header).base64url(claims).` with `"alg": "none"`.
pub fn unsecured_jwt(claims: &Value) -> String {
    let header = r#"{"alg":"none","typ":"secevent+jwt"}"#;
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc4231_vectors() {
        // Test case 1 and 2 of RFC 4231.
        assert_eq!(
            hex(&hmac_sha256(&[0x0b; 20], b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn signature_covers_timestamp_and_body() {
        let s = signature("whsec_x", 1_700_000_000, b"{\"events\":[]}");
        assert!(s.starts_with("v1="));
        assert_eq!(s.len(), 3 + 64);
        assert_ne!(s, signature("whsec_x", 1_700_000_001, b"{\"events\":[]}"));
        assert_ne!(s, signature("whsec_y", 1_700_000_000, b"{\"events\":[]}"));
        assert_ne!(s, signature("whsec_x", 1_700_000_000, b"{\"events\":[1]}"));
        let mut msg = b"1700000000.".to_vec();
        msg.extend_from_slice(b"{\"events\":[]}");
        assert_eq!(s, format!("v1={}", hex(&hmac_sha256(b"whsec_x", &msg))));
    }

    #[test]
    fn unsecured_jws() {
        let jwt = unsecured_jwt(&json!({"jti": "a"}));
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2], "");
        let header = URL_SAFE_NO_PAD.decode(parts[0]).unwrap_or_default();
        assert_eq!(header, br#"{"alg":"none","typ":"secevent+jwt"}"#);
        let claims = URL_SAFE_NO_PAD.decode(parts[1]).unwrap_or_default();
        assert_eq!(claims, br#"{"jti":"a"}"#);
    }
}
