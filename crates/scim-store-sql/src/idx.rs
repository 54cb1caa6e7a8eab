//! Writing a resource's rows of the lookup table `idx` (see
//! `scim_store::index`): a plan's [`IndexDelta`], so that a change to one
//! of 35,000 emails writes one row, not 35,000. With array parameters the
//! rows removed and the rows added are one statement each; without, each
//! removed row is a statement and the added rows go in key order (the
//! B-tree takes them as appends), many per statement.

use crate::exec::{Exec, Fail, Param, Stmt};
use crate::stmt;
use scim_store::index::code_of;
use scim_store::{IndexDelta, ResourceKind};

/// Index rows one statement inserts at most (without array parameters).
const INSERT_CHUNK: usize = 64;

/// The `(attribute code, value)` of index rows, skipping unknown paths.
fn coded(kind: ResourceKind, rows: &[(String, String)]) -> Vec<(i64, &str)> {
    rows.iter()
        .filter_map(|(path, value)| Some((code_of(kind, path)?, value.as_str())))
        .collect()
}

/// `INSERT INTO idx` of `n` rows: `$1` tenant, `$2` seq, then attribute
/// and value of each row.
fn insert_rows(kind: ResourceKind, n: usize) -> String {
    let mut sql = String::from("INSERT INTO idx (tenant_id, kind, attr, value, seq) VALUES ");
    for i in 0..n {
        if i > 0 {
            sql.push(',');
        }
        let k = kind.code();
        sql.push_str(&format!("($1, {k}, ${}, ${}, $2)", 3 + 2 * i, 4 + 2 * i));
    }
    sql.push_str(" ON CONFLICT (tenant_id, kind, attr, value, seq) DO NOTHING");
    sql
}

/// `$1` tenant, `$2` seq, `$3` the attribute codes, `$4` the values.
fn arrays<'a>(tenant: i64, seq: i64, rows: &[(i64, &'a str)]) -> Vec<Param<'a>> {
    let (attrs, values): (Vec<i64>, Vec<&str>) = rows.iter().copied().unzip();
    vec![
        tenant.into(),
        seq.into(),
        Param::Ints(attrs),
        Param::Texts(values),
    ]
}

/// A unique index row refused (an extension attribute with uniqueness
/// `server`, codes from `scim_store::index::UNIQUE_BASE`).
fn taken(e: Fail) -> Fail {
    e.unique(|| "an attribute with uniqueness \"server\" has this value in another resource".into())
}

/// Deletes and inserts the index rows of a resource. A value of a unique
/// extension attribute that another resource holds is
/// `StoreError::Uniqueness`.
pub async fn write_delta(
    x: &mut dyn Exec,
    tenant: i64,
    kind: ResourceKind,
    seq: i64,
    delta: &IndexDelta,
) -> Result<(), Fail> {
    let removed = coded(kind, &delta.removed);
    let mut added = coded(kind, &delta.added);
    let k = kind.code();
    if x.dialect().arrays() {
        if !removed.is_empty() {
            let sql = format!(
                "DELETE FROM idx i USING unnest($3::smallint[], $4::text[]) AS t(a, v)
                 WHERE i.tenant_id = $1 AND i.kind = {k} AND i.attr = t.a AND i.value = t.v AND i.seq = $2"
            );
            x.execute(&Stmt::new(sql, arrays(tenant, seq, &removed)))
                .await?;
        }
        if !added.is_empty() {
            let sql = format!(
                "INSERT INTO idx (tenant_id, kind, attr, value, seq) SELECT $1, {k}, a, v, $2 FROM unnest($3::smallint[], $4::text[]) AS t(a, v) ON CONFLICT (tenant_id, kind, attr, value, seq) DO NOTHING"
            );
            x.execute(&Stmt::new(sql, arrays(tenant, seq, &added)))
                .await
                .map_err(taken)?;
        }
        return Ok(());
    }
    let delete = format!(
        "DELETE FROM idx WHERE tenant_id = $1 AND kind = {k} AND attr = $3 AND value = $4 AND seq = $2"
    );
    for (attr, value) in removed {
        x.execute(&stmt!(delete.as_str(), tenant, seq, attr, value))
            .await?;
    }
    added.sort_unstable();
    for chunk in added.chunks(INSERT_CHUNK) {
        let mut params = Vec::with_capacity(2 + 2 * chunk.len());
        params.push(Param::Int(tenant));
        params.push(Param::Int(seq));
        for (attr, value) in chunk {
            params.push(Param::Int(*attr));
            params.push(Param::from(*value));
        }
        x.execute(&Stmt::new(insert_rows(kind, chunk.len()), params))
            .await
            .map_err(taken)?;
    }
    Ok(())
}
