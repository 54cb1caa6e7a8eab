//! `scimd connection create|list|update|delete --tenant T`: a tenant's IdP
//! connections, each with a profile, deprovisioning policies, an ownership
//! mode and a cap on active tokens (`docs/policies.md`).

use crate::cli::{name, ConnectionCommand, ConnectionFlags};
use crate::output::{json, outln};
use scim_service::Operator;
use scim_store::{Connection, ConnectionPolicy};
use serde::de::DeserializeOwned;

/// Parses a policy value by the name the settings use.
pub fn parse_value<T: DeserializeOwned>(
    flag: &str,
    value: &str,
    choices: &str,
) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(value.trim().to_string()))
        .map_err(|_| format!("invalid --{flag} {value:?}: use {choices}"))
}

fn apply(flags: &ConnectionFlags, policy: &mut ConnectionPolicy) -> Result<(), String> {
    if let Some(v) = &flags.deactivate {
        policy.deactivate = parse_value("deactivate", &name(v), "disable or acknowledge")?;
    }
    if let Some(v) = &flags.delete {
        policy.delete = parse_value("delete", &name(v), "delete, soft-delete or disable")?;
    }
    if let Some(v) = &flags.ownership {
        policy.ownership = parse_value("ownership", &name(v), "shared or exclusive")?;
    }
    if let Some(n) = flags.max_tokens {
        policy.max_active_tokens = n;
    }
    if let Some(v) = &flags.undefined {
        policy.undefined = parse_value("undefined", &name(v), "reject, drop or keep")?;
    }
    Ok(())
}

fn name_of<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A connection as one JSON object.
fn as_json(c: &Connection) -> serde_json::Value {
    serde_json::json!({
        "name": c.name,
        "profile": c.profile,
        "deactivate": name_of(&c.policy.deactivate),
        "delete": name_of(&c.policy.delete),
        "ownership": name_of(&c.policy.ownership),
        "maxTokens": c.policy.max_active_tokens,
        "undefined": name_of(&c.policy.undefined),
        "pausedSince": c
            .policy
            .paused_since
            .and_then(scim_core::timestamp::Timestamp::from_unix_millis)
            .map(|t| t.to_string()),
    })
}

fn describe(c: &Connection) -> String {
    let paused = c
        .policy
        .paused_since
        .and_then(scim_core::timestamp::Timestamp::from_unix_millis)
        .map_or(String::new(), |t| {
            format!("\tPAUSED by the circuit breaker since {t}")
        });
    format!(
        "{}\tprofile={}\tdeactivate={}\tdelete={}\townership={}\tmax-tokens={}\tundefined={}{paused}",
        c.name,
        c.profile,
        name_of(&c.policy.deactivate),
        name_of(&c.policy.delete),
        name_of(&c.policy.ownership),
        c.policy.max_active_tokens,
        name_of(&c.policy.undefined)
    )
}

pub async fn run(op: &Operator, cmd: &ConnectionCommand) -> Result<(), String> {
    let err = |e: scim_core::ScimError| e.detail().to_string();
    let tenant = op.tenant(cmd.tenant()).await.map_err(err)?;
    match cmd {
        ConnectionCommand::Create {
            name: connection,
            flags,
            ..
        } => {
            let mut policy = ConnectionPolicy::default();
            apply(flags, &mut policy)?;
            let profile = flags.profile.as_ref().map_or("auto".to_string(), name);
            let c = tenant
                .create_connection(connection, &profile, policy)
                .await
                .map_err(err)?;
            outln!("created connection {}", describe(&c));
        }
        ConnectionCommand::List { output, .. } => {
            for c in tenant.connections().await.map_err(err)? {
                if output.json {
                    json(&as_json(&c));
                } else {
                    outln!("{}", describe(&c));
                }
            }
        }
        ConnectionCommand::Update {
            name: connection,
            rename,
            flags,
            ..
        } => {
            let c = tenant
                .update_connection(connection, |change| {
                    if let Some(n) = rename {
                        change.name = n.clone();
                    }
                    if let Some(p) = &flags.profile {
                        change.profile = name(p).parse()?;
                    }
                    apply(flags, &mut change.policy).map_err(scim_core::ScimError::InvalidValue)
                })
                .await
                .map_err(err)?;
            outln!("updated connection {}", describe(&c));
        }
        ConnectionCommand::Undefined { name, output, .. } => {
            let seen = tenant.connection_view(name).await.map_err(err)?.undefined;
            if !output.json {
                outln!("name\tcount\tlast_seen\texample");
            }
            for u in seen {
                if output.json {
                    json(&serde_json::json!({
                        "name": u.name,
                        "count": u.count,
                        "lastSeen": u.last_seen.to_string(),
                        "example": u.example,
                    }));
                } else {
                    outln!("{}\t{}\t{}\t{}", u.name, u.count, u.last_seen, u.example);
                }
            }
        }
        ConnectionCommand::Release { name, confirm, .. } => {
            let r = tenant.release_breaker(name, *confirm).await.map_err(err)?;
            if *confirm {
                outln!("confirmed: deprovisioning through {name} resumes");
            } else {
                outln!(
                    "rejected: re-enabled {} user(s); deprovisioning through {name} resumes",
                    r.reenabled.len()
                );
                for id in r.reenabled {
                    outln!("re-enabled {id}");
                }
                for (id, why) in r.failed {
                    outln!("could not re-enable {id}: {why}");
                }
            }
        }
        ConnectionCommand::Delete { name, .. } => {
            tenant.delete_connection(name).await.map_err(err)?;
            outln!("deleted connection {name} and its tokens");
        }
    }
    Ok(())
}
