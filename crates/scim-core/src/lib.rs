//! The pure SCIM 2.0 protocol core of scimd.
//!
//! Schemas and the registry ([`schema`], RFC 7643 §2, §7, §8.7), the
//! resource model and request validation ([`resource`], RFC 7643 §3,
//! RFC 7644 §3.3, §3.5.1), attribute paths ([`path`], RFC 7644 §3.10),
//! filters ([`filter`], RFC 7644 §3.4.2.2), PATCH ([`patch`], RFC 7644
//! §3.5.2), projection and sorting ([`project`], [`sort`], RFC 7644 §3.9,
//! §3.4.2.3), list responses ([`list`]), secrets by schema ([`redact`]),
//! the one error type ([`error`], RFC 7644 §3.12), and the IdP profiles
//! that choose tolerances ([`profile`], [`tolerance`]).
//!
//! Architecture invariant: this crate does no I/O, no async work, no HTTP
//! and no SQL. Everything here is a function of its inputs.

pub mod error;
pub mod filter;
pub mod json;
pub mod list;
pub mod patch;
pub mod path;
pub mod profile;
pub mod project;
pub mod redact;
pub mod resource;
pub mod schema;
pub mod sort;
pub mod timestamp;
pub mod tolerance;

pub use error::{ScimError, ScimResult};
