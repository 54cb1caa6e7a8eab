//! The executor port: what the shared SQL layer needs from a database
//! driver, and nothing more. A backend crate implements [`Exec`] (run a
//! statement, read its rows) and [`Row`] (one column as a [`Val`]) over its
//! driver; everything else in this crate is written against these.
//!
//! - Statements are text with PostgreSQL-style placeholders (`$1`, `$2` …,
//!   each may repeat) and a list of [`Param`]s. SQLite reads `$N` as a
//!   named parameter, so its executor binds by name; PostgreSQL converts a
//!   parameter to the type the server inferred for it (`smallint`,
//!   `integer`, arrays …).
//! - Driver errors arrive classified ([`DbError`]), so that the shared code
//!   can tell a unique violation from a retryable conflict without knowing
//!   the driver.
//! - [`Exec`] is an `async` trait: PostgreSQL's driver is asynchronous, and
//!   SQLite's executor answers every call at once (its futures are ready
//!   when made), so its writer thread runs them with [`now`].

use async_trait::async_trait;
use scim_store::StoreError;
use std::borrow::Cow;
use std::future::Future;
use std::task::{Context, Poll, Waker};

/// A statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Param<'a> {
    Null,
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(Cow<'a, str>),
    Bytes(&'a [u8]),
    /// An array of integers (only where [`crate::Dialect::arrays`]).
    Ints(Vec<i64>),
    /// An array of strings (only where [`crate::Dialect::arrays`]).
    Texts(Vec<&'a str>),
    /// An array of strings that may be NULL.
    OptTexts(Vec<Option<&'a str>>),
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}

impl From<u16> for Param<'_> {
    fn from(v: u16) -> Self {
        Param::Int(i64::from(v))
    }
}

impl From<bool> for Param<'_> {
    fn from(v: bool) -> Self {
        Param::Bool(v)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(Cow::Borrowed(v))
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(v: &'a String) -> Self {
        Param::Text(Cow::Borrowed(v))
    }
}

impl From<String> for Param<'_> {
    fn from(v: String) -> Self {
        Param::Text(Cow::Owned(v))
    }
}

impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(v: &'a [u8]) -> Self {
        Param::Bytes(v)
    }
}

impl<'a> From<&'a Vec<u8>> for Param<'a> {
    fn from(v: &'a Vec<u8>) -> Self {
        Param::Bytes(v)
    }
}

impl<'a, T: Into<Param<'a>>> From<Option<T>> for Param<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

/// The longest one-off text ([`Keep::IfShort`]) a driver keeps prepared:
/// a filter's text repeats with its shape, its values being parameters; a
/// batch of rows or a large filter is long, and its prepared form grows
/// with its text.
pub const KEEP_ONCE_MAX: usize = 2_048;

/// Whether a driver keeps a statement prepared for later uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Fixed text: always.
    Always,
    /// Text that varies with the request but repeats (a filter's shape,
    /// with its values as parameters): while short and while the driver's
    /// cache has room, so that no cache grows with the variety of client
    /// requests.
    IfShort,
    /// Text of one request only (a deep page's offset or position): never.
    Never,
}

/// A statement: text with `$N` placeholders and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Stmt<'a> {
    pub sql: Cow<'a, str>,
    pub params: Vec<Param<'a>>,
    /// Whether the driver keeps it prepared.
    pub keep: Keep,
}

impl<'a> Stmt<'a> {
    /// A statement of fixed text, kept prepared.
    pub fn new(sql: impl Into<Cow<'a, str>>, params: Vec<Param<'a>>) -> Stmt<'a> {
        Stmt {
            sql: sql.into(),
            params,
            keep: Keep::Always,
        }
    }

    /// A statement whose text varies with the request ([`Keep::IfShort`]).
    pub fn once(sql: impl Into<Cow<'a, str>>, params: Vec<Param<'a>>) -> Stmt<'a> {
        Stmt {
            keep: Keep::IfShort,
            ..Stmt::new(sql, params)
        }
    }

    /// Whether a driver keeps this statement prepared, `room` saying
    /// whether its cache may take one more one-off text.
    pub fn kept(&self, room: bool) -> bool {
        match self.keep {
            Keep::Always => true,
            Keep::IfShort => room && self.sql.len() <= KEEP_ONCE_MAX,
            Keep::Never => false,
        }
    }

    /// A statement whose text no later request repeats ([`Keep::Never`]).
    pub fn one_use(sql: impl Into<Cow<'a, str>>, params: Vec<Param<'a>>) -> Stmt<'a> {
        Stmt {
            keep: Keep::Never,
            ..Stmt::new(sql, params)
        }
    }
}

