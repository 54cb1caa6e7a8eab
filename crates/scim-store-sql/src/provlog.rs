//! The provisioning log (`scim_store::LogStore`): batches of rows appended
//! in one statement, a tenant's rows read with filters, per-connection
//! counts, and pruning by age (in chunks) and by count per tenant. Rows
//! without a tenant (a 401 whose token names none) are kept as tenant 0.

use crate::backend::{task, Backend, Write};
use crate::dialect::Sql;
use crate::events::{purge_chunk, PURGE_CHUNK};
use crate::exec::{Exec, Fail, Param, Row, Stmt};
use crate::rows::ts;
use crate::stmt;
use crate::store::SqlStore;
use async_trait::async_trait;
use scim_core::timestamp::Timestamp;
use scim_store::*;

const COLUMNS: &str = "seq, tenant_id, connection_id, at, client, token_prefix, method, path, \
     query, resource, resource_id, status, micros, scim_type, detail, request_id, audited";

/// Deletes rows older than `$1`, at most `$2` of them.
const PURGE_LOG: &str =
    "DELETE FROM provlog WHERE seq IN (SELECT seq FROM provlog WHERE at < $1 LIMIT $2)";

/// Deletes a tenant `$1`'s rows but the newest `$2`.
const TRIM_LOG: &str = "DELETE FROM provlog WHERE tenant_id = $1 AND seq <= \
     (SELECT seq FROM provlog WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)";

fn record(r: &dyn Row) -> Result<LogRecord, Fail> {
    let tenant = r.int(1)?;
    Ok(LogRecord {
        seq: r.int(0)?,
        entry: LogEntry {
            tenant: (tenant != 0).then(|| TenantId::from_db(tenant)),
            connection: r.opt_int(2)?.map(ConnectionId::from_db),
            at: ts(r.int(3)?)?,
            client: r.opt_string(4)?,
            token_prefix: r.opt_string(5)?,
            method: r.string(6)?,
            path: r.string(7)?,
            query: r.string(8)?,
            resource: r.opt_string(9)?,
            resource_id: r.opt_string(10)?,
            status: u16::try_from(r.int(11)?).unwrap_or(0),
            micros: r.int(12)?,
            scim_type: r.opt_string(13)?,
            detail: r.opt_string(14)?,
            request_id: r.string(15)?,
            audited: r.int(16)? != 0,
        },
    })
}

/// Rows one insert statement takes, largest first: a batch is written as
/// statements of these sizes, so that a connection keeps three prepared
/// texts whatever the batch sizes (a text per batch size, kept prepared,
/// held over 100 MB once 256 sizes had come by).
pub const ROWS_PER_INSERT: [usize; 3] = [64, 8, 1];

/// Appends a batch, in statements of [`ROWS_PER_INSERT`] rows.
pub async fn append(x: &mut dyn Exec, entries: &[LogEntry]) -> Result<(), Fail> {
    let mut rest = entries;
    for size in ROWS_PER_INSERT {
        while rest.len() >= size {
            let (chunk, tail) = rest.split_at(size);
            insert(x, chunk).await?;
            rest = tail;
        }
    }
    Ok(())
}

/// Inserts `entries` in one statement (its text fixed by their number).
async fn insert(x: &mut dyn Exec, entries: &[LogEntry]) -> Result<(), Fail> {
    let mut sql = Sql::default();
    sql.push(
        "INSERT INTO provlog (tenant_id, connection_id, at, client, token_prefix, method, path, \
         query, resource, resource_id, status, micros, scim_type, detail, request_id, audited) VALUES ",
    );
    for (i, e) in entries.iter().enumerate() {
        sql.push(if i == 0 { "(" } else { ", (" });
        let values: [Param<'static>; 16] = [
            Param::Int(e.tenant.map_or(0, |t| t.db_key())),
            e.connection.map(|c| c.db_key()).into(),
            Param::Int(e.at.unix_millis()),
            e.client.clone().into(),
            e.token_prefix.clone().into(),
            e.method.clone().into(),
            e.path.clone().into(),
            e.query.clone().into(),
            e.resource.clone().into(),
            e.resource_id.clone().into(),
            Param::Int(i64::from(e.status)),
            Param::Int(e.micros),
            e.scim_type.clone().into(),
            e.detail.clone().into(),
            e.request_id.clone().into(),
            Param::Int(i64::from(e.audited)),
        ];
        for (j, v) in values.into_iter().enumerate() {
            if j > 0 {
                sql.push(", ");
            }
            sql.param(v);
        }
        sql.push(")");
    }
    x.execute(&Stmt::new(sql.text, sql.params)).await?;
    Ok(())
}

