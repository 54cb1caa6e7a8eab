//! `scimd tenant create NAME`, `list`, `show NAME` (settings and seat
//! usage), `set NAME …` (seat limit, account matching, soft-delete
//! retention, circuit breaker; `docs/policies.md`) and `delete NAME
//! [--purge]`.

use super::connection::parse_value;
use crate::cli::{name, Switch, TenantCommand, TenantSetArgs};
use crate::output::{json, outln};
use scim_service::Operator;
use scim_store::{MatchKey, TenantSettings};

fn set(args: &TenantSetArgs, s: &mut TenantSettings) -> Result<(), String> {
    if let Some(v) = &args.seat_limit {
        s.seat_limit = match v.trim() {
            "none" | "unlimited" => None,
            n => Some(
                n.parse()
                    .map_err(|_| format!("invalid --seat-limit {v:?}: a number or none"))?,
            ),
        };
    }
    if let Some(v) = &args.match_action {
        s.matching.action = parse_value("match", &name(v), "adopt or conflict")?;
    }
    if let Some(v) = &args.match_order {
        s.matching.order = v
            .iter()
            .map(|k| {
                parse_value::<MatchKey>("match-order", &name(k), "externalId, email, userName")
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(v) = args.keep_auth_provider {
        s.matching.keep_auth_provider = v;
    }
    if let Some(v) = args.retention_days {
        s.retention_days = v;
    }
    if let Some(v) = args.breaker {
        s.breaker.enabled = v;
    }
    if let Some(v) = args.breaker_percent {
        s.breaker.percent = v;
    }
    if let Some(v) = args.breaker_window_minutes {
        s.breaker.window_minutes = v;
    }
    if let Some(v) = args.breaker_minimum {
        s.breaker.minimum = v;
    }
    if let Some(v) = args.unique_group_names {
        s.unique_group_names = match v {
            Switch::True => Some(true),
            Switch::False => Some(false),
            Switch::Default => None,
        };
    }
    Ok(())
}

fn print_settings(s: &TenantSettings) {
    let json = serde_json::to_string_pretty(s).unwrap_or_default();
    outln!("{json}");
}

pub async fn run(op: &Operator, cmd: &TenantCommand) -> Result<(), String> {
    let err = |e: scim_core::ScimError| e.detail().to_string();
    match cmd {
        TenantCommand::Create { name } => {
            let t = op.system().create_tenant(name).await.map_err(err)?;
            outln!("created tenant {} (connection \"default\")", t.name);
        }
        TenantCommand::List { output } => {
            for t in op.system().tenants().await.map_err(err)? {
                if output.json {
                    json(&serde_json::json!({"name": t.name, "created": t.created.to_string()}));
                } else {
                    outln!("{}\tcreated {}", t.name, t.created);
                }
            }
        }
        TenantCommand::Show {
            name: tenant,
            output,
        } => {
            let t = op.tenant(tenant).await.map_err(err)?;
            let seats = t.seats().await.map_err(err)?;
            let settings = t.settings().clone();
            if output.json {
                json(&serde_json::json!({
                    "name": tenant,
                    "seats": {"used": seats.used, "limit": seats.limit},
                    "settings": settings,
                }));
                return Ok(());
            }
            let limit = seats
                .limit
                .map_or("unlimited".to_string(), |l| l.to_string());
            outln!("seats: {} used of {limit}", seats.used);
            print_settings(&settings);
        }
        TenantCommand::Delete {
            name: tenant,
            purge,
        } => {
            let c = op
                .system()
                .delete_tenant(tenant, *purge)
                .await
                .map_err(err)?;
            outln!(
                "deleted tenant {tenant} with {} user(s), {} group(s) and {} in the trash; its audit log is kept",
                c.users,
                c.groups,
                c.trashed
            );
        }
        TenantCommand::Set(args) => {
            let t = op.tenant(&args.name).await.map_err(err)?;
            let s = t
                .update_settings(|s| set(args, s).map_err(scim_core::ScimError::InvalidValue))
                .await
                .map_err(err)?;
            outln!("updated tenant {}", args.name);
            print_settings(&s);
        }
    }
    Ok(())
}