/// A [`Stmt`] from text and parameters: `stmt!("… $1 …", a, b)`.
#[macro_export]
macro_rules! stmt {
    ($sql:expr $(, $p:expr)* $(,)?) => {
        $crate::Stmt::new($sql, vec![$($crate::Param::from($p)),*])
    };
}

/// One column value as the driver read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val<'r> {
    Null,
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(&'r str),
    Bytes(&'r [u8]),
}

/// A row of a result.
pub trait Row {
    /// Column `i` (from 0).
    fn get(&self, i: usize) -> Result<Val<'_>, Fail>;
}

fn bad(i: usize, want: &str, got: &Val<'_>) -> Fail {
    Fail::Store(StoreError::Backend(format!(
        "column {i}: expected {want}, found {got:?}"
    )))
}

impl dyn Row + '_ {
    /// An integer column (NULL refused).
    pub fn int(&self, i: usize) -> Result<i64, Fail> {
        self.opt_int(i)?
            .ok_or_else(|| bad(i, "an integer", &Val::Null))
    }

    /// An integer column that may be NULL.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, Fail> {
        match self.get(i)? {
            Val::Null => Ok(None),
            Val::Int(n) => Ok(Some(n)),
            other => Err(bad(i, "an integer", &other)),
        }
    }

    /// A boolean column (SQLite keeps booleans as integers).
    pub fn bool(&self, i: usize) -> Result<bool, Fail> {
        match self.get(i)? {
            Val::Bool(b) => Ok(b),
            Val::Int(n) => Ok(n != 0),
            other => Err(bad(i, "a boolean", &other)),
        }
    }

    /// A text column, borrowed (NULL refused).
    pub fn str(&self, i: usize) -> Result<&str, Fail> {
        self.opt_str(i)?.ok_or_else(|| bad(i, "text", &Val::Null))
    }

    /// A text column that may be NULL, borrowed.
    pub fn opt_str(&self, i: usize) -> Result<Option<&str>, Fail> {
        match self.get(i)? {
            Val::Null => Ok(None),
            Val::Text(s) => Ok(Some(s)),
            other => Err(bad(i, "text", &other)),
        }
    }

    /// A text column (NULL refused).
    pub fn string(&self, i: usize) -> Result<String, Fail> {
        self.str(i).map(str::to_string)
    }

    /// A text column that may be NULL.
    pub fn opt_string(&self, i: usize) -> Result<Option<String>, Fail> {
        Ok(self.opt_str(i)?.map(str::to_string))
    }

    /// A binary column.
    pub fn bytes(&self, i: usize) -> Result<Vec<u8>, Fail> {
        match self.get(i)? {
            Val::Bytes(b) => Ok(b.to_vec()),
            other => Err(bad(i, "bytes", &other)),
        }
    }
}

/// What a driver error means to the shared code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbClass {
    /// A unique index refused a value; `on_resource_id` when it is a
    /// resource's id within its tenant.
    Unique {
        on_resource_id: bool,
    },
    /// A row referenced a row that is gone (a member deleted concurrently).
    ForeignKey,
    /// The transaction lost a race (deadlock, serialization failure):
    /// running it again may succeed.
    Retry,
    /// The statement was stopped at the request's deadline
    /// ([`scim_store::deadline`]).
    Deadline,
    Other,
}

/// A driver error, classified.
#[derive(Debug, Clone, PartialEq)]
pub struct DbError {
    pub class: DbClass,
    /// For logs.
    pub message: String,
}

/// A failure inside a store operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Fail {
    Db(DbError),
    Store(StoreError),
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Fail {
        Fail::Store(e)
    }
}

impl Fail {
    /// A database failure of no particular class.
    pub fn db(message: impl Into<String>) -> Fail {
        Fail::Db(DbError {
            class: DbClass::Other,
            message: message.into(),
        })
    }

