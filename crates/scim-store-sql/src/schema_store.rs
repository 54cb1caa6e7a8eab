//! Tenants' schema extensions (`scim_store::SchemaStore`): the rows of
//! `schema_extensions` (the URN in lower case, the definition as JSON
//! text) and the tenant's `schema_version`, which every change moves in
//! its own transaction with its audit entry.

use crate::backend::{task, Backend, Write};
use crate::exec::{Exec, Fail};
use crate::journal::write_audit;
use crate::rows::ts;
use crate::{stmt, SqlStore};
use async_trait::async_trait;
use scim_store::schemas::{urn_key, MAX_UNDEFINED_NAMES};
use scim_store::*;

async fn list(x: &mut dyn Exec, tenant: i64) -> Result<Vec<ExtensionRecord>, Fail> {
    let sql = "SELECT kind, definition, created FROM schema_extensions WHERE tenant_id = $1 ORDER BY created, urn";
    let rows = x
        .all(&stmt!(sql, tenant), |r| {
            Ok((r.int(0)?, r.string(1)?, r.int(2)?))
        })
        .await?;
    rows.into_iter()
        .map(|(kind, text, created)| {
            let definition = ExtensionDefinition::from_text(&text)?;
            let urn = definition
                .schema
                .get("id")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_string();
            let kind = ResourceKind::from_code(kind).ok_or_else(|| {
                Fail::Store(StoreError::Backend(format!("unknown resource kind {kind}")))
            })?;
            Ok(ExtensionRecord {
                urn,
                kind,
                created: ts(created)?,
                definition,
            })
        })
        .collect()
}

/// Moves the tenant's schema version; whether the tenant exists.
pub(crate) async fn bump(x: &mut dyn Exec, tenant: i64) -> Result<bool, Fail> {
    let sql = "UPDATE tenants SET schema_version = schema_version + 1 WHERE id = $1";
    Ok(x.execute(&stmt!(sql, tenant)).await? > 0)
}

async fn add(
    x: &mut dyn Exec,
    tenant: i64,
    (urn, kind, text, created): &(String, i64, String, i64),
    audit: &AuditEntry,
) -> Result<(), Fail> {
    if !bump(x, tenant).await? {
        return Err(StoreError::Backend("no such tenant".into()).into());
    }
    let sql = "INSERT INTO schema_extensions (tenant_id, urn, kind, definition, created) VALUES ($1, $2, $3, $4, $5)";
    x.execute(&stmt!(
        sql,
        tenant,
        urn.as_str(),
        *kind,
        text.as_str(),
        *created
    ))
    .await
    .map_err(|e| e.unique(|| format!("schema {urn} is defined")))?;
    write_audit(x, tenant, audit).await
}

async fn remove(
    x: &mut dyn Exec,
    tenant: i64,
    urn: &str,
    audit: &AuditEntry,
) -> Result<bool, Fail> {
    let sql = "DELETE FROM schema_extensions WHERE tenant_id = $1 AND urn = $2 RETURNING kind, definition";
    let gone = x
        .opt(&stmt!(sql, tenant, urn), |r| Ok((r.int(0)?, r.string(1)?)))
        .await?;
    let Some((kind, text)) = gone else {
        return Ok(false);
    };
    let definition = ExtensionDefinition::from_text(&text)?;
    for code in definition.index.values() {
        let sql = "DELETE FROM idx WHERE tenant_id = $1 AND kind = $2 AND attr = $3";
        x.execute(&stmt!(sql, tenant, kind, *code)).await?;
    }
    bump(x, tenant).await?;
    write_audit(x, tenant, audit).await?;
    Ok(true)
}

async fn note(
    x: &mut dyn Exec,
    connection: i64,
    seen: &[(String, String)],
    at: i64,
) -> Result<(), Fail> {
    for (name, example) in seen {
        let sql = "UPDATE undefined_attributes SET seen = seen + 1, last_seen = $3, example = $4 WHERE connection_id = $1 AND name = $2";
        if x.execute(&stmt!(sql, connection, name.as_str(), at, example.as_str()))
            .await?
            > 0
        {
            continue;
        }
        let sql = format!(
            "INSERT INTO undefined_attributes (connection_id, name, seen, last_seen, example)
             SELECT $1, $2, 1, $3, $4 WHERE (SELECT count(*) FROM undefined_attributes WHERE connection_id = $1) < {MAX_UNDEFINED_NAMES}
             ON CONFLICT (connection_id, name) DO UPDATE SET seen = undefined_attributes.seen + 1, last_seen = $3, example = $4"
        );
        x.execute(&stmt!(sql, connection, name.as_str(), at, example.as_str()))
            .await?;
    }
    Ok(())
}

async fn seen(x: &mut dyn Exec, tenant: i64, connection: i64) -> Result<Vec<UndefinedSeen>, Fail> {
    let sql = "SELECT u.name, u.seen, u.last_seen, u.example FROM undefined_attributes u
         JOIN connections c ON c.id = u.connection_id
         WHERE c.tenant_id = $1 AND u.connection_id = $2 ORDER BY u.name";
    let order = x.dialect().code_points();
    let sql = format!("{sql}{order}");
    x.all(&stmt!(sql, tenant, connection), |r| {
        Ok(UndefinedSeen {
            name: r.string(0)?,
            count: u64::try_from(r.int(1)?).unwrap_or(0),
            last_seen: ts(r.int(2)?)?,
            example: r.string(3)?,
        })
    })
    .await
}

#[async_trait]
impl<B: Backend> SchemaStore for SqlStore<B> {
    async fn schema_extensions(&self, tenant: TenantId) -> StoreResult<Vec<ExtensionRecord>> {
        let job = task(tenant.db_key(), |x, t| Box::pin(list(x, *t)));
        self.b.read(true, job).await
    }

    async fn add_schema_extension(
        &self,
        tenant: TenantId,
        ext: &ExtensionRecord,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        let row = (
            urn_key(&ext.urn),
            ext.kind.code(),
            ext.definition.to_text()?,
            ext.created.unix_millis(),
        );
        let t = tenant.db_key();
        let job = task((t, row, audit), |x, (t, row, audit)| {
            Box::pin(add(x, *t, row, audit))
        });
        // The tenant's schema version is part of a credential.
        self.changed(self.b.write(Write::tenant(t, 2), job).await)
    }

    async fn remove_schema_extension(
        &self,
        tenant: TenantId,
        urn: &str,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        let t = tenant.db_key();
        let job = task((t, urn_key(urn), audit), |x, (t, urn, audit)| {
            Box::pin(remove(x, *t, urn, audit))
        });
        self.changed(self.b.write(Write::tenant(t, 64), job).await)
    }

    async fn note_undefined(
        &self,
        connection: ConnectionId,
        seen: &[(String, String)],
        at: scim_core::timestamp::Timestamp,
    ) -> StoreResult<()> {
        let c = connection.db_key();
        let job = task((c, seen.to_vec(), at.unix_millis()), |x, (c, seen, at)| {
            Box::pin(note(x, *c, seen, *at))
        });
        self.b.write(Write::SYSTEM.atomic(), job).await
    }

    async fn undefined_attributes(
        &self,
        tenant: TenantId,
        connection: ConnectionId,
    ) -> StoreResult<Vec<UndefinedSeen>> {
        let job = task((tenant.db_key(), connection.db_key()), |x, (t, c)| {
            Box::pin(seen(x, *t, *c))
        });
        self.b.read(false, job).await
    }
}
