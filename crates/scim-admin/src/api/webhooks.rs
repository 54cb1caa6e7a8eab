//! Admin API webhooks: `GET /admin/api/tenants/{tenant}/webhooks` (delivery
//! status, never the secret) and
//! `POST /admin/api/tenants/{tenant}/webhooks/{id}/redeliver`.

use super::ok;
use crate::error::ApiError;
use crate::session::{Admin, AdminChange};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::AppState;
use scim_service::admin_webhooks::format_name;
use serde_json::{json, Value};

/// `GET /admin/api/tenants/{tenant}/webhooks`.
pub async fn list(
    State(state): State<AppState>,
    Admin(who): Admin,
    Path(tenant): Path<String>,
) -> Result<Response, ApiError> {
    let hooks = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .webhooks()
        .await?;
    Ok(ok(Value::Array(
        hooks
            .iter()
            .map(|w| {
                let h = &w.hook;
                json!({
                    "id": h.id,
                    "url": h.url,
                    "format": format_name(h.format),
                    "full": h.full,
                    "created": h.created.to_string(),
                    "pending": w.pending,
                    "failures": h.failures,
                    "lastError": h.last_error,
                    "nextAttempt": h.next_attempt.map(|t| t.to_string()),
                    "deadLetters": h.dead,
                })
            })
            .collect(),
    )))
}

/// `POST /admin/api/tenants/{tenant}/webhooks/{id}/redeliver`.
pub async fn redeliver(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, id)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let n = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .redeliver(id, None)
        .await?;
    Ok(ok(json!({"requeued": n})))
}
