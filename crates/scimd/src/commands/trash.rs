//! `scimd trash list|restore --tenant T` and `scimd trash purge`: resources
//! soft-deleted under a connection's `soft-delete` policy.

use crate::cli::{name, TrashCommand};
use crate::output::{json, outln};
use scim_core::timestamp::Timestamp;
use scim_service::{kind_named, Operator};

/// The time `trash purge --at` asks for.
pub fn clock(cmd: &TrashCommand) -> Result<Option<Timestamp>, String> {
    match cmd {
        TrashCommand::Purge { at: Some(at) } => Timestamp::parse(at)
            .map(Some)
            .ok_or_else(|| format!("invalid --at {at:?}: use an RFC 3339 time")),
        _ => Ok(None),
    }
}

pub async fn run(op: &Operator, cmd: &TrashCommand) -> Result<(), String> {
    let err = |e: scim_core::ScimError| e.detail().to_string();
    match cmd {
        TrashCommand::List {
            tenant,
            kind,
            output,
        } => {
            if !output.json {
                outln!("id\tname\tdeleted\tpurge-after");
            }
            let kind = kind_named(&name(kind)).map_err(err)?;
            for t in op
                .tenant(tenant)
                .await
                .map_err(err)?
                .trash(kind)
                .await
                .map_err(err)?
            {
                if output.json {
                    json(&serde_json::json!({
                        "id": t.id.to_string(),
                        "name": t.display,
                        "deleted": t.deleted.to_string(),
                        "purgeAfter": t.purge_after.to_string(),
                    }));
                    continue;
                }
                outln!(
                    "{}\t{}\t{}\t{}",
                    t.id,
                    t.display.as_deref().unwrap_or(""),
                    t.deleted,
                    t.purge_after
                );
            }
        }
        TrashCommand::Restore { tenant, kind, id } => {
            let kind = name(kind);
            let t = op.tenant(tenant).await.map_err(err)?;
            let r = t
                .restore(kind_named(&kind).map_err(err)?, id)
                .await
                .map_err(err)?;
            outln!("restored {kind} {} (version {})", r.id, r.version.etag());
        }
        TrashCommand::Purge { .. } => {
            let n = op.maintenance().purge_trash().await.map_err(err)?;
            outln!("purged {n} resource(s) past their retention");
        }
    }
    Ok(())
}
