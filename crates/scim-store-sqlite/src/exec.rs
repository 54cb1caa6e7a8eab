//! The shared SQL layer's executor on rusqlite. Statements are prepared
//! once per connection (rusqlite's statement cache, least recently used
//! out), except long one-off text (`Stmt::once` longer than
//! [`scim_store_sql::KEEP_ONCE_MAX`]: a batch of provisioning-log rows, a large filter),
//! whose prepared form grows with its text and which is prepared for its
//! one use and kept nowhere (kept, 256 of them held over 100 MB), and
//! text no later request repeats (`Stmt::one_use`: a deep page). Their
//! `$N` placeholders are written as SQLite's numbered `?N` and bound by
//! position. Every
//! call completes before it returns, so a job's future is ready when first
//! polled ([`run`]): the writer thread and the readers run jobs without an
//! async runtime.

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{CachedStatement, Connection, ErrorCode, Statement};
use scim_store::{StoreError, StoreResult};
use scim_store_sql::dialect::SQLITE;
use scim_store_sql::{
    now, DbClass, DbError, Dialect, EachRow, Exec, Fail, Job, Param, Row, Stmt, Val,
};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

/// A parameter as rusqlite binds it.
pub struct Bind<'p>(pub &'p Param<'p>);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Param::Null => ToSqlOutput::Owned(Value::Null),
            Param::Int(i) => ToSqlOutput::Owned(Value::Integer(*i)),
            Param::Real(f) => ToSqlOutput::Owned(Value::Real(*f)),
            Param::Bool(b) => ToSqlOutput::Owned(Value::Integer(i64::from(*b))),
            Param::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Param::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Param::Ints(_) | Param::Texts(_) | Param::OptTexts(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "SQLite takes no array parameters".into(),
                ))
            }
        })
    }
}

/// A driver error, classified: a constraint violation is a unique one
/// (foreign keys are off), on a resource's id when the index says so.
pub fn fail(e: rusqlite::Error) -> Fail {
    let class = match &e {
        rusqlite::Error::SqliteFailure(f, msg) if f.code == ErrorCode::ConstraintViolation => {
            DbClass::Unique {
                on_resource_id: msg.as_deref().is_some_and(|m| m.contains("resources.id")),
            }
        }
        rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::OperationInterrupted => {
            DbClass::Deadline
        }
        _ => DbClass::Other,
    };
    Fail::Db(DbError {
        class,
        message: format!("sqlite: {e}"),
    })
}

/// A driver error as a store error.
pub fn backend(e: rusqlite::Error) -> StoreError {
    fail(e).into_store()
}

/// `sql` with its `$N` placeholders as SQLite's numbered `?N`, which bind
/// by position (SQLite reads `$N` as a name, and finding a parameter by
/// name walks the list of names: quadratic for a statement of many rows).
/// Quoted text (string literals, identifiers) is left alone.
pub(crate) fn numbered(sql: &str) -> Cow<'_, str> {
    let bytes = sql.as_bytes();
    if memchr::memchr(b'$', bytes).is_none() {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len());
    let (mut at, mut copied) = (0, 0);
    while let Some(found) = memchr::memchr3(b'$', b'\'', b'"', &bytes[at..]) {
        let i = at + found;
        let c = bytes[i];
        if c == b'$' {
            if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                // `$` is ASCII, so `i` is a char boundary.
                out.push_str(sql.get(copied..i).unwrap_or_default());
                out.push('?');
                copied = i + 1;
            }
            at = i + 1;
        } else {
            // Quoted text runs to the same quote (a doubled one reopens it).
            match memchr::memchr(c, &bytes[i + 1..]) {
                Some(end) => at = i + 1 + end + 1,
                None => break,
            }
        }
    }
    out.push_str(sql.get(copied..).unwrap_or_default());
    Cow::Owned(out)
}

/// Texts [`numbered`] remembers per thread (the writer's and each
/// reader's): hot statements are rewritten once, and request-made texts
/// (filters) cannot grow it without bound.
const NUMBERED_KEPT: usize = 256;

thread_local! {
    static NUMBERED: RefCell<HashMap<Box<str>, Rc<str>, BuildHasherDefault<Fx>>> =
        RefCell::new(HashMap::default());
}

/// A fast hash of statement texts (a word at a time). The map it serves is
/// small and bounded, so texts that collide cost little.
#[derive(Default)]
struct Fx(u64);

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            self.add(u64::from_le_bytes(word));
        }
        let mut last = [0u8; 8];
        let rest = words.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(last));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A prepared statement: kept in the connection's cache, or for one use.
enum Prepared<'c> {
    Kept(CachedStatement<'c>),
    Once(Statement<'c>),
}

impl<'c> std::ops::Deref for Prepared<'c> {
    type Target = Statement<'c>;
    fn deref(&self) -> &Statement<'c> {
        match self {
            Prepared::Kept(s) => s,
            Prepared::Once(s) => s,
        }
    }
}

impl std::ops::DerefMut for Prepared<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match self {
            Prepared::Kept(s) => s,
            Prepared::Once(s) => s,
        }
    }
}

