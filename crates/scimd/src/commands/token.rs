//! `scimd token create|rotate|list|revoke`. A new token is printed once, alone on
//! the last line of stdout; only its hash is stored.

use crate::cli::TokenCommand;
use crate::output::{json, outln};
use scim_service::admin_connections::Rotation;
use scim_service::Operator;

pub async fn run(op: &Operator, cmd: &TokenCommand) -> Result<(), String> {
    let err = |e: scim_core::ScimError| e.detail().to_string();
    match cmd {
        TokenCommand::Create {
            tenant,
            connection,
            name,
            expires_in_days,
        } => {
            let issued = op
                .tenant(tenant)
                .await
                .map_err(err)?
                .issue_token(connection.as_deref(), name, *expires_in_days)
                .await
                .map_err(err)?;
            let expiry = issued
                .record
                .expires
                .map_or("never".to_string(), |e| e.to_string());
            outln!(
                "token {} for tenant {} (expires: {expiry}); it is shown only now:",
                issued.record.id,
                issued.tenant.name
            );
            outln!("{}", issued.token);
        }
        TokenCommand::Rotate(a) => {
            let rotation = Rotation {
                label: &a.name,
                overlap_days: a.overlap_days,
                expires_in_days: a.expires_in_days,
            };
            let issued = op
                .tenant(&a.tenant)
                .await
                .map_err(err)?
                .rotate_token(&a.connection, rotation)
                .await
                .map_err(err)?;
            let old = if a.overlap_days == 0 {
                "older tokens of the connection are revoked".to_string()
            } else {
                format!("older tokens stay valid for {} day(s)", a.overlap_days)
            };
            outln!(
                "token {} for connection {} of tenant {}; {old}; it is shown only now:",
                issued.record.id,
                a.connection,
                issued.tenant.name
            );
            outln!("{}", issued.token);
        }
        TokenCommand::List { tenant, output } => {
            let tenant = op.tenant(tenant).await.map_err(err)?;
            let names: std::collections::HashMap<i64, String> = tenant
                .connections()
                .await
                .map_err(err)?
                .into_iter()
                .map(|c| (c.id.db_key(), c.name))
                .collect();
            if !output.json {
                outln!("id\tconnection\tname\tprefix\tcreated\texpires\trevoked");
            }
            for t in tenant.tokens().await.map_err(err)? {
                let connection = names.get(&t.connection.db_key());
                if output.json {
                    let time =
                        |v: Option<scim_core::timestamp::Timestamp>| v.map(|t| t.to_string());
                    json(&serde_json::json!({
                        "id": t.id,
                        "connection": connection,
                        "name": t.name,
                        "prefix": t.prefix,
                        "created": t.created.to_string(),
                        "expires": time(t.expires),
                        "revoked": time(t.revoked),
                    }));
                    continue;
                }
                let opt = |v: Option<scim_core::timestamp::Timestamp>| {
                    v.map_or("-".to_string(), |t| t.to_string())
                };
                outln!(
                    "{}\t{}\t{}\t{}…\t{}\t{}\t{}",
                    t.id,
                    connection.map_or("-", String::as_str),
                    t.name,
                    t.prefix,
                    t.created,
                    opt(t.expires),
                    opt(t.revoked)
                );
            }
        }
        TokenCommand::Revoke { tenant, id } => {
            let tenant = op.tenant(tenant).await.map_err(err)?;
            tenant.revoke_token(*id).await.map_err(err)?;
            outln!("revoked token {id}");
        }
    }
    Ok(())
}
