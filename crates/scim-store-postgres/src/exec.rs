//! The shared SQL layer's executor on tokio-postgres: statements prepared
//! once per connection (deadpool's statement cache), parameters converted
//! to the types the server inferred for them, rows streamed (a reader that
//! has what it needs stops reading), and errors classified: unique
//! violations, foreign-key violations (a member deleted concurrently) and
//! the retryable ones (serialization failures, deadlocks).
//!
//! A one-off statement (`Stmt::once`: text that varies with the request,
//! such as a filtered page) is kept prepared too while it is short and
//! the connection's cache is not full ([`keep`]), as the SQLite executor
//! does: an IdP's lookups repeat a few shapes, and a prepared one is
//! neither parsed nor planned again (planning was three quarters of a
//! lookup's page statement). Any other is prepared for its one use.

use bytes::BytesMut;
use deadpool_postgres::{GenericClient, PoolError, StatementCache};
use futures_util::TryStreamExt;
use scim_store::StoreError;
use scim_store_sql::dialect::POSTGRES;
use scim_store_sql::{DbClass, DbError, Dialect, EachRow, Exec, Fail, Param, Row, Stmt, Val};
use std::error::Error;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};

/// How often a transaction is attempted before a retryable failure is reported.
pub const MAX_TRIES: usize = 5;

/// A parameter as tokio-postgres sends it: an integer becomes the
/// `smallint`, `integer` or `bigint` its placeholder stands for.
#[derive(Debug)]
pub struct Bind<'p>(pub &'p Param<'p>);

fn narrow<T: TryFrom<i64>>(v: &[i64]) -> Result<Vec<T>, Box<dyn Error + Sync + Send>>
where
    T::Error: Error + Sync + Send + 'static,
{
    v.iter()
        .map(|i| T::try_from(*i).map_err(|e| Box::new(e) as Box<dyn Error + Sync + Send>))
        .collect()
}

impl ToSql for Bind<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self.0 {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql_checked(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql_checked(ty, out),
                _ => i.to_sql_checked(ty, out),
            },
            Param::Real(f) => f.to_sql_checked(ty, out),
            Param::Bool(b) => b.to_sql_checked(ty, out),
            Param::Text(s) => s.as_ref().to_sql_checked(ty, out),
            Param::Bytes(b) => b.to_sql_checked(ty, out),
            Param::Ints(v) => match *ty {
                Type::INT2_ARRAY => narrow::<i16>(v)?.to_sql_checked(ty, out),
                Type::INT4_ARRAY => narrow::<i32>(v)?.to_sql_checked(ty, out),
                _ => v.to_sql_checked(ty, out),
            },
            Param::Texts(v) => v.to_sql_checked(ty, out),
            Param::OptTexts(v) => v.to_sql_checked(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Parameters as tokio-postgres takes them.
pub fn binds<'p>(params: &'p [Param<'p>]) -> Vec<Bind<'p>> {
    params.iter().map(Bind).collect()
}

/// The message of a database error (for logs; clients see a generic 500).
/// Connection errors keep their cause (a refused certificate, a
/// connection refused) from the source chain.
fn message(e: &tokio_postgres::Error) -> String {
    if let Some(d) = e.as_db_error() {
        return format!("postgres: {} ({})", d.message(), d.code().code());
    }
    let mut text = format!("postgres: {e}");
    let mut source = Error::source(e);
    for _ in 0..8 {
        let Some(s) = source else { break };
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

/// A driver error, classified.
pub fn fail(e: tokio_postgres::Error) -> Fail {
    let class = match e.code() {
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE => DbClass::Retry,
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED => DbClass::Retry,
        Some(c) if *c == SqlState::UNIQUE_VIOLATION => DbClass::Unique {
            on_resource_id: e
                .as_db_error()
                .and_then(|d| d.constraint())
                .is_some_and(|c| c == "resources_id"),
        },
        Some(c) if *c == SqlState::FOREIGN_KEY_VIOLATION => DbClass::ForeignKey,
        Some(c) if *c == SqlState::QUERY_CANCELED => DbClass::Deadline,
        _ => DbClass::Other,
    };
    Fail::Db(DbError {
        class,
        message: message(&e),
    })
}

/// A driver error as a store error.
pub fn backend(e: tokio_postgres::Error) -> StoreError {
    fail(e).into_store()
}

/// A pool that could not give a connection.
pub fn pool_fail(e: PoolError) -> Fail {
    match e {
        PoolError::Backend(e) => fail(e),
        other => Fail::Store(StoreError::Backend(format!("connection pool: {other}"))),
    }
}

/// A row of a tokio-postgres result, its columns read by their types.
struct PgRow<'r>(&'r tokio_postgres::Row);

impl Row for PgRow<'_> {
    fn get(&self, i: usize) -> Result<Val<'_>, Fail> {
        let r = self.0;
        let ty = r
            .columns()
            .get(i)
            .ok_or_else(|| Fail::db(format!("no column {i}")))?
            .type_();
        let v = match *ty {
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)
                .map(|v| v.map(|n| Val::Int(n.into()))),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)
                .map(|v| v.map(|n| Val::Int(n.into()))),
            Type::INT8 => r.try_get::<_, Option<i64>>(i).map(|v| v.map(Val::Int)),
            Type::BOOL => r.try_get::<_, Option<bool>>(i).map(|v| v.map(Val::Bool)),
            Type::FLOAT8 => r.try_get::<_, Option<f64>>(i).map(|v| v.map(Val::Real)),
            Type::BYTEA => r.try_get::<_, Option<&[u8]>>(i).map(|v| v.map(Val::Bytes)),
            _ => r.try_get::<_, Option<&str>>(i).map(|v| v.map(Val::Text)),
        };
        Ok(v.map_err(fail)?.unwrap_or(Val::Null))
    }
}

