//! Webhook delivery metrics, a `prometheus-client` collector registered in
//! the server's registry (`/metrics`). Per webhook:
//!
//! - gauges read from the database every tick (so every replica reports the
//!   same values, whoever delivers): the pending depth, dead letters, the
//!   consecutive failures of the event at the head of the queue, and the
//!   last error (an info gauge whose `error` label is the error text);
//! - counters of this process: events delivered and failed attempts.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use scim_store::Webhook;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The longest error text put in a label.
const ERROR_LABEL_MAX: usize = 200;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Hook {
    pending: u64,
    dead: u64,
    consecutive: u64,
    last_error: Option<String>,
    delivered: u64,
    failures: u64,
}

/// A metric family: name, type, help, and its value for a webhook.
type Family = (&'static str, MetricType, &'static str, fn(&Hook) -> u64);

/// The delivery metrics of one process.
#[derive(Debug, Default)]
pub struct WebhookMetrics {
    hooks: Mutex<BTreeMap<i64, Hook>>,
}

/// An error text as a label value: at most [`ERROR_LABEL_MAX`]
/// characters, control characters but newlines as spaces (the encoder
/// escapes backslashes, quotes and newlines).
fn label_value(s: &str) -> String {
    s.chars()
        .take(ERROR_LABEL_MAX)
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

impl WebhookMetrics {
    fn with(&self, id: i64, f: impl FnOnce(&mut Hook)) {
        if let Ok(mut m) = self.hooks.lock() {
            f(m.entry(id).or_default());
        }
    }

    /// Sets a webhook's gauges from its stored state and pending depth.
    pub fn status(&self, hook: &Webhook, pending: u64) {
        self.with(hook.id, |h| {
            h.pending = pending;
            h.dead = hook.dead;
            h.consecutive = u64::from(hook.failures);
            h.last_error.clone_from(&hook.last_error);
        });
    }

    /// Counts delivered events.
    pub fn delivered(&self, id: i64, events: u64) {
        self.with(id, |h| h.delivered += events);
    }

    /// Counts a failed attempt.
    pub fn failed(&self, id: i64) {
        self.with(id, |h| h.failures += 1);
    }

    /// Forgets webhooks that no longer exist.
    pub fn retain(&self, ids: &[i64]) {
        if let Ok(mut m) = self.hooks.lock() {
            m.retain(|id, _| ids.contains(id));
        }
    }
}

impl Collector for WebhookMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Ok(m) = self.hooks.lock() else {
            return Ok(());
        };
        let families: [Family; 5] = [
            (
                "scimd_webhook_pending",
                MetricType::Gauge,
                "Events not yet delivered, per webhook.",
                |h| h.pending,
            ),
            (
                "scimd_webhook_dead_letters",
                MetricType::Gauge,
                "Events whose delivery exhausted its retries, per webhook.",
                |h| h.dead,
            ),
            (
                "scimd_webhook_consecutive_failures",
                MetricType::Gauge,
                "Consecutive failed attempts of the event at the head of the queue (0 once delivered), per webhook.",
                |h| h.consecutive,
            ),
            (
                "scimd_webhook_delivered",
                MetricType::Counter,
                "Events delivered by this process, per webhook.",
                |h| h.delivered,
            ),
            (
                "scimd_webhook_failures",
                MetricType::Counter,
                "Failed delivery attempts of this process, per webhook.",
                |h| h.failures,
            ),
        ];
        for (name, kind, help, value) in families {
            let mut family = encoder.encode_descriptor(name, help, None, kind)?;
            for (id, h) in m.iter() {
                let labels = [("webhook", id.to_string())];
                let metric = family.encode_family(&labels)?;
                if matches!(kind, MetricType::Counter) {
                    ConstCounter::new(value(h)).encode(metric)?;
                } else {
                    ConstGauge::new(i64::try_from(value(h)).unwrap_or(i64::MAX)).encode(metric)?;
                }
            }
        }
        let mut family = encoder.encode_descriptor(
            "scimd_webhook_last_error_info",
            "The last delivery error of a webhook (kept after recovery), in the error label; always 1.",
            None,
            MetricType::Gauge,
        )?;
        for (id, h) in m.iter() {
            if let Some(e) = &h.last_error {
                let labels = [("webhook", id.to_string()), ("error", label_value(e))];
                ConstGauge::new(1i64).encode(family.encode_family(&labels)?)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::WebhookMetrics;
    use scim_core::timestamp::Timestamp;
    use scim_store::{TenantId, Webhook, WebhookFormat};
    use std::sync::Arc;

    fn render(m: &Arc<WebhookMetrics>) -> String {
        let mut registry = prometheus_client::registry::Registry::default();
        registry.register_collector(Box::new(m.clone()));
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &registry).unwrap();
        out
    }

    fn hook(id: i64, failures: u32, last_error: Option<&str>, dead: u64) -> Webhook {
        Webhook {
            id,
            tenant: TenantId::from_db(1),
            url: "http://127.0.0.1:9/hook".into(),
            secret: "whsec_x".into(),
            format: WebhookFormat::Signed,
            full: true,
            created: Timestamp::from_unix_millis(0).unwrap(),
            cursor: 0,
            failures,
            last_error: last_error.map(String::from),
            next_attempt: None,
            dead,
            allow_private: false,
            disabled: None,
        }
    }

    #[test]
    fn exposition() {
        let m = Arc::new(WebhookMetrics::default());
        m.status(&hook(3, 4, Some("connect: \"refused\"\nby peer"), 1), 5);
        m.delivered(3, 2);
        m.failed(3);
        m.status(&hook(4, 0, None, 0), 0);
        m.status(&hook(5, 0, Some("HTTP 500"), 0), 0);
        m.retain(&[3, 5]);
        let out = render(&m);
        for line in [
            "scimd_webhook_pending{webhook=\"3\"} 5\n",
            "scimd_webhook_dead_letters{webhook=\"3\"} 1\n",
            "scimd_webhook_consecutive_failures{webhook=\"3\"} 4\n",
            "scimd_webhook_consecutive_failures{webhook=\"5\"} 0\n",
            "scimd_webhook_delivered_total{webhook=\"3\"} 2\n",
            "scimd_webhook_failures_total{webhook=\"3\"} 1\n",
            "# TYPE scimd_webhook_failures_total counter\n",
            "# TYPE scimd_webhook_consecutive_failures gauge\n",
            "scimd_webhook_last_error_info{webhook=\"3\",error=\"connect: \\\"refused\\\"\\nby peer\"} 1\n",
            "scimd_webhook_last_error_info{webhook=\"5\",error=\"HTTP 500\"} 1\n",
        ] {
            assert!(out.contains(line), "{line:?} missing from\n{out}");
        }
        assert!(!out.contains("webhook=\"4\""));
        // The gauges follow the stored state: a recovery clears the count.
        m.status(&hook(3, 0, Some("HTTP 500"), 0), 0);
        let out = render(&m);
        assert!(out.contains("scimd_webhook_consecutive_failures{webhook=\"3\"} 0\n"));
        assert!(out.contains("scimd_webhook_last_error_info{webhook=\"3\",error=\"HTTP 500\"} 1\n"));
        assert!(!out.contains("refused"));
    }

    #[test]
    fn long_errors_are_cut() {
        let long = "x".repeat(1000);
        assert_eq!(super::label_value(&long).len(), super::ERROR_LABEL_MAX);
    }
}
