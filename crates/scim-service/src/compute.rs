//! Where the CPU work of a request runs.
//!
//! Small inputs are computed inline: moving them to another thread costs
//! more than the work. A large input (a body or stored document of more
//! than [`HEAVY`] JSON values: a PATCH of thousands of operations, a user
//! with tens of thousands of emails) is computed on the blocking pool, so
//! it never holds an async worker, and only one at a time per tenant and
//! at most [`Compute::slots`] at a time in all, so one tenant's heavy
//! requests queue behind each other instead of taking every core from the
//! others.

use scim_core::{ScimError, ScimResult};
use scim_store::TenantId;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// The number of JSON values from which an input is heavy.
pub const HEAVY: usize = 2_000;

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

/// The blocking-pool slots for heavy computations.
pub struct Compute {
    global: Arc<Semaphore>,
    tenants: Mutex<HashMap<TenantId, Arc<Semaphore>>>,
}

impl Default for Compute {
    fn default() -> Self {
        Compute::new(Compute::slots())
    }
}

impl Compute {
    /// Heavy computations at once: one core fewer than the machine has
    /// (at least one), so that the async workers and the store's writer
    /// always keep a core.
    pub fn slots() -> usize {
        std::thread::available_parallelism()
            .map(|n| n.get().saturating_sub(1))
            .unwrap_or(1)
            .max(1)
    }

    /// Room for `slots` heavy computations at once.
    pub fn new(slots: usize) -> Compute {
        Compute {
            global: Arc::new(Semaphore::new(slots.max(1))),
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

    /// Runs `f`: inline when not `heavy`; else on the blocking pool, after
    /// the tenant's turn and a free slot.
    pub async fn run<T, F>(&self, tenant: TenantId, heavy: bool, f: F) -> ScimResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        if !heavy {
            return Ok(f());
        }
        let closed = |_| ScimError::Internal("the compute slots are closed".into());
        let _turn = self.tenant(tenant).acquire_owned().await.map_err(closed)?;
        let _slot = self.global.clone().acquire_owned().await.map_err(closed)?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| ScimError::Internal(format!("a computation failed: {e}")))
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
    async fn heavy_work_runs_off_the_async_worker() {
        let c = Compute::new(1);
        let here = std::thread::current().id();
        let there = c
            .run(TenantId::from_db(1), true, || std::thread::current().id())
            .await
            .unwrap();
        assert_ne!(here, there);
        let inline = c
            .run(TenantId::from_db(1), false, || std::thread::current().id())
            .await
            .unwrap();
        assert_eq!(here, inline);
    }
}
