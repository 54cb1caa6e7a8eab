//! Prometheus metrics (text exposition format 0.0.4), kept by hand to stay
//! lean: requests by route, method and status; latency histograms by route;
//! in-flight requests; rate-limit rejections. Exposed at `GET /metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

/// Histogram bucket bounds, in seconds.
const BUCKETS: [f64; 13] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
}

/// Appends more metric families to the exposition text.
type Source = Box<dyn Fn(&mut String) + Send + Sync>;

/// The metrics of one process.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    in_flight: AtomicI64,
    rate_limited: AtomicU64,
    sources: Mutex<Vec<Source>>,
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Adds metric families kept elsewhere (webhook delivery), rendered
    /// after the HTTP ones.
    pub fn add_source(&self, source: impl Fn(&mut String) + Send + Sync + 'static) {
        if let Ok(mut s) = self.sources.lock() {
            s.push(Box::new(source));
        }
    }

    /// A request started.
    pub fn start(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    /// A request finished.
    pub fn finish(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        if status == 429 {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        let Ok(mut m) = self.inner.lock() else { return };
        *m.requests
            .entry((route.to_string(), method.to_string(), status))
            .or_insert(0) += 1;
        let h = m.latency.entry(route.to_string()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// The exposition text; `extra` adds gauges `(name, help, value)`.
    pub fn render(&self, extra: &[(&str, &str, f64)]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP scimd_http_requests_total HTTP requests by route, method and status."
        );
        let _ = writeln!(out, "# TYPE scimd_http_requests_total counter");
        if let Ok(m) = self.inner.lock() {
            for ((route, method, status), n) in &m.requests {
                let _ = writeln!(out, "scimd_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}", escape(route), escape(method));
            }
            let _ = writeln!(
                out,
                "# HELP scimd_http_request_duration_seconds Request latency by route."
            );
            let _ = writeln!(out, "# TYPE scimd_http_request_duration_seconds histogram");
            for (route, h) in &m.latency {
                let r = escape(route);
                for (i, bound) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(out, "scimd_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"{bound}\"}} {}", h.counts[i]);
                }
                let _ = writeln!(
                    out,
                    "scimd_http_request_duration_seconds_bucket{{route=\"{r}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "scimd_http_request_duration_seconds_sum{{route=\"{r}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "scimd_http_request_duration_seconds_count{{route=\"{r}\"}} {}",
                    h.count
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP scimd_http_requests_in_flight Requests being served."
        );
        let _ = writeln!(out, "# TYPE scimd_http_requests_in_flight gauge");
        let _ = writeln!(
            out,
            "scimd_http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP scimd_rate_limited_total Requests refused with 429."
        );
        let _ = writeln!(out, "# TYPE scimd_rate_limited_total counter");
        let _ = writeln!(
            out,
            "scimd_rate_limited_total {}",
            self.rate_limited.load(Ordering::Relaxed)
        );
        for (name, help, value) in extra {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} gauge");
            let _ = writeln!(out, "{name} {value}");
        }
        if let Ok(sources) = self.sources.lock() {
            for source in sources.iter() {
                source(&mut out);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Metrics;

    #[test]
    fn exposition() {
        let m = Metrics::default();
        m.start();
        m.finish("/scim/v2/{resource}", "GET", 200, 0.003);
        m.start();
        m.finish("/scim/v2/{resource}", "GET", 429, 0.0001);
        let text = m.render(&[("scimd_up", "Always 1.", 1.0)]);
        assert!(text.contains("scimd_http_requests_total{route=\"/scim/v2/{resource}\",method=\"GET\",status=\"200\"} 1"));
        assert!(text.contains("scimd_http_request_duration_seconds_bucket{route=\"/scim/v2/{resource}\",le=\"0.005\"} 2"));
        assert!(text.contains("scimd_http_request_duration_seconds_bucket{route=\"/scim/v2/{resource}\",le=\"0.001\"} 1"));
        assert!(text.contains("scimd_rate_limited_total 1"));
        assert!(text.contains("scimd_http_requests_in_flight 0"));
        assert!(text.contains("scimd_up 1"));
        m.add_source(|out| out.push_str("scimd_extra 2\n"));
        assert!(m.render(&[]).ends_with("scimd_extra 2\n"));
    }
}
