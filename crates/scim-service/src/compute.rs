//! Where the CPU work of a request runs.
//!
//! Small inputs are computed inline: moving them to another thread costs
//! more than the work. A large input (a body or stored document of more
//! than [`HEAVY`] JSON values, or a body of more than [`HEAVY_BYTES`]: a
//! PATCH of thousands of operations, a user with tens of thousands of
//! emails) is computed on the compute threads, never on an async worker:
//!
//! - the compute threads run under Linux's `SCHED_IDLE` policy, so they
//!   get a core only when no request of normal priority wants it: one
//!   tenant's heavy writes cannot take the CPU from another tenant's small
//!   ones, even on a single core (elsewhere they run at normal priority);
//! - one heavy computation at a time per tenant, so a tenant's heavy
//!   requests queue behind each other, not beside other tenants' ones.

use scim_core::{ScimError, ScimResult};
use scim_store::TenantId;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use tokio::sync::{oneshot, Semaphore};

/// The number of JSON values from which an input is heavy.
pub const HEAVY: usize = 2_000;

/// The body size from which parsing it is heavy.
pub const HEAVY_BYTES: usize = 64 * 1024;

/// The number of JSON values in `v`, counted up to `cap` (so that counting
/// costs at most `cap` steps).
pub fn weight(v: &Value, cap: usize) -> usize {
    let mut n = 0usize;
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        n += 1;
        if n >= cap {
            return cap;
        }
        match v {
            Value::Array(items) => stack.extend(items.iter()),
            Value::Object(m) => stack.extend(m.values()),
            _ => {}
        }
    }
    n
}

/// Whether the inputs of a request are heavy together.
pub fn heavy<'a>(inputs: impl IntoIterator<Item = &'a Value>) -> bool {
    let mut left = HEAVY;
    for v in inputs {
        let w = weight(v, left);
        if w >= left {
            return true;
        }
        left -= w;
    }
    false
}

/// Whether a request body and a stored document are heavy together.
pub fn heavy_with(body: Option<&Value>, doc: &serde_json::Map<String, Value>) -> bool {
    heavy(body.into_iter().chain(doc.values()))
}

type Job = Box<dyn FnOnce() + Send>;

/// The compute threads and the tenants' turns.
pub struct Compute {
    jobs: Mutex<mpsc::Sender<Job>>,
    tenants: Mutex<HashMap<TenantId, Arc<Semaphore>>>,
}

impl Default for Compute {
    fn default() -> Self {
        Compute::new(Compute::threads())
    }
}

/// Lowers the calling thread to `SCHED_IDLE` (best effort).
fn idle_priority() {
    #[cfg(target_os = "linux")]
    {
        use thread_priority::unix::{
            set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy,
            ThreadSchedulePolicy,
        };
        let policy = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
        if let Err(e) = set_thread_priority_and_policy(
            thread_native_id(),
            thread_priority::ThreadPriority::Min,
            policy,
        ) {
            tracing::debug!(error = ?e, "compute threads run at normal priority");
        }
    }
}

impl Compute {
    /// Compute threads: as many as the cores this process may use (they
    /// only take idle time).
    pub fn threads() -> usize {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .max(1)
    }

    /// `threads` compute threads (at least one).
    pub fn new(threads: usize) -> Compute {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("scimd-compute-{i}"))
                .spawn(move || {
                    idle_priority();
                    loop {
                        let job = match rx.lock() {
                            Ok(r) => r.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a compute thread");
            }
        }
        Compute {
            jobs: Mutex::new(tx),
            tenants: Mutex::new(HashMap::new()),
        }
    }

    fn tenant(&self, tenant: TenantId) -> Arc<Semaphore> {
        let mut map = match self.tenants.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(tenant)
            .or_insert_with(|| Arc::new(Semaphore::new(1)))
            .clone()
    }

    /// Runs `f` on a compute thread and waits for it.
    async fn offload<T, F>(&self, f: F) -> ScimResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        let sent = match self.jobs.lock() {
            Ok(jobs) => jobs.send(job).is_ok(),
            Err(_) => false,
        };
        if !sent {
            return Err(ScimError::Internal("the compute threads are gone".into()));
        }
        rx.await
            .map_err(|_| ScimError::Internal("a computation failed".into()))
    }

    /// Runs `f`: inline when not `heavy`; else on a compute thread, after
    /// the tenant's previous heavy computation.
    pub async fn run<T, F>(&self, tenant: TenantId, heavy: bool, f: F) -> ScimResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        if !heavy {
            return Ok(f());
        }
        let closed = |_| ScimError::Internal("the compute turns are closed".into());
        let _turn = self.tenant(tenant).acquire_owned().await.map_err(closed)?;
        self.offload(f).await
    }

    /// Runs `f` of no particular tenant (parsing a large body before its
    /// caller is known): inline when not `heavy`, else on a compute thread.
    pub async fn run_any<T, F>(&self, heavy: bool, f: F) -> ScimResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        if heavy {
            self.offload(f).await
        } else {
            Ok(f())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn weight_counts_values_up_to_the_cap() {
        let check = |v: Value, cap: usize, expected: usize| assert_eq!(weight(&v, cap), expected);
        check(json!(1), 10, 1);
        check(json!({"a": [1, 2, {"b": 3}]}), 100, 6);
        check(json!([1, 2, 3, 4, 5, 6]), 3, 3);
    }

    #[test]
    fn heaviness_adds_the_inputs() {
        let half: Vec<Value> = (0..HEAVY / 2).map(|i| json!(i)).collect();
        let half = Value::Array(half);
        assert!(!heavy([&half]));
        assert!(heavy([&half, &half]));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn heavy_work_runs_on_a_compute_thread() {
        let c = Compute::new(1);
        let name = || std::thread::current().name().map(str::to_string);
        let there = c.run(TenantId::from_db(1), true, name).await.unwrap();
        assert_eq!(there.as_deref(), Some("scimd-compute-0"));
        let any = c.run_any(true, name).await.unwrap();
        assert_eq!(any.as_deref(), Some("scimd-compute-0"));
        let here = name();
        assert_eq!(
            c.run(TenantId::from_db(1), false, name).await.unwrap(),
            here
        );
    }
}
