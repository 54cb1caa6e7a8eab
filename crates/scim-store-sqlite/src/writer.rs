//! The single writer thread and its group commit.
//!
//! SQLite allows one writer at a time. All writes go to one thread that owns
//! the write connection. It takes every job waiting in its queue into one
//! lane per tenant, builds a batch that takes the lanes in turn (up to
//! [`MAX_BATCH`] jobs and [`BATCH_BUDGET`] of estimated work), runs each job
//! inside its own `SAVEPOINT` within one `BEGIN IMMEDIATE` transaction, and
//! commits once: one fsync (with `synchronous=FULL`) for the whole batch. A
//! job that fails rolls back to its savepoint and leaves the others alone.
//!
//! Jobs are the shared SQL layer's operations with their input encoded
//! before they were queued (see `scim_store::plan` and `scim_store_sql`):
//! a job runs statements, never the service's code.
//!
//! Invariant: a job's caller hears "ok" only after the COMMIT that contains
//! its changes returned; if the commit fails, every job of the batch fails.

use crate::checkpoint::Nudge;
use crate::exec::backend;
use rusqlite::Connection;
use scim_store::{StoreError, StoreResult};
use std::collections::{HashMap, VecDeque};
use std::sync::mpsc;
use std::thread;
use tokio::sync::oneshot;

/// The most jobs one transaction takes.
pub const MAX_BATCH: usize = 512;

/// The most work (in [`Job`] cost units, about one row each) one batch
/// takes beyond its first job: a job over this budget runs in a batch of
/// its own, so a large write delays the others by itself, not by a queue.
pub const BATCH_BUDGET: usize = 4096;

/// The lane of writes that belong to no tenant (administration).
pub use scim_store_sql::SYSTEM_LANE;

/// Sends the job's outcome once the batch's commit is known.
type Reply = Box<dyn FnOnce(StoreResult<()>) + Send>;
/// A job: runs against the connection; says whether it succeeded, and how to reply.
type Job = Box<dyn FnOnce(&mut Connection) -> (bool, Reply) + Send>;

/// A job with its lane (tenant) and an estimate of its work.
struct Queued<T = Job> {
    lane: i64,
    cost: usize,
    job: T,
}

/// A handle to the writer thread.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Queued>,
}

impl Writer {
    /// Starts the writer thread on `conn`; it nudges the checkpointer
    /// after each commit.
    pub(crate) fn spawn(conn: Connection, nudge: Nudge) -> StoreResult<Writer> {
        let (tx, rx) = mpsc::channel::<Queued>();
        thread::Builder::new()
            .name("scimd-sqlite-writer".into())
            .spawn(move || run(conn, rx, nudge))
            .map_err(|e| StoreError::Backend(format!("cannot start the writer thread: {e}")))?;
        Ok(Writer { tx })
    }

    /// Runs `f` in the next batch and returns its result after the commit
    /// (a small write of no tenant).
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        self.write_as(SYSTEM_LANE, 1, f).await
    }

    /// Runs `f` for tenant `lane`, an estimated `cost` rows, and returns its
    /// result after the commit. Lanes take turns (see [`run`]).
    pub async fn write_as<T, F>(&self, lane: i64, cost: usize, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    {
        let (done, wait) = oneshot::channel::<StoreResult<T>>();
        let job: Job = Box::new(move |conn| match f(conn) {
            Ok(value) => (
                true,
                Box::new(move |committed: StoreResult<()>| {
                    let _ = done.send(committed.map(|()| value));
                }) as Reply,
            ),
            Err(e) => (
                false,
                Box::new(move |_committed: StoreResult<()>| {
                    let _ = done.send(Err(e));
                }) as Reply,
            ),
        });
        self.tx
            .send(Queued {
                lane,
                cost: cost.max(1),
                job,
            })
            .map_err(|_| StoreError::Backend("the writer thread has stopped".into()))?;
        wait.await
            .map_err(|_| StoreError::Backend("the writer thread dropped a job".into()))?
    }
}

/// The jobs waiting, one queue per lane, and the lanes in turn order.
struct Lanes<T = Job> {
    queues: HashMap<i64, VecDeque<Queued<T>>>,
    turn: VecDeque<i64>,
    /// Lanes the last batch served that have more waiting: they rejoin
    /// the turn ([`Lanes::rejoin`]) behind the lanes whose first job
    /// arrived while that batch ran, so that a tenant with a queue of
    /// large writes lets another tenant's write in after one of them, not
    /// two.
    held: Vec<i64>,
}

impl<T> Default for Lanes<T> {
    fn default() -> Self {
        Lanes {
            queues: HashMap::new(),
            turn: VecDeque::new(),
            held: Vec::new(),
        }
    }
}

impl<T> Lanes<T> {
    fn push(&mut self, q: Queued<T>) {
        let queue = self.queues.entry(q.lane).or_default();
        if queue.is_empty() && !self.held.contains(&q.lane) {
            self.turn.push_back(q.lane);
        }
        queue.push_back(q);
    }

    fn is_empty(&self) -> bool {
        self.turn.is_empty() && self.held.is_empty()
    }

    /// Puts the lanes the last batch served back in the turn, behind the
    /// lanes that arrived since.
    fn rejoin(&mut self) {
        for lane in std::mem::take(&mut self.held) {
            if self.queues.get(&lane).is_some_and(|q| !q.is_empty()) {
                self.turn.push_back(lane);
            }
        }
    }

