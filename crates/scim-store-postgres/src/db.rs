//! Database errors and their mapping onto [`StoreError`]: unique violations
//! are [`StoreError::Uniqueness`], a foreign-key violation on a membership
//! (the member vanished) is [`StoreError::MissingMember`], and serialization
//! failures and deadlocks are retried a bounded number of times
//! ([`MAX_TRIES`]) by the callers.

use deadpool_postgres::PoolError;
use scim_store::StoreError;
use tokio_postgres::error::SqlState;

/// How often a transaction is attempted before a retryable failure is reported.
pub const MAX_TRIES: usize = 5;

/// A failure inside a store operation.
#[derive(Debug)]
pub enum Fail {
    Db(tokio_postgres::Error),
    Store(StoreError),
}

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Fail {
        Fail::Db(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Fail {
        Fail::Store(e)
    }
}

impl From<PoolError> for Fail {
    fn from(e: PoolError) -> Fail {
        match e {
            PoolError::Backend(e) => Fail::Db(e),
            other => Fail::Store(StoreError::Backend(format!("connection pool: {other}"))),
        }
    }
}

/// The SQLSTATE of a database error, if it is one.
pub fn code(e: &tokio_postgres::Error) -> Option<&SqlState> {
    e.code()
}

impl Fail {
    /// Whether running the transaction again may succeed.
    pub fn retryable(&self) -> bool {
        match self {
            Fail::Db(e) => matches!(
                code(e),
                Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
            ),
            Fail::Store(_) => false,
        }
    }

    /// Whether this is a unique violation.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Fail::Db(e) if code(e) == Some(&SqlState::UNIQUE_VIOLATION))
    }

    /// The violated constraint's name, if any.
    pub fn constraint(&self) -> Option<&str> {
        match self {
            Fail::Db(e) => e.as_db_error().and_then(|d| d.constraint()),
            Fail::Store(_) => None,
        }
    }

    /// Into a store error; unique violations say `unique`.
    pub fn into_store(self, unique: impl FnOnce() -> String) -> StoreError {
        if self.is_unique_violation() {
            return StoreError::Uniqueness(unique());
        }
        match self {
            Fail::Db(e) if code(&e) == Some(&SqlState::FOREIGN_KEY_VIOLATION) => {
                StoreError::MissingMember("a member was deleted concurrently".into())
            }
            Fail::Db(e) => backend(e),
            Fail::Store(s) => s,
        }
    }
}

/// A database error as a backend failure (for logs; clients see a generic 500).
pub fn backend(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(d) => StoreError::Backend(format!("postgres: {} ({})", d.message(), d.code().code())),
        None => {
            // Connection errors keep their cause (a refused certificate,
            // a connection refused) in the source chain.
            let mut text = format!("postgres: {e}");
            let mut source = std::error::Error::source(&e);
            for _ in 0..8 {
                let Some(s) = source else { break };
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            StoreError::Backend(text)
        }
    }
}
