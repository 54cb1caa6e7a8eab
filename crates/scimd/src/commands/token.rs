//! `scimd token create|list|revoke`. A new token is printed once, alone on
//! the last line of stdout; only its hash is stored.

use crate::cli::TokenCommand;
use scim_service::ScimService;

pub async fn run(service: &ScimService, cmd: &TokenCommand) -> Result<(), String> {
    let err = |e: scim_core::ScimError| e.detail().to_string();
    match cmd {
        TokenCommand::Create {
            tenant,
            connection,
            name,
            expires_in_days,
        } => {
            let issued = service
                .issue_token(tenant, connection.as_deref(), name, *expires_in_days)
                .await
                .map_err(err)?;
            let expiry = issued
                .record
                .expires
                .map_or("never".to_string(), |e| e.to_string());
            println!(
                "token {} for tenant {} (expires: {expiry}); it is shown only now:",
                issued.record.id, issued.tenant.name
            );
            println!("{}", issued.token);
        }
        TokenCommand::List { tenant } => {
            println!("id\tname\tprefix\tcreated\texpires\trevoked");
            for t in service.list_tokens(tenant).await.map_err(err)? {
                let opt = |v: Option<scim_core::timestamp::Timestamp>| {
                    v.map_or("-".to_string(), |t| t.to_string())
                };
                println!(
                    "{}\t{}\t{}…\t{}\t{}\t{}",
                    t.id,
                    t.name,
                    t.prefix,
                    t.created,
                    opt(t.expires),
                    opt(t.revoked)
                );
            }
        }
        TokenCommand::Revoke { tenant, id } => {
            service.revoke_token(tenant, *id).await.map_err(err)?;
            println!("revoked token {id}");
        }
    }
    Ok(())
}
