//! `scimd admin create --username U [--tenant T] --role owner|viewer|super
//! [--password-stdin]`, `scimd admin list`, and `scimd admin
//! delete|disable|enable|passwd|revoke-sessions --username U`: admin
//! console accounts (`docs/admin.md`). A password is read from the first
//! line of stdin, never from the command line. Changes are audited.

use crate::cli::AdminCommand;
use scim_service::console::{AccountChange, AdminKind};
use scim_service::ScimService;
use std::io::{BufRead, IsTerminal, Write};

fn read_password() -> Result<String, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (input is visible; or pipe it with --password-stdin): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err("no password on stdin".into());
    }
    Ok(password)
}

pub async fn run(service: &ScimService, c: &AdminCommand) -> Result<(), String> {
    match c {
        AdminCommand::Create {
            username,
            tenant,
            role,
            password_stdin: _,
        } => {
            let kind = AdminKind::parse(role).map_err(|e| e.to_string())?;
            let password = read_password()?;
            let a = service
                .create_admin(username, &password, kind, tenant.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            println!(
                "Created admin {:?} ({}{}).",
                a.username,
                role,
                tenant
                    .as_deref()
                    .map(|t| format!(" of tenant {t:?}"))
                    .unwrap_or_default()
            );
            Ok(())
        }
        AdminCommand::List => {
            let tenants = service.list_tenants().await.map_err(|e| e.to_string())?;
            for a in service.list_admins().await.map_err(|e| e.to_string())? {
                let scope = match a.tenant {
                    Some(id) => tenants
                        .iter()
                        .find(|t| t.id == id)
                        .map_or_else(|| "(deleted tenant)".to_string(), |t| t.name.clone()),
                    None => "*".to_string(),
                };
                let disabled = a
                    .disabled
                    .map_or_else(|| "-".to_string(), |t| t.to_string());
                println!(
                    "{}\trole={}\ttenant={scope}\tcreated={}\tdisabled={disabled}",
                    a.username,
                    a.role.name(),
                    a.created
                );
            }
            Ok(())
        }
        AdminCommand::Delete { username } => change(service, username, AccountChange::Delete).await,
        AdminCommand::Disable { username } => {
            change(service, username, AccountChange::Disable).await
        }
        AdminCommand::Enable { username } => change(service, username, AccountChange::Enable).await,
        AdminCommand::Passwd {
            username,
            password_stdin: _,
        } => {
            let password = read_password()?;
            change(service, username, AccountChange::Password(password)).await
        }
        AdminCommand::RevokeSessions { username } => {
            change(service, username, AccountChange::RevokeSessions).await
        }
    }
}

async fn change(service: &ScimService, username: &str, c: AccountChange) -> Result<(), String> {
    let done = service
        .change_admin(username, c)
        .await
        .map_err(|e| e.detail().to_string())?;
    println!("{done}.");
    Ok(())
}
