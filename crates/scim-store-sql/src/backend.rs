//! The backend port: how a store operation reaches a connection. A
//! backend crate implements [`Backend`] over its driver and its way of
//! writing (SQLite: the writer thread's batches, on a lane per tenant;
//! PostgreSQL: a pooled connection, a transaction, retries of a lost race),
//! and [`crate::SqlStore`] does the rest.
//!
//! An operation is a [`Job`]: its input and a function from an executor to
//! a future. A backend may run a job more than once (PostgreSQL retries a
//! transaction that deadlocked), so a job only borrows its input.

use crate::dialect::Dialect;
use crate::exec::{Exec, Fail};
use scim_store::StoreResult;
use std::future::Future;
use std::pin::Pin;

/// The lane of writes that belong to no tenant (administration).
pub const SYSTEM_LANE: i64 = -1;

/// How a write is scheduled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Write {
    /// The tenant whose turn it takes (SQLite's writer serves tenants in
    /// turn), or [`SYSTEM_LANE`].
    pub lane: i64,
    /// About how many rows it writes (SQLite batches by it).
    pub cost: usize,
    /// Whether its statements must commit together. A write of one
    /// statement needs no transaction of its own where every statement
    /// commits by itself (PostgreSQL); SQLite's batches are always one.
    pub atomic: bool,
}

impl Write {
    /// A small write of no tenant, one statement.
    pub const SYSTEM: Write = Write {
        lane: SYSTEM_LANE,
        cost: 1,
        atomic: false,
    };

    /// A write of a tenant's resources, in one transaction.
    pub fn tenant(tenant: i64, cost: usize) -> Write {
        Write {
            lane: tenant,
            cost,
            atomic: true,
        }
    }

    /// The same write, in one transaction.
    pub fn atomic(self) -> Write {
        Write {
            atomic: true,
            ..self
        }
    }
}

/// The future of a job.
pub type Run<'a, T> = Pin<Box<dyn Future<Output = Result<T, Fail>> + Send + 'a>>;

/// A store operation to run against an executor.
pub trait Job<T>: Send + Sync + 'static {
    /// Runs the operation (again, after a lost race).
    fn run<'a>(&'a self, x: &'a mut dyn Exec) -> Run<'a, T>;
}

/// A [`Job`] from its input and its function.
pub struct Task<I, F>(I, F);

/// The job of `f` on `input`: `task((a, b), |x, (a, b)| Box::pin(op(x, a, b)))`.
pub fn task<I, T, F>(input: I, f: F) -> Task<I, F>
where
    I: Send + Sync + 'static,
    F: for<'a> Fn(&'a mut dyn Exec, &'a I) -> Run<'a, T> + Send + Sync + 'static,
{
    Task(input, f)
}

impl<I, T, F> Job<T> for Task<I, F>
where
    I: Send + Sync + 'static,
    F: for<'a> Fn(&'a mut dyn Exec, &'a I) -> Run<'a, T> + Send + Sync + 'static,
{
    fn run<'a>(&'a self, x: &'a mut dyn Exec) -> Run<'a, T> {
        (self.1)(x, &self.0)
    }
}

/// A database the shared store runs on.
pub trait Backend: Send + Sync + 'static {
    /// Its SQL.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Runs `job` as a write; its result once committed.
    fn write<T: Send + 'static>(
        &self,
        how: Write,
        job: impl Job<T>,
    ) -> impl Future<Output = StoreResult<T>> + Send;

    /// Runs `job` as a read. `point`: a read of a few rows by key, which
    /// may run on the calling thread where the database is in the process.
    fn read<T: Send + 'static>(
        &self,
        point: bool,
        job: impl Job<T>,
    ) -> impl Future<Output = StoreResult<T>> + Send;

    /// Overwrites what replaced or deleted values left in the database
    /// files, where the backend can (`EventStore::scrub_free_space`).
    fn scrub_free_space(&self) -> impl Future<Output = StoreResult<()>> + Send {
        async { Ok(()) }
    }
}
