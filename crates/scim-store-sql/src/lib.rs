//! The SQL layer shared by scimd's SQLite and PostgreSQL stores.
//!
//! The two SQL backends differ in their drivers (rusqlite on one writer
//! thread and a pool of readers; tokio-postgres on a pool, with row locks
//! and retries) and in some SQL; they do not differ in what a store
//! operation does. This crate holds that once:
//!
//! - [`SqlStore`] implements the storage port (`Store`, `ResourceStore`,
//!   `EventStore`, `AdminStore`) for any [`Backend`]; a backend crate
//!   implements [`Backend`] (how a read or a write reaches a connection)
//!   and [`Exec`]/[`Row`] (its driver), nothing else.
//! - The operations, each written once against [`Exec`]: [`write`]
//!   (inserts, write plans, deletes), [`members`], [`idx`], [`breaker`]
//!   (seat limit, circuit breaker), [`journal`], [`trash`], [`rows`],
//!   [`query`] with [`filter`] and [`sort`], [`admin`], [`tenants`],
//!   [`admins`], [`events`], [`sequencer`] (numbering events after their
//!   commit where writers commit in parallel), [`provlog`] (the
//!   provisioning log).
//! - [`dialect`]: what differs in the SQL, behind the small [`Dialect`]
//!   trait, with its two implementations; [`schema`]: each database's
//!   migrations (the backends run them).
//!
//! Invariant: this crate knows no driver and does no I/O of its own.
//!
//! Invariant: no caller code runs inside a store transaction, and no
//! JSON is encoded there for a resource write: documents, provenance and
//! journals are encoded before the job is handed to the backend (SQLite
//! runs jobs on its one writer thread).

pub mod admin;
pub mod admins;
pub mod backend;
pub mod breaker;
pub mod dialect;
mod event_store;
pub mod events;
pub mod exec;
pub mod explain;
pub mod filter;
pub mod idx;
pub mod journal;
pub mod members;
pub mod provlog;
pub mod query;
mod resources;
mod roles;
pub mod rows;
pub mod schema;
mod schema_store;
pub mod sequencer;
pub mod sort;
mod store;
pub mod tenants;
pub mod trash;
pub mod write;

pub use backend::{task, Backend, Job, Run, Write, SYSTEM_LANE};
pub use dialect::{Dialect, Sql};
pub use exec::{
    now, DbClass, DbError, EachRow, Exec, Fail, Keep, Param, Row, Stmt, Val, KEEP_ONCE_MAX,
};
pub use resources::SqlResources;
pub use store::SqlStore;
