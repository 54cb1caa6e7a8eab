//! The deadline of the request a store operation serves.
//!
//! The HTTP layer runs each request [`within`] its deadline (the request
//! timeout); a backend reads [`current`] when it starts a query and stops
//! the query there (SQLite: a progress handler that interrupts the
//! statement; PostgreSQL: `statement_timeout`), answering
//! [`crate::StoreError::Deadline`]. Work outside a request (purging,
//! delivery, the command line) has no deadline.
//!
//! The deadline is a task-local value: it follows the request's task, not
//! the threads the task's futures happen to run on.

use std::future::Future;
use std::time::Instant;

tokio::task_local! {
    static DEADLINE: Instant;
}

/// Runs `work` with `at` as the deadline of every store operation it starts.
pub async fn within<F: Future>(at: Instant, work: F) -> F::Output {
    DEADLINE.scope(at, work).await
}

/// The deadline of the current task's work, if it has one.
pub fn current() -> Option<Instant> {
    DEADLINE.try_with(|at| *at).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_deadline_holds_inside_its_scope_only() {
        assert_eq!(current(), None);
        let at = Instant::now() + Duration::from_secs(5);
        assert_eq!(within(at, async { current() }).await, Some(at));
        assert_eq!(current(), None);
    }
}
