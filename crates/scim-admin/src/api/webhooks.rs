//! Admin API webhooks: `GET`/`POST /admin/api/tenants/{tenant}/webhooks`
//! (delivery status, never the secret; a new webhook's secret in the
//! creation's response only), `DELETE /admin/api/tenants/{tenant}/webhooks/{id}`,
//! `PUT /admin/api/tenants/{tenant}/webhooks/{id}/active`,
//! `POST /admin/api/tenants/{tenant}/webhooks/{id}/redeliver`.

use super::admins::ActiveBody;
use super::{created, ok};
use crate::error::ApiError;
use crate::json::{RequeuedJson, WebhookCreatedJson, WebhookJson};
use crate::session::{Admin, AdminChange, JsonBody};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use scim_http::AppState;
use scim_service::console::WebhookForm;
use scim_store::WebhookFormat;
use serde::Deserialize;
use utoipa::ToSchema;

/// How events are sent (`docs/events.md`).
#[derive(Deserialize, ToSchema, Clone, Copy, Default)]
#[serde(rename_all = "lowercase")]
pub enum FormatBody {
    /// A JSON batch signed with HMAC-SHA256.
    #[default]
    Signed,
    /// RFC 8935 pushes of RFC 9967 SETs.
    Set,
}

impl FormatBody {
    pub fn format(self) -> WebhookFormat {
        match self {
            FormatBody::Signed => WebhookFormat::Signed,
            FormatBody::Set => WebhookFormat::Set,
        }
    }
}

/// A new webhook.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookBody {
    /// `https://…` (or `http://…`) of the receiver.
    pub url: String,
    #[serde(default)]
    pub format: FormatBody,
    /// SETs carry the resource, not only the names of changed attributes.
    #[serde(default)]
    pub full: bool,
    /// May deliver to loopback, link-local and private addresses
    /// (super-admins only).
    #[serde(default)]
    pub allow_private: bool,
}

/// Webhooks with their delivery status: pending, failures, last error,
/// dead letters (never the secret).
///
/// `GET /admin/api/tenants/{tenant}/webhooks`.
#[utoipa::path(get, path = "/admin/api/tenants/{tenant}/webhooks",
    responses((status = 200, body = Vec<WebhookJson>)))]
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
        .hooks()
        .list()
        .await?;
    Ok(ok(&hooks.iter().map(WebhookJson::from).collect::<Vec<_>>()))
}

/// Create a webhook: its secret is in this response only.
///
/// `POST /admin/api/tenants/{tenant}/webhooks` `{"url", "format", "full", "allowPrivate"}`.
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/webhooks", request_body = WebhookBody,
    responses((status = 201, body = WebhookCreatedJson)))]
pub async fn create(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path(tenant): Path<String>,
    JsonBody(body): JsonBody<WebhookBody>,
) -> Result<Response, ApiError> {
    let hook = state
        .service
        .console(&who)
        .create_webhook(
            &tenant,
            WebhookForm {
                url: body.url,
                format: body.format.format(),
                full: body.full,
                allow_private: body.allow_private,
            },
        )
        .await?;
    Ok(created(&WebhookCreatedJson {
        webhook: WebhookJson::of(&hook, 0),
        secret: hook.secret.clone(),
    }))
}

/// Enable or disable a webhook's deliveries.
///
/// `PUT /admin/api/tenants/{tenant}/webhooks/{id}/active` `{"active": bool}`.
#[utoipa::path(put, path = "/admin/api/tenants/{tenant}/webhooks/{id}/active",
    request_body = ActiveBody, responses((status = 200, body = WebhookJson)))]
pub async fn set_active(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, id)): Path<(String, i64)>,
    JsonBody(body): JsonBody<ActiveBody>,
) -> Result<Response, ApiError> {
    let w = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .set_webhook_enabled(id, body.active)
        .await?;
    Ok(ok(&WebhookJson::from(&w)))
}

/// Delete a webhook and its dead letters.
///
/// `DELETE /admin/api/tenants/{tenant}/webhooks/{id}`.
#[utoipa::path(delete, path = "/admin/api/tenants/{tenant}/webhooks/{id}", responses((status = 204)))]
pub async fn remove(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, id)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .delete_webhook(id)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Queue a webhook's dead letters for redelivery.
///
/// `POST /admin/api/tenants/{tenant}/webhooks/{id}/redeliver`.
#[utoipa::path(post, path = "/admin/api/tenants/{tenant}/webhooks/{id}/redeliver",
    responses((status = 200, body = RequeuedJson)))]
pub async fn redeliver(
    State(state): State<AppState>,
    AdminChange(who): AdminChange,
    Path((tenant, id)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let requeued = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .redeliver(id, None)
        .await?;
    Ok(ok(&RequeuedJson { requeued }))
}
