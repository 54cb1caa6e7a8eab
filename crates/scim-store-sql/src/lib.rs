//! The SQL layer shared by scimd's SQLite and PostgreSQL stores.
//!
//! The two SQL backends differ in their drivers (rusqlite on one writer
//! thread and a pool of readers; tokio-postgres on a pool, with row locks
//! and retries) and in some SQL; they do not differ in what a store
//! operation does. This crate holds that once:
//!
//! - [`filter`], [`sort`], [`query`]: lowered filters, `sortBy` and paging
//!   as SQL.
//! - [`dialect`]: what differs in the SQL, behind the small [`Dialect`]
//!   trait, with its two implementations.
//! - [`exec`]: the executor port ([`Exec`], [`Row`]) that each backend
//!   implements over its driver.
//!
//! Invariant: this crate knows no driver and does no I/O of its own.

pub mod dialect;
pub mod exec;
pub mod filter;
pub mod query;
pub mod sort;

pub use dialect::{Dialect, Sql};
pub use exec::{now, DbClass, DbError, Exec, Fail, Param, Row, Stmt, Val};
