//! `scimd schema add|list|show|remove`: a tenant's schema extensions
//! (`docs/custom-attributes.md`).

use crate::cli::name;
use crate::cli_schema::SchemaCommand;
use crate::output::{json, outln};
use scim_service::admin_schemas::ExtensionView;
use scim_service::Operator;
use std::io::Read;

fn line(e: &ExtensionView) -> String {
    format!(
        "{}\t{}\t{}\t{}",
        e.urn,
        e.resource_type,
        if e.required { "required" } else { "optional" },
        e.indexed.join(",")
    )
}

pub async fn run(op: &Operator, cmd: &SchemaCommand) -> Result<(), String> {
    let err = |e: scim_core::ScimError| e.detail().to_string();
    let admin = op.tenant(cmd.tenant()).await.map_err(err)?;
    match cmd {
        SchemaCommand::Add {
            tenant,
            file,
            resource_type,
            required,
        } => {
            let mut text = String::new();
            if file.as_os_str() == "-" {
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| format!("cannot read stdin: {e}"))?;
            } else {
                text = std::fs::read_to_string(file)
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            }
            let doc: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
            let kind = name(resource_type);
            let ext = admin
                .extension_admin()
                .add(&doc, &kind, *required)
                .await
                .map_err(err)?;
            outln!(
                "schema {} extends {} in tenant {tenant}",
                ext.urn,
                ext.resource_type
            );
        }
        SchemaCommand::List { output, .. } => {
            if !output.json {
                outln!("urn\tresource_type\trequired\tindexed");
            }
            for e in admin.extensions().list().await.map_err(err)? {
                if output.json {
                    json(&e.to_json());
                } else {
                    outln!("{}", line(&e));
                }
            }
        }
        SchemaCommand::Show { urn, output, .. } => {
            let e = admin.extensions().show(urn).await.map_err(err)?;
            if output.json {
                json(&e.to_json());
            } else {
                outln!("{}", line(&e));
                let pretty = serde_json::to_string_pretty(&e.schema).unwrap_or_default();
                outln!("{pretty}");
            }
        }
        SchemaCommand::Remove {
            tenant,
            urn,
            drop_values,
        } => {
            let r = admin
                .extension_admin()
                .remove(urn, *drop_values)
                .await
                .map_err(err)?;
            outln!(
                "schema {} removed from tenant {tenant}; values dropped from {} resources",
                r.urn,
                r.dropped
            );
        }
    }
    Ok(())
}
