//! scimd's connections run without JIT, and the executor's statements on
//! PostgreSQL: parameters of every kind
//! bound to the types the server inferred, and which statements stay
//! prepared in the connection's cache (fixed ones always; one-off ones
//! while short and while the cache is not full; one-use ones never). One
//! `check` per case:
//! the statement, its parameters, the keys it must return.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scim_store_postgres::exec::{PgExec, KEEP_ONCE_BELOW};
use scim_store_postgres::testing::{admin_or_skip, TestDb};
use scim_store_postgres::tls::parse_url;
use scim_store_postgres::Postgres;
use scim_store_sql::{Exec, Param, Stmt, KEEP_ONCE_MAX};

async fn check(x: &mut dyn Exec, sql: &str, params: Vec<Param<'_>>, expected: &[i64]) {
    check_stmt(x, &Stmt::once(sql, params), expected).await;
}

async fn check_stmt(x: &mut dyn Exec, stmt: &Stmt<'_>, expected: &[i64]) {
    let sql = &stmt.sql;
    let got = x
        .all(stmt, |r| r.int(0))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    assert_eq!(got, expected, "{sql}");
}

#[tokio::test]
async fn parameters_bind_and_one_off_statements_are_kept_within_bounds() {
    let Some(admin) = admin_or_skip() else { return };
    let db = TestDb::create(&admin).await.unwrap();
    let opts = parse_url(&db.url).unwrap();
    let manager = deadpool_postgres::Manager::new(opts.config, opts.tls);
    let pool = deadpool_postgres::Pool::builder(manager)
        .max_size(1)
        .build()
        .unwrap();
    let c = pool.get().await.unwrap();
    c.batch_execute(
        "CREATE TABLE t (k smallint, n integer, b bigint, s text, f double precision, ok boolean, raw bytea);
         INSERT INTO t VALUES (1, 2, 3, 'x', 0.5, true, '\\x01'), (2, 3, 4, 'y', 1.5, false, '\\x02');",
    )
    .await
    .unwrap();
    let x: &mut dyn Exec = &mut PgExec { c: &c };
    let every = "SELECT k FROM t WHERE k = $1 AND n = $2 AND b = $3 AND s = $4 AND f = $5 AND ok = $6 AND raw = $7";
    let params = vec![
        Param::Int(1),
        Param::Int(2),
        Param::Int(3),
        Param::Text("x".into()),
        Param::Real(0.5),
        Param::Bool(true),
        Param::Bytes(&[1]),
    ];
    check(x, every, params, &[1]).await;
    check(
        x,
        "SELECT k FROM t WHERE n = ANY($1) AND s = ANY($2) ORDER BY k",
        vec![Param::Ints(vec![2, 3]), Param::Texts(vec!["x", "y"])],
        &[1, 2],
    )
    .await;
    check(
        x,
        "SELECT k FROM t WHERE s = ANY($1) ORDER BY k",
        vec![Param::OptTexts(vec![None, Some("y")])],
        &[2],
    )
    .await;
    // A NULL's type is the server's to infer: prepared first.
    check(
        x,
        "SELECT k FROM t WHERE CAST($1 AS integer) IS NULL AND k >= $2 ORDER BY k",
        vec![Param::Null, Param::Int(2)],
        &[2],
    )
    .await;
    // Kept: each statement above, once.
    let cache = || c.statement_cache.size();
    assert_eq!(cache(), 4);
    // A long one-off statement is prepared for its one use.
    let long = format!(
        "SELECT k FROM t WHERE k = $1 /* {} */",
        "x".repeat(KEEP_ONCE_MAX)
    );
    let x: &mut dyn Exec = &mut PgExec { c: &c };
    check(x, &long, vec![Param::Int(2)], &[2]).await;
    assert_eq!(cache(), 4);
    // New shapes are kept until the cache is full, then run unkept.
    for i in 0..KEEP_ONCE_BELOW + 10 {
        let sql = format!("SELECT k FROM t WHERE k = $1 AND {i} = {i}");
        check(x, &sql, vec![Param::Int(1)], &[1]).await;
    }
    assert_eq!(cache(), KEEP_ONCE_BELOW);
    // Text of one use (a deep page) is never kept.
    let deep = Stmt::one_use("SELECT k FROM t WHERE k = $1 OFFSET 0", vec![Param::Int(1)]);
    check_stmt(x, &deep, &[1]).await;
    assert_eq!(cache(), KEEP_ONCE_BELOW);
    // A fixed statement is kept still.
    let fixed = Stmt::new("SELECT k FROM t WHERE n = $1", vec![Param::Int(3)]);
    check_stmt(x, &fixed, &[2]).await;
    assert_eq!(cache(), KEEP_ONCE_BELOW + 1);
}

/// With member statistics missing (an IdP's first sync), reading one
/// user's groups was estimated above `jit_above_cost`: 10 ms of JIT for a
/// 0.6 ms query, on every read. scimd's connections turn JIT off, and a
/// `-c` option given in the URL is kept.
#[tokio::test]
async fn connections_run_without_jit() {
    let Some(admin) = admin_or_skip() else { return };
    let store = Postgres::open_fresh(&admin).await.unwrap();
    assert_eq!(store.setting("jit").await.unwrap(), "off");
    let db = TestDb::create(&admin).await.unwrap();
    let sep = if db.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}options=-c%20work_mem%3D8MB", db.url);
    let store = Postgres::connect(&url).await.unwrap();
    assert_eq!(store.setting("jit").await.unwrap(), "off");
    assert_eq!(store.setting("work_mem").await.unwrap(), "8MB");
}
