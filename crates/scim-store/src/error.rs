//! Storage errors, and their mapping into the one SCIM error table.

use scim_core::ScimError;
use std::fmt;

/// Seconds an IdP whose deprovisioning the circuit breaker holds is asked
/// to wait before retrying (`Retry-After`).
pub const BREAKER_RETRY_AFTER_SECS: u64 = 600;

/// What can go wrong in a store.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// A unique value (userName, group displayName, tenant or connection
    /// name) is taken. The string names it.
    Uniqueness(String),
    /// A member to add does not exist in the tenant.
    MissingMember(String),
    /// A cursor that this store did not issue, or that no longer applies.
    InvalidCursor(String),
    /// The write would make more users active than the tenant's seat limit.
    NoSeat(u64),
    /// The mass-deprovisioning circuit breaker holds a deprovisioning: the
    /// connection is paused, or it already deprovisioned all that its
    /// window allows ([`crate::Deprovision`]). Nothing changed.
    Breaker { deprovisioned: u64, allowed: u64 },
    /// The update function refused the change.
    Rejected(ScimError),
    /// The resource's version moved since the plan was computed from it
    /// ([`crate::plan::Plan::base`]): compute the plan again.
    Stale,
    /// The resource kept moving under every computed plan
    /// ([`crate::plan::MAX_ATTEMPTS`]): the client should retry later.
    Busy,
    /// The request's deadline ([`crate::deadline`]) passed while the
    /// database was still working on it; the work was stopped.
    Deadline,
    /// The database failed. The message is for logs only.
    Backend(String),
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Uniqueness(m) => write!(f, "uniqueness: {m}"),
            StoreError::MissingMember(m) => write!(f, "no such member: {m}"),
            StoreError::InvalidCursor(m) => write!(f, "invalid cursor: {m}"),
            StoreError::NoSeat(limit) => write!(f, "seat limit {limit} reached"),
            StoreError::Breaker {
                deprovisioned,
                allowed,
            } => write!(
                f,
                "circuit breaker: {deprovisioned} deprovisioned in the window, {allowed} allowed"
            ),
            StoreError::Rejected(e) => write!(f, "rejected: {e}"),
            StoreError::Stale => f.write_str("the resource changed since it was read"),
            StoreError::Busy => f.write_str("the resource kept changing under concurrent writes"),
            StoreError::Deadline => f.write_str("the request's deadline passed during the query"),
            StoreError::Backend(m) => write!(f, "backend: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<StoreError> for ScimError {
    fn from(e: StoreError) -> ScimError {
        match e {
            StoreError::Uniqueness(m) => ScimError::Uniqueness(m),
            StoreError::MissingMember(m) => {
                ScimError::InvalidValue(format!("member {m:?} does not exist"))
            }
            StoreError::InvalidCursor(m) => ScimError::InvalidCursor(m),
            StoreError::NoSeat(limit) => ScimError::Forbidden(format!(
                "no licence seat available: all {limit} seats of this tenant are held by active users"
            )),
            StoreError::Breaker { .. } => ScimError::ServiceUnavailable(
                "deprovisioning through this connection is paused by the mass-deprovisioning circuit breaker until an admin confirms or rejects it".into(),
                BREAKER_RETRY_AFTER_SECS,
            ),
            StoreError::Rejected(e) => e,
            StoreError::Stale | StoreError::Busy => ScimError::ServiceUnavailable(
                "the resource is being changed by other requests at this moment; retry".into(),
                1,
            ),
            StoreError::Deadline => ScimError::ServiceUnavailable(
                "the request took too long and was abandoned".into(),
                1,
            ),
            StoreError::Backend(m) => ScimError::Internal(m),
        }
    }
}