/// Prepares `stmt` (its `$N` as `?N`, see [`numbered`]): from the
/// connection's statement cache unless it is one-off text longer than
/// [`scim_store_sql::KEEP_ONCE_MAX`] or text of one use, prepared for this use only.
fn prepare_stmt<'c>(conn: &'c Connection, stmt: &Stmt<'_>) -> Result<Prepared<'c>, Fail> {
    // rusqlite's cache drops the least recently used: always room.
    if stmt.kept(true) {
        return prepare(conn, &stmt.sql).map(Prepared::Kept);
    }
    conn.prepare(&numbered(&stmt.sql))
        .map(Prepared::Once)
        .map_err(fail)
}

/// Prepares `sql` (its `$N` as `?N`, see [`numbered`]) from the
/// connection's statement cache.
fn prepare<'c>(conn: &'c Connection, sql: &str) -> Result<CachedStatement<'c>, Fail> {
    if memchr::memchr(b'$', sql.as_bytes()).is_none() {
        return conn.prepare_cached(sql).map_err(fail);
    }
    let text = NUMBERED.with(|kept| {
        let mut kept = kept.borrow_mut();
        if let Some(text) = kept.get(sql) {
            return text.clone();
        }
        if kept.len() >= NUMBERED_KEPT {
            kept.clear();
        }
        let text: Rc<str> = numbered(sql).into();
        kept.insert(sql.into(), text.clone());
        text
    });
    conn.prepare_cached(&text).map_err(fail)
}

/// Binds `params` by position (`?N` is the N-th).
fn bind(st: &mut Statement<'_>, params: &[Param<'_>]) -> Result<(), Fail> {
    let count = st.parameter_count();
    for (i, p) in params.iter().enumerate().take(count) {
        st.raw_bind_parameter(i + 1, Bind(p)).map_err(fail)?;
    }
    Ok(())
}

/// A row of a rusqlite result.
struct SqliteRow<'r>(&'r rusqlite::Row<'r>);

impl Row for SqliteRow<'_> {
    fn get(&self, i: usize) -> Result<Val<'_>, Fail> {
        Ok(match self.0.get_ref(i).map_err(fail)? {
            ValueRef::Null => Val::Null,
            ValueRef::Integer(n) => Val::Int(n),
            ValueRef::Real(f) => Val::Real(f),
            ValueRef::Text(t) => {
                Val::Text(std::str::from_utf8(t).map_err(|e| Fail::db(format!("column {i}: {e}")))?)
            }
            ValueRef::Blob(b) => Val::Bytes(b),
        })
    }
}

/// A connection as an [`Exec`].
pub struct SqliteExec<'c> {
    conn: &'c mut Connection,
}

#[async_trait::async_trait]
impl Exec for SqliteExec<'_> {
    fn dialect(&self) -> &'static dyn Dialect {
        &SQLITE
    }

    async fn each(&mut self, stmt: &Stmt<'_>, each: &mut EachRow<'_>) -> Result<(), Fail> {
        let mut st = prepare_stmt(self.conn, stmt)?;
        bind(&mut st, &stmt.params)?;
        let mut rows = st.raw_query();
        while let Some(row) = rows.next().map_err(fail)? {
            if !each(&SqliteRow(row))? {
                break;
            }
        }
        Ok(())
    }

    async fn execute(&mut self, stmt: &Stmt<'_>) -> Result<u64, Fail> {
        let mut st = prepare_stmt(self.conn, stmt)?;
        bind(&mut st, &stmt.params)?;
        if st.column_count() == 0 {
            return st.raw_execute().map(|n| n as u64).map_err(fail);
        }
        // `RETURNING`: the rows it returned.
        let mut rows = st.raw_query();
        let mut n = 0;
        while rows.next().map_err(fail)?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    async fn insert(&mut self, stmt: &Stmt<'_>) -> Result<i64, Fail> {
        self.execute(stmt).await?;
        Ok(self.conn.last_insert_rowid())
    }
}

/// Runs a job on `conn`, at once.
pub fn run<T>(conn: &mut Connection, job: &impl Job<T>) -> StoreResult<T> {
    let mut x = SqliteExec { conn };
    match now(job.run(&mut x)) {
        Some(result) => result.map_err(Fail::into_store),
        None => Err(StoreError::Backend(
            "an SQLite job waited, which it never should".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_are_numbered_outside_quotes() {
        for (sql, want) in [
            ("SELECT 1", "SELECT 1"),
            ("a = $1 AND b = $12", "a = ?1 AND b = ?12"),
            (
                "json_extract(r.doc, '$.\"x$1\"') = $2",
                "json_extract(r.doc, '$.\"x$1\"') = ?2",
            ),
            ("'it''s $1' || $1", "'it''s $1' || ?1"),
            ("\"col$1\" = $3 AND '$' = $", "\"col$1\" = ?3 AND '$' = $"),
        ] {
            assert_eq!(numbered(sql), want, "{sql}");
        }
    }
}
