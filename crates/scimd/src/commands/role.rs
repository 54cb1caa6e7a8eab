//! `scimd role map|unmap|list|refresh`: a tenant's mappings from groups
//! to roles, which give users their `effectiveRoles` (`docs/roles.md`).

use crate::cli_role::{GroupBy, MappingArgs, RoleCommand};
use crate::output::{json, outln};
use scim_service::admin_roles::{RoleChange, Roles};
use scim_service::Operator;
use scim_store::{GroupSelector, RoleMapping};

fn mapping(m: &MappingArgs) -> RoleMapping {
    RoleMapping {
        selector: match m.by {
            GroupBy::DisplayName => GroupSelector::DisplayName,
            GroupBy::ExternalId => GroupSelector::ExternalId,
        },
        value: m.group.clone(),
        role: m.role.clone(),
    }
}

fn recomputed(c: &RoleChange) -> String {
    if c.queued {
        return "the running server recomputes the users' effective roles in the background (`scimd role list` shows it queued until done; --now recomputes here)".into();
    }
    format!(
        "{} users recomputed, {} changed",
        c.recomputed, c.users_changed
    )
}

pub async fn run(op: &Operator, cmd: &RoleCommand) -> Result<(), String> {
    let err = |e: scim_core::ScimError| e.detail().to_string();
    let admin = op.tenant(cmd.tenant()).await.map_err(err)?;
    let now = match cmd {
        RoleCommand::Map(m) | RoleCommand::Unmap(m) => m.now,
        RoleCommand::Refresh { now, .. } => *now,
        RoleCommand::List { .. } => false,
    };
    let roles = if now {
        Roles::new(&admin)
    } else {
        Roles::deferred(&admin)
    };
    match cmd {
        RoleCommand::Map(m) => {
            let c = roles.map(mapping(m)).await.map_err(err)?;
            let by = mapping(m).selector.attribute();
            if c.changed {
                outln!(
                    "groups with {by} {:?} give role {:?} in tenant {}; {}",
                    m.group,
                    m.role,
                    m.tenant,
                    recomputed(&c)
                );
            } else {
                outln!(
                    "groups with {by} {:?} already give role {:?} in tenant {}",
                    m.group,
                    m.role,
                    m.tenant
                );
            }
        }
        RoleCommand::Unmap(m) => {
            let c = roles.unmap(mapping(m)).await.map_err(err)?;
            let by = mapping(m).selector.attribute();
            if !c.changed {
                return Err(format!(
                    "tenant {} has no mapping of groups with {by} {:?} to role {:?}",
                    m.tenant, m.group, m.role
                ));
            }
            outln!(
                "groups with {by} {:?} no longer give role {:?} in tenant {}; {}",
                m.group,
                m.role,
                m.tenant,
                recomputed(&c)
            );
        }
        RoleCommand::List { output, .. } => {
            if !output.json {
                outln!("by\tgroup\trole");
            }
            for m in roles.list().await.map_err(err)? {
                if output.json {
                    let by = m.selector.attribute();
                    json(&serde_json::json!({"by": by, "group": m.value, "role": m.role}));
                } else {
                    outln!("{}\t{}\t{}", m.selector.attribute(), m.value, m.role);
                }
            }
            let queued = roles.queued().await.map_err(err)?;
            if queued > 0 && !output.json {
                eprintln!("{queued} recomputation(s) of effective roles queued or running");
            }
        }
        RoleCommand::Refresh { tenant, .. } => {
            let c = roles.refresh().await.map_err(err)?;
            outln!("tenant {tenant}: {}", recomputed(&c));
        }
    }
    Ok(())
}
