//! Query plans, for tests and diagnostics: the plan a backend chooses for
//! a list query, and for the statements that compute `User.groups`. The
//! tests of each backend assert on them that the IdPs' lookups are
//! index-led.

use crate::backend::{task, Backend};
use crate::exec::{Exec, Fail, Param, Stmt};
use crate::query::{page_statement, where_clause};
use crate::rows::{DESCRIBE_GROUP, GROUPS, PARENT_GROUPS};
use crate::store::SqlStore;
use scim_core::filter::{lower, Filter, Lowered};
use scim_core::schema::SchemaRegistry;
use scim_store::{ResourceKind, StoreError, StoreResult, TenantId};

/// A filter's text lowered for a kind of the built-in schemas (to explain
/// what an IdP sends).
pub fn lowered(kind: ResourceKind, filter: &str) -> StoreResult<Lowered> {
    let bad = |e: String| StoreError::Backend(format!("{filter}: {e}"));
    let reg = SchemaRegistry::builtin().map_err(|e| bad(e.to_string()))?;
    let view = reg
        .view(kind.name())
        .ok_or_else(|| bad("no such resource type".into()))?;
    let parsed = Filter::parse(filter).map_err(|e| bad(e.to_string()))?;
    lower(&parsed, &view).map_err(|e| bad(e.to_string()))
}

/// A filter's text lowered for a kind of `registry` (a tenant's schemas,
/// with the index codes of its extension attributes set).
pub fn lowered_in(
    registry: &SchemaRegistry,
    kind: ResourceKind,
    filter: &str,
) -> StoreResult<Lowered> {
    let bad = |e: String| StoreError::Backend(format!("{filter}: {e}"));
    let view = registry
        .view(kind.name())
        .ok_or_else(|| bad("no such resource type".into()))?;
    let parsed = Filter::parse(filter).map_err(|e| bad(e.to_string()))?;
    lower(&parsed, &view).map_err(|e| bad(e.to_string()))
}

/// The plan of `sql`, one line per node.
async fn plan(x: &mut dyn Exec, sql: &str, params: Vec<Param<'_>>) -> Result<String, Fail> {
    let (explain, col) = x.dialect().explain();
    let s = Stmt::once(format!("{explain} {sql}"), params);
    Ok(x.all(&s, |r| r.string(col)).await?.join("\n"))
}

impl<B: Backend> SqlStore<B> {
    /// The plan of the page statement of a list query.
    pub async fn explain(
        &self,
        tenant: TenantId,
        kind: ResourceKind,
        filter: Lowered,
    ) -> StoreResult<String> {
        let job = task((tenant, kind, filter), |x, (t, kind, filter)| {
            Box::pin(async move {
                let d = x.dialect();
                let w = where_clause(d, t.db_key(), *kind, Some(filter));
                let sql = page_statement(d, &w, None, None, 101, 0);
                plan(x, &sql, w.params).await
            })
        });
        self.b.read(false, job).await
    }

    /// The plan of removing one member (`id`) from the group `group` of
    /// `tenant` (arrays only: without them a removal is one statement by
    /// key per member).
    pub async fn explain_member_removal(
        &self,
        tenant: TenantId,
        group: i64,
        id: &str,
    ) -> StoreResult<String> {
        let job = task((tenant, group, id.to_string()), |x, (t, group, id)| {
            Box::pin(async move {
                let params = vec![
                    Param::Int(*group),
                    Param::Texts(vec![id.as_str()]),
                    Param::Int(t.db_key()),
                ];
                plan(x, crate::members::REMOVE_SOME, params).await
            })
        });
        self.b.read(false, job).await
    }

    /// The plans of the statements that compute the groups of the
    /// resource `seq`, separated by blank lines.
    pub async fn explain_groups(&self, seq: i64) -> StoreResult<String> {
        let job = task(seq, |x, seq| {
            Box::pin(async move {
                let statements: &[&str] = if x.dialect().arrays() {
                    &[GROUPS]
                } else {
                    &[PARENT_GROUPS, DESCRIBE_GROUP]
                };
                let mut plans = Vec::new();
                for sql in statements {
                    plans.push(plan(x, sql, vec![Param::Int(*seq)]).await?);
                }
                Ok(plans.join("\n\n"))
            })
        });
        self.b.read(false, job).await
    }
}
