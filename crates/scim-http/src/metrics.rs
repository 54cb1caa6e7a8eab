//! Prometheus metrics through `prometheus-client` (the Prometheus
//! project's Rust client), in the text exposition format 0.0.4: requests
//! by route, method and status; latency histograms by route; in-flight
//! requests; rate-limit rejections. Other parts of the process (webhook
//! delivery, the database pool, process and build information) register
//! their own metrics and collectors in the same [`Metrics`] registry.
//! Exposed at `GET /metrics` of the operations listener (`--ops-listen`).
//!
//! Invariant: a request touches only atomics and the read lock of its
//! label set's family; the registry's own lock is taken at registration
//! (start-up) and per scrape, never per request.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Metric, Registry};
use std::sync::Mutex;

/// The `Content-Type` of `/metrics`.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Histogram bucket bounds, in seconds.
const BUCKETS: [f64; 13] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The metrics of one process.
#[derive(Debug)]
pub struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    in_flight: Gauge,
    rate_limited: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let in_flight = Gauge::default();
        let rate_limited = Counter::default();
        let mut registry = Registry::default();
        registry.register(
            "scimd_http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "scimd_http_request_duration_seconds",
            "Request latency by route",
            latency.clone(),
        );
        registry.register(
            "scimd_http_requests_in_flight",
            "Requests being served",
            in_flight.clone(),
        );
        registry.register(
            "scimd_rate_limited",
            "Requests refused with 429",
            rate_limited.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            requests,
            latency,
            in_flight,
            rate_limited,
        }
    }
}

impl Metrics {
    /// Registers a metric (a counter, gauge or family the caller keeps a
    /// clone of and updates). `help` ends without a full stop (the encoder
    /// adds one).
    pub fn register(&self, name: &str, help: &str, metric: impl Metric) {
        if let Ok(mut r) = self.registry.lock() {
            r.register(name, help, metric);
        }
    }

    /// Registers a collector, asked for its values at every scrape (gauges
    /// read from elsewhere: the database pool, the process, webhook state).
    pub fn register_collector(&self, collector: impl Collector) {
        if let Ok(mut r) = self.registry.lock() {
            r.register_collector(Box::new(collector));
        }
    }

    /// A request started.
    pub fn start(&self) {
        self.in_flight.inc();
    }

    /// A request finished.
    pub fn finish(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.in_flight.dec();
        if status == 429 {
            self.rate_limited.inc();
        }
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                method: method.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(seconds);
    }

    /// The exposition text: every registered metric, then those of
    /// `scrape`, a registry made for this scrape (values read
    /// asynchronously, such as the circuit breakers from the database).
    pub fn render(&self, scrape: Option<&Registry>) -> String {
        use prometheus_client::encoding::prometheus_text::encode;
        let mut out = String::new();
        if let Ok(r) = self.registry.lock() {
            if let Err(e) = encode(&mut out, &r) {
                tracing::warn!(error = %e, "cannot encode the metrics");
            }
        }
        if let Some(r) = scrape {
            if let Err(e) = encode(&mut out, r) {
                tracing::warn!(error = %e, "cannot encode the metrics");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Metrics;
    use prometheus_client::metrics::gauge::Gauge;
    use prometheus_client::registry::Registry;

    #[test]
    fn exposition() {
        let m = Metrics::default();
        m.start();
        m.finish("/scim/v2/{resource}", "GET", 200, 0.003);
        m.start();
        m.finish("/scim/v2/{resource}", "GET", 429, 0.0001);
        let up = Gauge::<i64>::default();
        up.set(1);
        m.register("scimd_up", "Always 1", up);
        let text = m.render(None);
        for line in [
            "# TYPE scimd_http_requests_total counter\n",
            "scimd_http_requests_total{route=\"/scim/v2/{resource}\",method=\"GET\",status=\"200\"} 1\n",
            "# TYPE scimd_http_request_duration_seconds histogram\n",
            "scimd_http_request_duration_seconds_bucket{route=\"/scim/v2/{resource}\",le=\"0.005\"} 2\n",
            "scimd_http_request_duration_seconds_bucket{route=\"/scim/v2/{resource}\",le=\"0.001\"} 1\n",
            "scimd_http_request_duration_seconds_bucket{route=\"/scim/v2/{resource}\",le=\"+Inf\"} 2\n",
            "scimd_http_request_duration_seconds_count{route=\"/scim/v2/{resource}\"} 2\n",
            "scimd_rate_limited_total 1\n",
            "scimd_http_requests_in_flight 0\n",
            "# HELP scimd_up Always 1.\n",
            "scimd_up 1\n",
        ] {
            assert!(text.contains(line), "{line:?} missing from\n{text}");
        }
        let scrape_gauge = Gauge::<i64>::default();
        scrape_gauge.set(2);
        let mut scrape = Registry::default();
        scrape.register("scimd_extra", "Read per scrape", scrape_gauge);
        assert!(m.render(Some(&scrape)).ends_with("scimd_extra 2\n"));
    }
}
