//! `scimd admin create USERNAME [--tenant T] --role owner|viewer|super
//! [--password-stdin | --password-file FILE]`, `scimd admin list [--json]`,
//! and `scimd admin delete|disable|enable|passwd|revoke-sessions USERNAME`:
//! admin console accounts (`docs/admin.md`). A password is read from the
//! first line of stdin or of a file, never from the command line. Changes
//! are audited.

use crate::cli::{name, AdminCommand, PasswordArgs};
use crate::output::{json, outln};
use scim_service::console::{AccountChange, AdminKind};
use scim_service::Operator;
use std::io::{BufRead, IsTerminal, Write};

fn read_password_file(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the password from {}: {e}", path.display()))?;
    let password = text.lines().next().unwrap_or("").to_string();
    if password.is_empty() {
        return Err(format!("no password in {}", path.display()));
    }
    Ok(password)
}

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

/// The password from `--password-file`, else from stdin.
fn password(p: &PasswordArgs) -> Result<String, String> {
    match &p.password_file {
        Some(path) => read_password_file(path),
        None => read_password(),
    }
}

pub async fn run(op: &Operator, c: &AdminCommand) -> Result<(), String> {
    match c {
        AdminCommand::Create {
            username,
            tenant,
            role,
            password: source,
        } => {
            let role = name(role);
            let kind = AdminKind::parse(&role).map_err(|e| e.to_string())?;
            let password = password(source)?;
            let a = op
                .system()
                .create_admin(username, &password, kind, tenant.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            outln!(
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
        AdminCommand::List { output } => {
            let system = op.system();
            let tenants = system.tenants().await.map_err(|e| e.to_string())?;
            for a in system.accounts().await.map_err(|e| e.to_string())? {
                let scope = match a.tenant {
                    Some(id) => tenants
                        .iter()
                        .find(|t| t.id == id)
                        .map_or_else(|| "(deleted tenant)".to_string(), |t| t.name.clone()),
                    None => "*".to_string(),
                };
                if output.json {
                    json(&serde_json::json!({
                        "username": a.username,
                        "role": scim_service::console::AdminKind::of(&a).name(),
                        "tenant": a.tenant.map(|_| scope.clone()),
                        "created": a.created.to_string(),
                        "disabled": a.disabled.map(|t| t.to_string()),
                    }));
                    continue;
                }
                let disabled = a
                    .disabled
                    .map_or_else(|| "-".to_string(), |t| t.to_string());
                outln!(
                    "{}\trole={}\ttenant={scope}\tcreated={}\tdisabled={disabled}",
                    a.username,
                    scim_service::console::AdminKind::of(&a).name(),
                    a.created
                );
            }
            Ok(())
        }
        AdminCommand::Delete { username } => change(op, username, AccountChange::Delete).await,
        AdminCommand::Disable { username } => change(op, username, AccountChange::Disable).await,
        AdminCommand::Enable { username } => change(op, username, AccountChange::Enable).await,
        AdminCommand::Passwd {
            username,
            password: source,
        } => {
            let password = password(source)?;
            change(op, username, AccountChange::Password(password)).await
        }
        AdminCommand::RevokeSessions { username } => {
            change(op, username, AccountChange::RevokeSessions).await
        }
    }
}

async fn change(op: &Operator, username: &str, c: AccountChange) -> Result<(), String> {
    let done = op
        .system()
        .change_admin(username, c)
        .await
        .map_err(|e| e.detail().to_string())?;
    outln!("{done}.");
    Ok(())
}
