//! `scimd audit --tenant T [--user ID | --group ID] [--connection C]
//! [--since T] [--until T] [--refused | --succeeded] [--limit N] [--json]`:
//! the audit log, newest first ("what did the IdP send, and what did we
//! change?"; `docs/events.md`).

use crate::cli::AuditArgs;
use crate::output::{json, outln};
use scim_core::timestamp::Timestamp;
use scim_service::admin_audit::AuditFilter;
use scim_service::Operator;

fn time(flag: &str, v: &Option<String>) -> Result<Option<Timestamp>, String> {
    v.as_deref()
        .map(|t| {
            Timestamp::parse(t)
                .ok_or_else(|| format!("invalid --{flag} {t:?}: use an RFC 3339 time"))
        })
        .transpose()
}

pub async fn run(op: &Operator, a: &AuditArgs) -> Result<(), String> {
    let resource = match (&a.user, &a.group) {
        (Some(u), _) => Some(("user".to_string(), u.clone())),
        (_, Some(g)) => Some(("group".to_string(), g.clone())),
        _ => None,
    };
    let filter = AuditFilter {
        resource,
        connection: a.connection.clone(),
        since: time("since", &a.since)?,
        until: time("until", &a.until)?,
        succeeded: if a.refused {
            Some(false)
        } else if a.succeeded {
            Some(true)
        } else {
            None
        },
        before_seq: None,
        limit: a.limit,
    };
    let err = |e: scim_core::ScimError| e.detail().to_string();
    let tenant = op.tenant(&a.tenant).await.map_err(err)?;
    let entries = tenant.audit(&filter).await.map_err(err)?;
    if a.output.json {
        for r in entries {
            let mut v = serde_json::to_value(&r.entry).map_err(|e| e.to_string())?;
            v["seq"] = serde_json::json!(r.seq);
            json(&v);
        }
        return Ok(());
    }
    outln!("seq\ttime\tstatus\taction\tresource\tmethod path\trequest-id\tchanges");
    for r in entries {
        let e = &r.entry;
        let at = Timestamp::from_unix_millis(e.at).map_or_else(String::new, |t| t.to_string());
        let resource = match (&e.resource_type, &e.resource_id) {
            (Some(k), Some(id)) => format!("{k}/{id}"),
            _ => "-".into(),
        };
        let changes = match &e.detail {
            Some(d) => d.clone(),
            None => e.diff.to_string(),
        };
        outln!(
            "{}\t{at}\t{}\t{}\t{resource}\t{} {}\t{}\t{changes}",
            r.seq,
            e.status,
            e.action,
            e.method,
            e.path,
            e.request_id
        );
    }
    Ok(())
}
