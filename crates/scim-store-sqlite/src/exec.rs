//! The shared SQL layer's executor on rusqlite. Statements are prepared
//! once per connection (rusqlite's statement cache) and their `$N`
//! parameters, which SQLite reads as named ones, are bound by name. Every
//! call completes before it returns, so a job's future is ready when first
//! polled ([`run`]): the writer thread and the readers run jobs without an
//! async runtime.

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, ErrorCode, Statement};
use scim_store::{StoreError, StoreResult};
use scim_store_sql::dialect::SQLITE;
use scim_store_sql::{
    now, DbClass, DbError, Dialect, EachRow, Exec, Fail, Job, Param, Row, Stmt, Val,
};

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

/// Binds `params` to the statement's `$N` (or `?N`, or `?`) parameters.
fn bind(st: &mut Statement<'_>, params: &[Param<'_>]) -> Result<(), Fail> {
    for i in 1..=st.parameter_count() {
        let k = match st.parameter_name(i) {
            None => i,
            Some(name) => name
                .get(1..)
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| Fail::db(format!("unknown parameter {name}")))?,
        };
        let p = k
            .checked_sub(1)
            .and_then(|k| params.get(k))
            .ok_or_else(|| Fail::db(format!("no value for parameter {k}")))?;
        st.raw_bind_parameter(i, Bind(p)).map_err(fail)?;
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
        let mut st = self.conn.prepare_cached(&stmt.sql).map_err(fail)?;
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
        let mut st = self.conn.prepare_cached(&stmt.sql).map_err(fail)?;
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
