//! `scimd webhook create|list|delete|test|dead-letters|redeliver`
//! (`docs/events.md`). A new webhook's secret is printed once, alone on the
//! last line of stdout.

use crate::cli::name;
use crate::cli_webhook::WebhookCommand;
use crate::output::{json, outln};
use scim_service::admin_webhooks::{format_name, parse_format};
use scim_service::Operator;
use std::time::Duration;

pub async fn run(op: &Operator, cmd: &WebhookCommand) -> Result<(), String> {
    let err = |e: scim_core::ScimError| e.detail().to_string();
    let admin = op.tenant(cmd.tenant()).await.map_err(err)?;
    match cmd {
        WebhookCommand::Create {
            tenant,
            url,
            format,
            notice,
            allow_private,
        } => {
            let format = parse_format(&name(format)).map_err(err)?;
            let hook = admin
                .create_webhook(url, format, !notice, *allow_private)
                .await
                .map_err(err)?;
            outln!(
                "webhook {} of tenant {tenant} ({}, {}) receives events from now on; its signing secret is shown only now:",
                hook.id,
                format_name(hook.format),
                if hook.full { "full" } else { "notice" }
            );
            outln!("{}", hook.secret);
        }
        WebhookCommand::List { output, .. } => {
            if !output.json {
                outln!("id\turl\tformat\tform\tpending\tfailures\tlast_error\tdead\tnext_attempt");
            }
            for s in admin.hooks().list().await.map_err(err)? {
                let h = &s.hook;
                if output.json {
                    // Never the signing secret.
                    json(&serde_json::json!({
                        "id": h.id,
                        "url": h.url,
                        "format": format_name(h.format),
                        "form": if h.full { "full" } else { "notice" },
                        "pending": s.pending,
                        "failures": h.failures,
                        "lastError": h.last_error,
                        "dead": h.dead,
                        "nextAttempt": h.next_attempt.map(|t| t.to_string()),
                    }));
                    continue;
                }
                outln!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    h.id,
                    h.url,
                    format_name(h.format),
                    if h.full { "full" } else { "notice" },
                    s.pending,
                    h.failures,
                    h.last_error.as_deref().unwrap_or("-"),
                    h.dead,
                    h.next_attempt.map_or("-".to_string(), |t| t.to_string()),
                );
            }
        }
        WebhookCommand::Delete { id, .. } => {
            admin.delete_webhook(*id).await.map_err(err)?;
            outln!("deleted webhook {id}");
        }
        WebhookCommand::Test { id, issuer, .. } => {
            let transport = scim_webhooks::HttpTransport::new(Duration::from_secs(10), false);
            let status = scim_webhooks::send_test(&admin, &transport, *id, issuer)
                .await
                .map_err(|e| format!("test delivery failed: {e}"))?;
            if !scim_webhooks::request::delivered(status) {
                return Err(format!("the receiver answered HTTP {status}"));
            }
            outln!("the receiver answered HTTP {status}");
        }
        WebhookCommand::DeadLetters { id, output, .. } => {
            if !output.json {
                outln!("event\tat\trequeued\terror");
            }
            for d in admin.hooks().dead_letters(*id).await.map_err(err)? {
                if output.json {
                    json(&serde_json::json!({
                        "event": d.event_seq,
                        "at": d.at.to_string(),
                        "requeued": d.requeued,
                        "error": d.error,
                    }));
                    continue;
                }
                outln!("{}\t{}\t{}\t{}", d.event_seq, d.at, d.requeued, d.error);
            }
        }
        WebhookCommand::Redeliver { id, event, .. } => {
            let n = admin.redeliver(*id, *event).await.map_err(err)?;
            outln!("{n} dead letter(s) queued for redelivery");
        }
    }
    Ok(())
}
