//! The cap on concurrent connections of one listener.
//!
//! [`Capped`] wraps the make-service the server calls once per accepted
//! connection. Its `poll_ready` waits for a permit of the listener's
//! semaphore, and the server's accept loop calls it before it accepts the
//! next connection: at the cap, the listener stops accepting and new
//! connections wait in the kernel's backlog instead of holding a task and
//! a file descriptor each. The permit travels inside the connection's
//! service ([`Held`]) and is returned when the connection ends.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::PollSemaphore;
use tower_service::Service;

/// The connection counts of one listener, for `/metrics`.
#[derive(Debug)]
pub struct ConnStats {
    listener: &'static str,
    max: usize,
    semaphore: Arc<Semaphore>,
    accepted: AtomicU64,
    waits: AtomicU64,
}

impl ConnStats {
    /// The counts of the listener named `listener` (a metric label), capped at `max`.
    pub fn new(listener: &'static str, max: usize) -> Arc<ConnStats> {
        let max = max.clamp(1, Semaphore::MAX_PERMITS);
        Arc::new(ConnStats {
            listener,
            max,
            semaphore: Arc::new(Semaphore::new(max)),
            accepted: AtomicU64::new(0),
            waits: AtomicU64::new(0),
        })
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.max.saturating_sub(self.semaphore.available_permits())
    }
}

/// The connection metrics of every listener, read at each scrape of
/// `/metrics` (a `prometheus-client` collector in the process's registry).
#[derive(Debug)]
pub struct Connections(pub Vec<Arc<ConnStats>>);

impl Collector for Connections {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        type Read = fn(&ConnStats) -> u64;
        let families: [(&str, &str, MetricType, Read); 4] = [
            (
                "scimd_http_connections",
                "Connections open, by listener.",
                MetricType::Gauge,
                |s| s.open() as u64,
            ),
            (
                "scimd_http_connections_max",
                "The most connections a listener keeps open (--max-connections).",
                MetricType::Gauge,
                |s| s.max as u64,
            ),
            // Counters: the encoder appends `_total`.
            (
                "scimd_http_connections_accepted",
                "Connections accepted, by listener.",
                MetricType::Counter,
                |s| s.accepted.load(Ordering::Relaxed),
            ),
            (
                "scimd_http_connection_limit_waits",
                "Times a listener reached its connection cap and stopped accepting until one closed.",
                MetricType::Counter,
                |s| s.waits.load(Ordering::Relaxed),
            ),
        ];
        for (name, help, kind, read) in families {
            let counter = matches!(kind, MetricType::Counter);
            let mut family = encoder.encode_descriptor(name, help, None, kind)?;
            for l in &self.0 {
                let labels = [("listener", l.listener)];
                let m = family.encode_family(&labels)?;
                let value = read(l);
                if counter {
                    ConstCounter::new(value).encode(m)?;
                } else {
                    ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX)).encode(m)?;
                }
            }
        }
        Ok(())
    }
}

/// A make-service that admits a connection only with a permit.
pub struct Capped<M> {
    inner: M,
    stats: Arc<ConnStats>,
    semaphore: PollSemaphore,
    permit: Option<OwnedSemaphorePermit>,
    waiting: bool,
}

impl<M> Capped<M> {
    pub fn new(inner: M, stats: Arc<ConnStats>) -> Capped<M> {
        let semaphore = PollSemaphore::new(stats.semaphore.clone());
        Capped {
            inner,
            stats,
            semaphore,
            permit: None,
            waiting: false,
        }
    }
}

impl<M, T> Service<T> for Capped<M>
where
    M: Service<T>,
    M::Future: Send + 'static,
{
    type Response = Held<M::Response>;
    type Error = M::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Held<M::Response>, M::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), M::Error>> {
        if self.permit.is_none() {
            match self.semaphore.poll_acquire(cx) {
                Poll::Ready(Some(p)) => {
                    self.permit = Some(p);
                    self.waiting = false;
                }
                // The semaphore is never closed; keep waiting if it were.
                Poll::Ready(None) => return Poll::Pending,
                Poll::Pending => {
                    if !self.waiting {
                        self.waiting = true;
                        self.stats.waits.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(
                            listener = self.stats.listener,
                            max = self.stats.max,
                            "connection cap reached: not accepting until a connection closes"
                        );
                    }
                    return Poll::Pending;
                }
            }
        }
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, target: T) -> Self::Future {
        let permit = self.permit.take().map(Arc::new);
        self.stats.accepted.fetch_add(1, Ordering::Relaxed);
        let made = self.inner.call(target);
        Box::pin(async move {
            let inner = made.await?;
            Ok(Held {
                inner,
                _permit: permit,
            })
        })
    }
}

/// A connection's service holding its connection's permit (shared by the
/// clones the server makes per request), returned when the last is dropped.
#[derive(Clone)]
pub struct Held<S> {
    inner: S,
    _permit: Option<Arc<OwnedSemaphorePermit>>,
}

impl<S, R> Service<R> for Held<S>
where
    S: Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: R) -> S::Future {
        self.inner.call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    /// A make-service whose connections' services are `()`.
    struct Units;

    impl Service<u32> for Units {
        type Response = ();
        type Error = Infallible;
        type Future = std::future::Ready<Result<(), Infallible>>;
        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, _: u32) -> Self::Future {
            std::future::ready(Ok(()))
        }
    }

    fn ready(c: &mut Capped<Units>) -> bool {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        matches!(c.poll_ready(&mut cx), Poll::Ready(Ok(())))
    }

    #[tokio::test]
    async fn at_the_cap_the_listener_waits_until_a_connection_closes() {
        let stats = ConnStats::new("test", 2);
        let mut make = Capped::new(Units, stats.clone());
        let mut held = Vec::new();
        for i in 0..2 {
            assert!(ready(&mut make), "connection {i}");
            held.push(make.call(i).await.unwrap());
        }
        assert_eq!(stats.open(), 2);
        assert!(!ready(&mut make), "a third connection is admitted");
        assert!(!ready(&mut make));
        // A connection's service is cloned per request: the permit goes
        // back only when the last clone is dropped.
        let clone = held[0].clone();
        held.remove(0);
        assert!(!ready(&mut make));
        drop(clone);
        assert!(ready(&mut make));
        make.call(3).await.unwrap();
        let mut registry = prometheus_client::registry::Registry::default();
        registry.register_collector(Box::new(Connections(vec![stats])));
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
        for line in [
            "scimd_http_connections{listener=\"test\"} 1",
            "scimd_http_connections_max{listener=\"test\"} 2",
            "scimd_http_connections_accepted_total{listener=\"test\"} 3",
            "scimd_http_connection_limit_waits_total{listener=\"test\"} 1",
            "# TYPE scimd_http_connections gauge",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}
