//! `scimd user list|show|create|enable|disable|delete|unmanage --tenant T`:
//! local administration of users and groups. Resources a SCIM connection
//! manages are read-only here until unmanaged (`docs/policies.md`).

use crate::cli::{name, UserCommand};
use crate::output::{json, outln};
use scim_service::{kind_named, Operator};
use scim_store::ResourceKind;
use serde_json::{json, Value};

fn show(v: &Value, as_json: bool) {
    if as_json {
        json(v);
    } else {
        outln!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
    }
}

pub async fn run(op: &Operator, cmd: &UserCommand) -> Result<(), String> {
    let err = |e: scim_core::ScimError| e.detail().to_string();
    match cmd {
        UserCommand::List {
            tenant,
            filter,
            output,
        } => {
            let users = op
                .tenant(tenant)
                .await
                .map_err(err)?
                .list_resources(ResourceKind::User, filter.as_deref())
                .await
                .map_err(err)?;
            if !output.json {
                outln!("id\tuserName\tactive\tauthProvider\tmanaged");
            }
            for u in users {
                if output.json {
                    json(&u);
                    continue;
                }
                let p = &u[scim_service::provenance::PROVENANCE_SCHEMA];
                outln!(
                    "{}\t{}\t{}\t{}\t{}",
                    u["id"].as_str().unwrap_or(""),
                    u["userName"].as_str().unwrap_or(""),
                    u["active"].as_bool().unwrap_or(true),
                    p["authProvider"].as_str().unwrap_or(""),
                    p["managed"].as_bool().unwrap_or(false)
                );
            }
        }
        UserCommand::Show {
            tenant,
            kind,
            id,
            output,
        } => {
            let t = op.tenant(tenant).await.map_err(err)?;
            let kind = kind_named(&name(kind)).map_err(err)?;
            let v = t.show_resource(kind, id).await.map_err(err)?;
            show(&v, output.json);
        }
        UserCommand::Create {
            tenant,
            user_name,
            email,
            external_id,
            auth_provider,
        } => {
            let mut body = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name,
                "active": true,
            });
            if let Some(e) = email {
                body["emails"] = json!([{"value": e, "type": "work", "primary": true}]);
            }
            if let Some(x) = external_id {
                body["externalId"] = json!(x);
            }
            let t = op.tenant(tenant).await.map_err(err)?;
            match t
                .create_local_user(&body, auth_provider.as_deref(), "user create")
                .await
                .map_err(err)?
            {
                scim_service::admin_users::Imported::Created(id) => {
                    outln!("created local user {id}")
                }
                scim_service::admin_users::Imported::Skipped(why) => return Err(why),
            }
        }
        UserCommand::Enable { tenant, id } | UserCommand::Disable { tenant, id } => {
            let active = matches!(cmd, UserCommand::Enable { .. });
            let t = op.tenant(tenant).await.map_err(err)?;
            t.set_active(id, active).await.map_err(err)?;
            outln!("{} user {id}", if active { "enabled" } else { "disabled" });
        }
        UserCommand::Delete { tenant, kind, id } => {
            let kind = name(kind);
            let t = op.tenant(tenant).await.map_err(err)?;
            let k = kind_named(&kind).map_err(err)?;
            t.delete_resource(k, id).await.map_err(err)?;
            outln!("deleted {kind} {id}");
        }
        UserCommand::Unmanage { tenant, kind, id } => {
            let kind = name(kind);
            let t = op.tenant(tenant).await.map_err(err)?;
            t.unmanage(kind_named(&kind).map_err(err)?, id)
                .await
                .map_err(err)?;
            outln!("{kind} {id} is no longer managed by SCIM; local administration may change it");
        }
    }
    Ok(())
}
