//! `scimd webhook create|list|delete|test|dead-letters|redeliver`
//! (`docs/events.md`). A new webhook's secret is printed once, alone on the
//! last line of stdout.

use crate::cli_webhook::WebhookCommand;
use scim_service::admin_webhooks::{format_name, parse_format};
use scim_service::ScimService;
use std::time::Duration;

pub async fn run(service: &ScimService, cmd: &WebhookCommand) -> Result<(), String> {
    let err = |e: scim_core::ScimError| e.detail().to_string();
    match cmd {
        WebhookCommand::Create {
            tenant,
            url,
            format,
            notice,
            allow_private,
        } => {
            let format = parse_format(format).map_err(err)?;
            let hook = service
                .create_webhook(tenant, url, format, !notice, *allow_private)
                .await
                .map_err(err)?;
            println!(
                "webhook {} of tenant {tenant} ({}, {}) receives events from now on; its signing secret is shown only now:",
                hook.id,
                format_name(hook.format),
                if hook.full { "full" } else { "notice" }
            );
            println!("{}", hook.secret);
        }
        WebhookCommand::List { tenant } => {
            println!("id\turl\tformat\tform\tpending\tfailures\tlast_error\tdead\tnext_attempt");
            for s in service.list_webhooks(tenant).await.map_err(err)? {
                let h = &s.hook;
                println!(
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
        WebhookCommand::Delete { tenant, id } => {
            service.delete_webhook(tenant, *id).await.map_err(err)?;
            println!("deleted webhook {id}");
        }
        WebhookCommand::Test { tenant, id, issuer } => {
            let transport = scim_webhooks::HttpTransport::new(Duration::from_secs(10), false);
            let status = scim_webhooks::send_test(service, &transport, tenant, *id, issuer)
                .await
                .map_err(|e| format!("test delivery failed: {e}"))?;
            if !scim_webhooks::request::delivered(status) {
                return Err(format!("the receiver answered HTTP {status}"));
            }
            println!("the receiver answered HTTP {status}");
        }
        WebhookCommand::DeadLetters { tenant, id } => {
            println!("event\tat\trequeued\terror");
            for d in service
                .webhook_dead_letters(tenant, *id)
                .await
                .map_err(err)?
            {
                println!("{}\t{}\t{}\t{}", d.event_seq, d.at, d.requeued, d.error);
            }
        }
        WebhookCommand::Redeliver { tenant, id, event } => {
            let n = service.redeliver(tenant, *id, *event).await.map_err(err)?;
            println!("{n} dead letter(s) queued for redelivery");
        }
    }
    Ok(())
}