    /// Whether running the transaction again may succeed.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            Fail::Db(DbError {
                class: DbClass::Retry,
                ..
            })
        )
    }

    /// Whether a unique index refused a resource's id.
    pub fn is_id_conflict(&self) -> bool {
        matches!(
            self,
            Fail::Db(DbError {
                class: DbClass::Unique {
                    on_resource_id: true
                },
                ..
            })
        )
    }

    /// A unique violation as [`StoreError::Uniqueness`] saying `what`.
    pub fn unique(self, what: impl FnOnce() -> String) -> Fail {
        match self {
            Fail::Db(DbError {
                class: DbClass::Unique { .. },
                ..
            }) => Fail::Store(StoreError::Uniqueness(what())),
            other => other,
        }
    }

    /// Into the store's error.
    pub fn into_store(self) -> StoreError {
        match self {
            Fail::Store(e) => e,
            Fail::Db(DbError {
                class: DbClass::Unique { .. },
                ..
            }) => StoreError::Uniqueness("the value is taken".into()),
            Fail::Db(DbError {
                class: DbClass::ForeignKey,
                ..
            }) => StoreError::MissingMember("a member was deleted concurrently".into()),
            Fail::Db(DbError {
                class: DbClass::Deadline,
                ..
            }) => StoreError::Deadline,
            Fail::Db(e) => StoreError::Backend(e.message),
        }
    }
}

/// The callback of [`Exec::each`]: called per row, returns whether to go on.
pub type EachRow<'f> = dyn FnMut(&dyn Row) -> Result<bool, Fail> + Send + 'f;

/// A connection (or transaction) that runs statements.
#[async_trait]
pub trait Exec: Send {
    /// The SQL this connection speaks.
    fn dialect(&self) -> &'static dyn crate::Dialect;
    /// Runs `stmt` and calls `each` with its rows, in order, until it
    /// returns `false` (the rest are not read).
    async fn each(&mut self, stmt: &Stmt<'_>, each: &mut EachRow<'_>) -> Result<(), Fail>;
    /// Runs `stmt`; the number of rows it changed (or returned).
    async fn execute(&mut self, stmt: &Stmt<'_>) -> Result<u64, Fail>;
    /// Runs an `INSERT` of one row that ends with the dialect's
    /// [`crate::Dialect::returning`] of its integer key; the new key.
    async fn insert(&mut self, stmt: &Stmt<'_>) -> Result<i64, Fail>;
}

impl<'e> dyn Exec + 'e {
    /// Every row of `stmt`, mapped.
    pub async fn all<T: Send>(
        &mut self,
        stmt: &Stmt<'_>,
        mut map: impl FnMut(&dyn Row) -> Result<T, Fail> + Send,
    ) -> Result<Vec<T>, Fail> {
        let mut out = Vec::new();
        self.each(stmt, &mut |r| {
            out.push(map(r)?);
            Ok(true)
        })
        .await?;
        Ok(out)
    }

    /// The first row of `stmt`, mapped, if there is one.
    pub async fn opt<T: Send>(
        &mut self,
        stmt: &Stmt<'_>,
        map: impl FnOnce(&dyn Row) -> Result<T, Fail> + Send,
    ) -> Result<Option<T>, Fail> {
        let mut map = Some(map);
        let mut out = None;
        self.each(stmt, &mut |r| {
            if let Some(m) = map.take() {
                out = Some(m(r)?);
            }
            Ok(false)
        })
        .await?;
        Ok(out)
    }

    /// The first row of `stmt`, mapped; no row is a backend failure.
    pub async fn one<T: Send>(
        &mut self,
        stmt: &Stmt<'_>,
        map: impl FnOnce(&dyn Row) -> Result<T, Fail> + Send,
    ) -> Result<T, Fail> {
        self.opt(stmt, map)
            .await?
            .ok_or_else(|| Fail::db(format!("no row from {}", stmt.sql)))
    }

    /// The integer in the first column of the first row (a count).
    pub async fn count(&mut self, stmt: &Stmt<'_>) -> Result<u64, Fail> {
        let n = self.opt(stmt, |r| r.opt_int(0)).await?.flatten();
        Ok(n.map_or(0, |n| u64::try_from(n).unwrap_or(0)))
    }
}

/// The output of a future that is ready when first polled: what an
/// executor that never waits (SQLite's) produces. `None` if it was not.
pub fn now<T>(f: impl Future<Output = T>) -> Option<T> {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}
