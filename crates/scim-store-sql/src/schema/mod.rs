//! The schema of each database, as migrations: the tables, indexes,
//! triggers and SQL functions the statements of this crate need. A
//! backend crate runs them; how it records the version and keeps
//! concurrent starts safe is its own.

pub mod postgres;
pub mod sqlite;
