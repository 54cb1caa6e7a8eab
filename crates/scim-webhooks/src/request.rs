//! The requests a webhook receives (`docs/events.md`, "Formats"):
//!
//! - `signed`: `POST` of `{"events": [SET, …]}` as `application/json`;
//! - `set`: one SET per `POST` as `application/secevent+jwt` (RFC 8935),
//!   an unsecured JWS.
//!
//! Both carry `X-Scimd-Timestamp`, `X-Scimd-Signature` (HMAC-SHA256 of
//! `"<timestamp>.<body>"` with the webhook's secret), `X-Scimd-Event-Ids`
//! (the `jti`s, comma-separated) and `X-Scimd-Webhook` (the webhook's id).

use crate::sign;
use crate::transport::Outgoing;
use scim_store::{Webhook, WebhookFormat};
use serde_json::{json, Value};

pub const TIMESTAMP: &str = "X-Scimd-Timestamp";
pub const SIGNATURE: &str = "X-Scimd-Signature";
pub const EVENT_IDS: &str = "X-Scimd-Event-Ids";
pub const WEBHOOK: &str = "X-Scimd-Webhook";

/// The request delivering `sets` (one for the `set` format) at `now_secs`.
pub fn build(hook: &Webhook, sets: &[Value], now_secs: i64) -> Outgoing {
    let (content_type, body) = match hook.format {
        WebhookFormat::Signed => ("application/json", json!({ "events": sets }).to_string()),
        WebhookFormat::Set => (
            "application/secevent+jwt",
            sets.first().map(sign::unsecured_jwt).unwrap_or_default(),
        ),
    };
    let ids: Vec<&str> = sets.iter().filter_map(|s| s["jti"].as_str()).collect();
    Outgoing {
        url: hook.url.clone(),
        allow_private: hook.allow_private,
        content_type,
        headers: vec![
            (TIMESTAMP, now_secs.to_string()),
            (
                SIGNATURE,
                sign::signature(&hook.secret, now_secs, body.as_bytes()),
            ),
            (EVENT_IDS, ids.join(",")),
            (WEBHOOK, hook.id.to_string()),
        ],
        body,
    }
}

/// Whether a status means delivered (2xx; RFC 8935 answers 202).
pub fn delivered(status: u16) -> bool {
    (200..300).contains(&status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_core::timestamp::Timestamp;
    use scim_store::TenantId;

    fn hook(format: WebhookFormat) -> Webhook {
        Webhook {
            id: 7,
            tenant: TenantId::from_db(1),
            url: "http://127.0.0.1:9/hook".into(),
            secret: "whsec_k".into(),
            format,
            full: true,
            created: Timestamp::from_unix_millis(0).unwrap_or_else(Timestamp::now_utc),
            cursor: 0,
            failures: 0,
            last_error: None,
            next_attempt: None,
            dead: 0,
            allow_private: true,
            disabled: None,
        }
    }

    fn header<'a>(o: &'a Outgoing, name: &str) -> &'a str {
        o.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    #[test]
    fn signed_batch() {
        let sets = [json!({"jti": "a"}), json!({"jti": "b"})];
        let o = build(&hook(WebhookFormat::Signed), &sets, 1_700_000_000);
        assert_eq!(o.content_type, "application/json");
        assert!(
            o.allow_private,
            "the webhook's allowance travels with its requests"
        );
        assert_eq!(o.body, r#"{"events":[{"jti":"a"},{"jti":"b"}]}"#);
        assert_eq!(header(&o, TIMESTAMP), "1700000000");
        assert_eq!(header(&o, EVENT_IDS), "a,b");
        assert_eq!(header(&o, WEBHOOK), "7");
        assert_eq!(
            header(&o, SIGNATURE),
            sign::signature("whsec_k", 1_700_000_000, o.body.as_bytes())
        );
    }

    #[test]
    fn set_push() {
        let o = build(&hook(WebhookFormat::Set), &[json!({"jti": "a"})], 5);
        assert_eq!(o.content_type, "application/secevent+jwt");
        assert!(o.body.ends_with('.'));
        assert_eq!(o.body.matches('.').count(), 2);
        assert_eq!(
            header(&o, SIGNATURE),
            sign::signature("whsec_k", 5, o.body.as_bytes())
        );
        assert!(delivered(202) && delivered(200) && !delivered(500) && !delivered(301));
    }
}
