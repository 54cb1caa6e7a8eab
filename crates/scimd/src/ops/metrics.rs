//! The metrics `serve` adds to the HTTP layer's registry: `scimd_build_info`,
//! the process's (`process_*`: CPU, memory, open files, threads, start
//! time; Linux), the circuit breaker trips of this process, the
//! provisioning log's rows written and dropped and, on
//! PostgreSQL, the connection pool (`scimd_db_pool_*`). All read at scrape
//! time through `prometheus-client` collectors.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::MetricType;
use scim_http::metrics::Metrics;

/// Registers everything this module exports.
pub fn register(
    metrics: &Metrics,
    service: &scim_service::Service,
    postgres: Option<scim_store_postgres::PostgresStore>,
) {
    let info = Family::<[(&'static str, &'static str); 3], Gauge>::default();
    info.get_or_create(&[
        ("version", crate::build_info::VERSION),
        ("commit", crate::build_info::COMMIT),
        ("rustc", crate::build_info::RUSTC),
    ])
    .set(1);
    metrics.register(
        "scimd_build_info",
        "The running build: version, commit and compiler; always 1",
        info,
    );
    #[cfg(target_os = "linux")]
    metrics.register_collector(super::process::ProcessCollector::new());
    metrics.register_collector(BreakerTrips(service.clone()));
    metrics.register_collector(LogRows(service.clone()));
    if let Some(pg) = postgres {
        metrics.register_collector(Pool(pg));
    }
}

/// `scimd_breaker_trips_total`: circuit breakers this process tripped.
struct BreakerTrips(scim_service::Service);

impl std::fmt::Debug for BreakerTrips {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BreakerTrips")
    }
}

impl Collector for BreakerTrips {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let m = encoder.encode_descriptor(
            "scimd_breaker_trips",
            "Mass-deprovisioning circuit breakers this process tripped.",
            None,
            MetricType::Counter,
        )?;
        ConstCounter::new(self.0.status().breaker_trips()).encode(m)
    }
}

/// `scimd_provisioning_log_rows_total{outcome}`: provisioning log rows
/// this process wrote, and dropped (queue full or a failed write).
struct LogRows(scim_service::Service);

impl std::fmt::Debug for LogRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogRows")
    }
}

impl Collector for LogRows {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let status = self.0.status();
        let mut family = encoder.encode_descriptor(
            "scimd_provisioning_log_rows",
            "Provisioning log rows this process wrote, and dropped rather than slow requests.",
            None,
            MetricType::Counter,
        )?;
        for (outcome, n) in [
            ("written", status.log_written()),
            ("dropped", status.log_dropped()),
        ] {
            let labels = [("outcome", outcome)];
            ConstCounter::new(n).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

/// The PostgreSQL connection pool's gauges.
#[derive(Clone)]
struct Pool(scim_store_postgres::PostgresStore);

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pool")
    }
}

impl Collector for Pool {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let s = self.0.pool_status();
        let gauges = [
            (
                "scimd_db_pool_max_connections",
                "Connections the pool may open (pool_size).",
                s.max_size,
            ),
            (
                "scimd_db_pool_connections",
                "Database connections open (in use or idle).",
                s.size,
            ),
            (
                "scimd_db_pool_available",
                "Idle database connections.",
                s.available,
            ),
            (
                "scimd_db_pool_waiting",
                "Requests waiting for a database connection.",
                s.waiting,
            ),
        ];
        for (name, help, value) in gauges {
            let m = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX)).encode(m)?;
        }
        Ok(())
    }
}
