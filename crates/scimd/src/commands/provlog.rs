//! `scimd log --tenant T [--connection C] [--status 4xx] [--request-id ID]
//! [--since TIME] [--limit N] [--json] [--follow]`: the provisioning log,
//! oldest of the newest `N` first (`docs/admin.md`); `--follow` then
//! prints each new row as it is written, polling every second.

use crate::cli_provlog::LogArgs;
use crate::output::{json, outln};
use scim_core::timestamp::Timestamp;
use scim_service::provlog_read::{LogFilter, LogRow};
use scim_service::Operator;
use std::time::Duration;

fn print(tenant: &str, r: &LogRow, as_json: bool) -> Result<(), String> {
    let j = scim_admin::json::LogRowJson::of(tenant, r);
    if as_json {
        json(&serde_json::to_value(&j).map_err(|e| e.to_string())?);
        return Ok(());
    }
    let query = if j.query.is_empty() {
        String::new()
    } else {
        format!("?{}", j.query)
    };
    let error = [
        j.scim_type.clone(),
        j.detail.clone(),
        j.token_prefix.map(|p| format!("token {p}…")),
        j.client.map(|c| format!("from {c}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    outln!(
        "{}\t{}\t{}\t{} {}{query}\t{}\t{:.1}\t{}\t{error}",
        j.seq,
        j.at,
        j.connection.as_deref().unwrap_or("-"),
        j.method,
        j.path,
        j.status,
        j.ms,
        j.request_id
    );
    Ok(())
}

pub async fn run(op: &Operator, a: &LogArgs) -> Result<(), String> {
    let err = |e: scim_core::ScimError| e.detail().to_string();
    let since = a
        .since
        .as_deref()
        .map(|t| {
            Timestamp::parse(t)
                .ok_or_else(|| format!("invalid --since {t:?}: use an RFC 3339 time"))
        })
        .transpose()?;
    let mut f = LogFilter {
        connection: a.connection.clone(),
        status: a.status.clone(),
        request_id: a.request_id.clone(),
        since,
        limit: a.limit,
        ..LogFilter::default()
    };
    let tenant = op.tenant(&a.tenant).await.map_err(err)?;
    let rows = tenant.provisioning_log(&f).await.map_err(err)?;
    if !a.output.json {
        outln!("seq\ttime\tconnection\tmethod path\tstatus\tms\trequest-id\terror");
    }
    let mut last = rows.first().map_or(0, |r| r.record.seq);
    for r in rows.iter().rev() {
        print(&a.tenant, r, a.output.json)?;
    }
    if !a.follow {
        return Ok(());
    }
    f.limit = 0;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        f.after = Some(last);
        let rows = tenant.provisioning_log(&f).await.map_err(err)?;
        if let Some(newest) = rows.first() {
            last = newest.record.seq;
        }
        for r in rows.iter().rev() {
            print(&a.tenant, r, a.output.json)?;
        }
    }
}