/// One-off statements are kept only while the connection's cache holds
/// fewer statements than this, so that clients sending ever new filter
/// shapes cannot grow it (nor the server's plans for it) without bound.
/// The fixed statements, a few hundred code constants, are always kept.
pub const KEEP_ONCE_BELOW: usize = 384;

/// Whether `stmt` is prepared into the connection's cache.
fn keep(stmt: &Stmt<'_>, cache: &StatementCache) -> bool {
    stmt.kept(cache.size() < KEEP_ONCE_BELOW)
}

/// A pooled connection or a transaction as an [`Exec`].
pub struct PgExec<'c, C> {
    pub c: &'c C,
}

/// A pooled connection or a transaction, with its statement cache.
pub trait Conn: GenericClient + Sync {
    fn cache(&self) -> &StatementCache;
}

impl Conn for deadpool_postgres::Object {
    fn cache(&self) -> &StatementCache {
        &self.statement_cache
    }
}

impl Conn for deadpool_postgres::Transaction<'_> {
    fn cache(&self) -> &StatementCache {
        &self.statement_cache
    }
}

#[async_trait::async_trait]
impl<C: Conn> Exec for PgExec<'_, C> {
    fn dialect(&self) -> &'static dyn Dialect {
        &POSTGRES
    }

    async fn each(&mut self, stmt: &Stmt<'_>, each: &mut EachRow<'_>) -> Result<(), Fail> {
        let binds = binds(&stmt.params);
        // Boxed, so that dropping it really ends it: rows not read must
        // not wait in the connection while the next statements run.
        let mut rows = if keep(stmt, self.c.cache()) {
            let st = self.c.prepare_cached(&stmt.sql).await.map_err(fail)?;
            Box::pin(self.c.query_raw(&st, binds.iter()).await.map_err(fail)?)
        } else {
            Box::pin(
                self.c
                    .query_raw(stmt.sql.as_ref(), binds.iter())
                    .await
                    .map_err(fail)?,
            )
        };
        while let Some(row) = rows.try_next().await.map_err(fail)? {
            if !each(&PgRow(&row))? {
                break;
            }
        }
        Ok(())
    }

    async fn execute(&mut self, stmt: &Stmt<'_>) -> Result<u64, Fail> {
        let binds = binds(&stmt.params);
        if keep(stmt, self.c.cache()) {
            let st = self.c.prepare_cached(&stmt.sql).await.map_err(fail)?;
            self.c.execute_raw(&st, binds.iter()).await.map_err(fail)
        } else {
            let sql: &str = &stmt.sql;
            self.c.execute_raw(sql, binds.iter()).await.map_err(fail)
        }
    }

    async fn insert(&mut self, stmt: &Stmt<'_>) -> Result<i64, Fail> {
        let key = (self as &mut dyn Exec).one(stmt, |r| r.int(0)).await?;
        Ok(key)
    }
}