    /// The next batch: one job per lane in turn, until [`MAX_BATCH`] jobs
    /// or [`BATCH_BUDGET`] of work; the job that would pass the budget
    /// starts the next batch instead (or is this batch, alone, if first).
    fn batch(&mut self) -> Vec<T> {
        let mut batch = Vec::with_capacity(16);
        let mut served: Vec<i64> = Vec::new();
        let mut cost = 0usize;
        while batch.len() < MAX_BATCH {
            let Some(lane) = self.turn.pop_front() else {
                break;
            };
            let Some(queue) = self.queues.get_mut(&lane) else {
                continue;
            };
            let Some(next) = queue.front() else {
                self.queues.remove(&lane);
                continue;
            };
            if !batch.is_empty() && cost.saturating_add(next.cost) > BATCH_BUDGET {
                self.turn.push_front(lane);
                break;
            }
            let Some(q) = queue.pop_front() else { continue };
            cost = cost.saturating_add(q.cost);
            batch.push(q.job);
            if !served.contains(&lane) {
                served.push(lane);
            }
            if queue.is_empty() {
                self.queues.remove(&lane);
            } else {
                self.turn.push_back(lane);
            }
        }
        // The lanes served wait for the next batch behind newcomers.
        self.turn.retain(|l| !served.contains(l));
        served.retain(|l| self.queues.get(l).is_some_and(|q| !q.is_empty()));
        self.held = served;
        batch
    }
}

/// The writer loop: takes every job waiting, in lanes per tenant, and
/// commits them in batches that take the lanes in turn, so one tenant's
/// queue of large writes delays another tenant's write by at most one
/// batch.
fn run(mut conn: Connection, rx: mpsc::Receiver<Queued>, nudge: Nudge) {
    let mut lanes: Lanes = Lanes::default();
    loop {
        if lanes.is_empty() {
            match rx.recv() {
                Ok(q) => lanes.push(q),
                Err(_) => return,
            }
        }
        while let Ok(q) = rx.try_recv() {
            lanes.push(q);
        }
        lanes.rejoin();
        nudge.give_way();
        let batch = lanes.batch();
        if !batch.is_empty() && run_batch(&mut conn, batch) {
            nudge.committed();
        }
    }
}

/// Runs one batch; whether it committed. A job that cannot even start is
/// dropped, which its caller sees as a failed write (its reply channel
/// closes unanswered).
fn run_batch(conn: &mut Connection, batch: Vec<Job>) -> bool {
    if conn.execute_batch("BEGIN IMMEDIATE").is_err() {
        return false;
    }
    let mut replies: Vec<Reply> = Vec::with_capacity(batch.len());
    for job in batch {
        if conn.execute_batch("SAVEPOINT job").is_err() {
            continue;
        }
        let (ok, reply) = job(&mut *conn);
        let end = if ok {
            "RELEASE job"
        } else {
            "ROLLBACK TO job; RELEASE job"
        };
        if let Err(e) = conn.execute_batch(end) {
            // The transaction is unusable: fail the whole batch.
            let err = backend(e);
            let _ = conn.execute_batch("ROLLBACK");
            reply(Err(err.clone()));
            for r in replies {
                r(Err(err.clone()));
            }
            return false;
        }
        replies.push(reply);
    }
    let committed = conn.execute_batch("COMMIT").map_err(backend);
    if committed.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let ok = committed.is_ok();
    for reply in replies {
        reply(committed.clone());
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushes `(lane, cost, name)` jobs, then drains the lanes: the names
    /// of each batch.
    fn check(jobs: &[(i64, usize, &'static str)], expected: &[&[&str]]) {
        let mut lanes: Lanes<&str> = Lanes::default();
        for (lane, cost, name) in jobs {
            lanes.push(Queued {
                lane: *lane,
                cost: *cost,
                job: *name,
            });
        }
        let mut batches = Vec::new();
        while !lanes.is_empty() {
            lanes.rejoin();
            batches.push(lanes.batch());
        }
        assert_eq!(batches, expected);
    }

    #[test]
    fn a_tenant_arriving_during_a_large_write_goes_next() {
        let mut lanes: Lanes<&str> = Lanes::default();
        for (cost, name) in [(5000, "A1"), (5000, "A2"), (5000, "A3")] {
            lanes.push(Queued {
                lane: 1,
                cost,
                job: name,
            });
        }
        assert_eq!(lanes.batch(), ["A1"]);
        // While A1 runs, B's write and A's next arrive.
        lanes.push(Queued {
            lane: 2,
            cost: 1,
            job: "b1",
        });
        lanes.push(Queued {
            lane: 1,
            cost: 5000,
            job: "A4",
        });
        let mut order = Vec::new();
        while !lanes.is_empty() {
            lanes.rejoin();
            order.push(lanes.batch());
        }
        assert_eq!(order, [vec!["b1"], vec!["A2"], vec!["A3"], vec!["A4"]]);
    }

    #[test]
    fn lanes_take_turns_and_large_jobs_run_alone() {
        // Small jobs of one lane share a batch.
        check(&[(1, 1, "a1"), (1, 1, "a2")], &[&["a1", "a2"]]);
        // Lanes alternate within a batch.
        check(
            &[(1, 1, "a1"), (1, 1, "a2"), (2, 1, "b1"), (2, 1, "b2")],
            &[&["a1", "b1", "a2", "b2"]],
        );
        // A queue of large writes of one tenant: the other tenant's small
        // write runs after the first large one, not after all of them.
        check(
            &[
                (1, 5000, "A1"),
                (1, 5000, "A2"),
                (1, 5000, "A3"),
                (2, 1, "b1"),
            ],
            &[&["A1"], &["b1"], &["A2"], &["A3"]],
        );
        // A job that would pass the budget starts the next batch.
        check(
            &[(1, 3000, "a1"), (2, 3000, "b1"), (3, 1, "c1")],
            &[&["a1"], &["b1", "c1"]],
        );
    }
}
