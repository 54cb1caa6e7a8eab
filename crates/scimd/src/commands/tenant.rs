//! `scimd tenant create NAME`, `scimd tenant list`.

use crate::cli::TenantCommand;
use scim_service::ScimService;

pub async fn run(service: &ScimService, cmd: &TenantCommand) -> Result<(), String> {
    match cmd {
        TenantCommand::Create { name } => {
            let t = service
                .create_tenant(name)
                .await
                .map_err(|e| e.detail().to_string())?;
            println!("created tenant {} (connection \"default\")", t.name);
        }
        TenantCommand::List => {
            for t in service
                .list_tenants()
                .await
                .map_err(|e| e.detail().to_string())?
            {
                println!("{}\tcreated {}", t.name, t.created);
            }
        }
    }
    Ok(())
}
