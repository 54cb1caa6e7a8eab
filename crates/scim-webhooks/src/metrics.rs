//! Webhook delivery metrics in the Prometheus text format, appended to
//! `/metrics` by the server: per webhook, the pending depth and dead
//! letters (gauges, refreshed every tick), and events delivered and
//! failed attempts (counters of this process).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Hook {
    pending: u64,
    dead: u64,
    delivered: u64,
    failures: u64,
}

/// A metric family: name, type, help, and its value for a webhook.
type Family = (&'static str, &'static str, &'static str, fn(&Hook) -> u64);

/// The delivery metrics of one process.
#[derive(Debug, Default)]
pub struct WebhookMetrics {
    hooks: Mutex<BTreeMap<i64, Hook>>,
}

impl WebhookMetrics {
    fn with(&self, id: i64, f: impl FnOnce(&mut Hook)) {
        if let Ok(mut m) = self.hooks.lock() {
            f(m.entry(id).or_default());
        }
    }

    /// Sets a webhook's gauges.
    pub fn status(&self, id: i64, pending: u64, dead: u64) {
        self.with(id, |h| {
            h.pending = pending;
            h.dead = dead;
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

    /// Appends the exposition text.
    pub fn render(&self, out: &mut String) {
        let Ok(m) = self.hooks.lock() else { return };
        let families: [Family; 4] = [
            (
                "scimd_webhook_pending",
                "gauge",
                "Events not yet delivered, per webhook.",
                |h| h.pending,
            ),
            (
                "scimd_webhook_dead_letters",
                "gauge",
                "Events whose delivery exhausted its retries, per webhook.",
                |h| h.dead,
            ),
            (
                "scimd_webhook_delivered_total",
                "counter",
                "Events delivered by this process, per webhook.",
                |h| h.delivered,
            ),
            (
                "scimd_webhook_failures_total",
                "counter",
                "Failed delivery attempts of this process, per webhook.",
                |h| h.failures,
            ),
        ];
        for (name, kind, help, value) in families {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (id, h) in m.iter() {
                let _ = writeln!(out, "{name}{{webhook=\"{id}\"}} {}", value(h));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WebhookMetrics;

    #[test]
    fn exposition() {
        let m = WebhookMetrics::default();
        m.status(3, 5, 1);
        m.delivered(3, 2);
        m.failed(3);
        m.status(4, 0, 0);
        m.retain(&[3]);
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains("scimd_webhook_pending{webhook=\"3\"} 5\n"));
        assert!(out.contains("scimd_webhook_dead_letters{webhook=\"3\"} 1\n"));
        assert!(out.contains("scimd_webhook_delivered_total{webhook=\"3\"} 2\n"));
        assert!(out.contains("scimd_webhook_failures_total{webhook=\"3\"} 1\n"));
        assert!(out.contains("# TYPE scimd_webhook_failures_total counter\n"));
        assert!(!out.contains("webhook=\"4\""));
    }
}
