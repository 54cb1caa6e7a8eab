//! The mass-deprovisioning circuit breaker on PostgreSQL
//! (`docs/policies.md`): a write that deprovisions a user counts it here,
//! inside its own transaction, after locking the connection's row
//! (`FOR NO KEY UPDATE`, which token inserts' key-share locks do not
//! conflict with). Every deprovisioning through that connection, from any
//! replica, holds the lock until it commits, so they are counted one after
//! another and never pass the window's allowance.

use crate::db::Fail;
use crate::journal::write_journal;
use crate::resources::to_text;
use deadpool_postgres::GenericClient;
use scim_core::timestamp::Timestamp;
use scim_store::policy::from_text;
use scim_store::{ConnectionPolicy, Journal};

async fn lock_policy(
    c: &impl GenericClient,
    connection: i64,
) -> Result<Option<(i64, ConnectionPolicy)>, Fail> {
    let stmt = c
        .prepare_cached("SELECT tenant_id, policy FROM connections WHERE id = $1 FOR NO KEY UPDATE")
        .await?;
    let Some(row) = c.query_opt(&stmt, &[&connection]).await? else {
        return Ok(None);
    };
    let tenant: i64 = row.try_get(0)?;
    let policy: &str = row.try_get(1)?;
    Ok(Some((tenant, from_text(policy)?)))
}

/// Counts the deprovisioning a write's journal carries, after the write
/// and before its commit (so the users counted are those after it); fails
/// with [`scim_store::StoreError::Breaker`], which rolls the transaction
/// back, when the connection is paused or its allowance is used up.
pub(crate) async fn count(
    c: &impl GenericClient,
    tenant: i64,
    journal: &Journal,
) -> Result<(), Fail> {
    let Some(d) = &journal.deprovision else {
        return Ok(());
    };
    let conn = d.connection.db_key();
    let Some((_, policy)) = lock_policy(c, conn).await? else {
        return Ok(());
    };
    let since = d.window_start(policy.released_at);
    let prune = c
        .prepare_cached("DELETE FROM deprovisions WHERE connection_id = $1 AND at < $2")
        .await?;
    c.execute(&prune, &[&conn, &since]).await?;
    let counted = c
        .prepare_cached("SELECT count(*) FROM deprovisions WHERE connection_id = $1")
        .await?;
    let counted: i64 = c.query_one(&counted, &[&conn]).await?.try_get(0)?;
    let users = c
        .prepare_cached("SELECT count(*) FROM resources WHERE tenant_id = $1 AND kind = 0")
        .await?;
    let users: i64 = c.query_one(&users, &[&tenant]).await?.try_get(0)?;
    d.admit(
        &policy,
        u64::try_from(counted).unwrap_or(0),
        u64::try_from(users).unwrap_or(0),
    )?;
    let note = c
        .prepare_cached("INSERT INTO deprovisions (connection_id, at) VALUES ($1, $2)")
        .await?;
    c.execute(&note, &[&conn, &d.at.unix_millis()]).await?;
    Ok(())
}

/// Pauses a connection unless it is paused, committing `alert` with it.
pub(crate) async fn pause(
    c: &mut deadpool_postgres::Object,
    connection: i64,
    at: Timestamp,
    alert: &Journal,
) -> Result<bool, Fail> {
    let tx = c.transaction().await?;
    let Some((tenant, mut policy)) = lock_policy(&tx, connection).await? else {
        return Ok(false);
    };
    if policy.paused_since.is_some() {
        return Ok(false);
    }
    policy.paused_since = Some(at.unix_millis());
    tx.execute(
        "UPDATE connections SET policy = $1 WHERE id = $2",
        &[&to_text(&policy)?, &connection],
    )
    .await?;
    write_journal(&tx, tenant, alert, true).await?;
    tx.commit().await?;
    Ok(true)
}