/// A tenant's rows matching `q`, newest first.
pub async fn read(
    x: &mut dyn Exec,
    tenant: TenantId,
    q: &LogQuery,
) -> Result<Vec<LogRecord>, Fail> {
    let mut sql = Sql::default();
    sql.push(&format!("SELECT {COLUMNS} FROM provlog WHERE tenant_id = "));
    sql.param(Param::Int(tenant.db_key()));
    let text = |sql: &mut Sql, col: &str, v: &Option<String>| {
        if let Some(v) = v {
            sql.push(&format!(" AND {col} = "));
            sql.param(Param::from(v.clone()));
        }
    };
    text(&mut sql, "method", &q.method);
    text(&mut sql, "resource", &q.resource);
    text(&mut sql, "resource_id", &q.resource_id);
    text(&mut sql, "request_id", &q.request_id);
    let int = |sql: &mut Sql, cond: &str, v: Option<i64>| {
        if let Some(v) = v {
            sql.push(&format!(" AND {cond} "));
            sql.param(Param::Int(v));
        }
    };
    int(
        &mut sql,
        "connection_id =",
        q.connection.map(|c| c.db_key()),
    );
    int(&mut sql, "at >=", q.since.map(|t| t.unix_millis()));
    int(&mut sql, "at <", q.until.map(|t| t.unix_millis()));
    int(&mut sql, "seq >", q.after_seq);
    int(&mut sql, "seq <", q.before_seq);
    if let Some(c) = q.status_class {
        let low = i64::from(c) * 100;
        sql.push(&format!(" AND status BETWEEN {low} AND {}", low + 99));
    }
    let limit = i64::try_from(q.limit).unwrap_or(i64::MAX);
    sql.push(&format!(" ORDER BY seq DESC LIMIT {limit}"));
    x.all(&Stmt::once(sql.text, sql.params), record).await
}

/// A connection's requests and errors since a time.
pub async fn counts(
    x: &mut dyn Exec,
    tenant: TenantId,
    connection: ConnectionId,
    since: Timestamp,
) -> Result<LogCounts, Fail> {
    let sql = "SELECT count(*), coalesce(sum(CASE WHEN status >= 400 THEN 1 ELSE 0 END), 0) \
               FROM provlog WHERE connection_id = $1 AND tenant_id = $2 AND at >= $3";
    x.one(
        &stmt!(
            sql,
            connection.db_key(),
            tenant.db_key(),
            since.unix_millis()
        ),
        |r| {
            Ok(LogCounts {
                requests: u64::try_from(r.int(0)?).unwrap_or(0),
                errors: u64::try_from(r.int(1)?).unwrap_or(0),
            })
        },
    )
    .await
}

/// Trims each tenant's rows (and those without one) to the newest `keep`.
pub async fn trim(x: &mut dyn Exec, keep: u64) -> Result<u64, Fail> {
    let mut tenants = x
        .all(&stmt!("SELECT id FROM tenants"), |r| r.int(0))
        .await?;
    tenants.push(0);
    let keep = i64::try_from(keep).unwrap_or(i64::MAX);
    let mut n = 0;
    for t in tenants {
        n += x.execute(&stmt!(TRIM_LOG, t, keep)).await?;
    }
    Ok(n)
}

#[async_trait]
impl<B: Backend> LogStore for SqlStore<B> {
    async fn append_log(&self, entries: &[LogEntry]) -> StoreResult<()> {
        let job = task(entries.to_vec(), |x, e| Box::pin(append(x, e)));
        self.b.write(Write::SYSTEM.atomic(), job).await
    }

    async fn provisioning_log(
        &self,
        tenant: TenantId,
        q: &LogQuery,
    ) -> StoreResult<Vec<LogRecord>> {
        let job = task((tenant, q.clone()), |x, (t, q)| Box::pin(read(x, *t, q)));
        self.b.read(false, job).await
    }

    async fn log_counts(
        &self,
        tenant: TenantId,
        connection: ConnectionId,
        since: Timestamp,
    ) -> StoreResult<LogCounts> {
        let job = task((tenant, connection, since), |x, (t, c, s)| {
            Box::pin(counts(x, *t, *c, *s))
        });
        self.b.read(false, job).await
    }

    async fn prune_log(&self, keep: u64, before: Timestamp) -> StoreResult<u64> {
        let mut total = 0;
        loop {
            let job = task(before, |x, before| {
                Box::pin(purge_chunk(x, PURGE_LOG, *before))
            });
            let n = self.b.write(Write::SYSTEM, job).await?;
            total += n;
            if n < PURGE_CHUNK.unsigned_abs() {
                break;
            }
        }
        let job = task(keep, |x, keep| Box::pin(trim(x, *keep)));
        total += self.b.write(Write::SYSTEM.atomic(), job).await?;
        Ok(total)
    }
}
