//! One console connection: `GET /admin/t/{tenant}/connections/{name}`
//! (profile and policies, tokens, issue form), `POST` to the same path
//! (update), `POST /admin/t/{tenant}/connections/{name}/tokens` (a new
//! token, shown once with a copy button and the SCIM base URL),
//! `POST /admin/t/{tenant}/connections/{name}/delete` and
//! `POST /admin/t/{tenant}/tokens/{id}/revoke`.

use super::connections::{choice_name, policy_fields};
use super::{csrf, esc, input, note, ok, or_dash, see_other, url, Nav};
use crate::error::PageError;
use crate::params::connection_form;
use crate::session::{PageAdmin, PageForm};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_core::ScimError;
use scim_http::extract::Ctx;
use scim_http::AppState;
use scim_service::console::{AdminPrincipal, ConnectionView, TokenState};

fn tokens_table(who: &AdminPrincipal, tenant: &str, v: &ConnectionView) -> String {
    let can = who.may_change(tenant);
    let rows: String = v
        .tokens
        .iter()
        .map(|tv| {
            let t = &tv.record;
            let state = match tv.state {
                TokenState::Revoked => r#"<span class="badge bad">revoked</span>"#,
                TokenState::Active => r#"<span class="badge ok">active</span>"#,
                TokenState::Expired => r#"<span class="badge warn">expired</span>"#,
            };
            let action = if can && t.revoked.is_none() {
                format!(
                    r#"<form class="inline" method="post" action="/admin/t/{}/tokens/{}/revoke" data-confirm="Revoke this token? The IdP using it will be refused.">{}<button class="danger" type="submit" aria-label="Revoke token {}">Revoke</button></form>"#,
                    url(tenant),
                    t.id,
                    csrf(who),
                    esc(&t.name)
                )
            } else {
                String::new()
            };
            format!(
                r#"<tr><td>{}</td><td><code>{}…</code></td><td>{}</td><td>{}</td><td>{state}</td><td>{action}</td></tr>"#,
                esc(&t.name),
                esc(&t.prefix),
                esc(&t.created.to_string()),
                or_dash(t.expires.map(|e| e.to_string())),
            )
        })
        .collect();
    format!(
        r#"<h2 id="tokens">Tokens</h2><table aria-labelledby="tokens"><thead><tr><th scope="col">Label</th><th scope="col">Prefix</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">State</th><th scope="col"><span class="skip">Actions</span></th></tr></thead><tbody>{rows}</tbody></table>"#
    )
}

fn body(who: &AdminPrincipal, tenant: &str, v: &ConnectionView) -> String {
    let c = &v.connection;
    let base = format!("/admin/t/{}/connections/{}", url(tenant), url(&c.name));
    let paused = if c.policy.paused_since.is_some() {
        note("warn", "The circuit breaker paused deprovisioning through this connection. Confirm or reject it on the circuit breaker page.")
    } else {
        String::new()
    };
    let edit = if who.may_change(tenant) {
        format!(
            r#"<form class="card" method="post" action="{base}"><h2>Profile and policies</h2>{}<div class="fields">{}</div><p><button type="submit">Save</button></p></form>
<form class="card" method="post" action="{base}/tokens"><h2>New token</h2>{}<div class="fields">{}{}<button type="submit">Create token</button></div></form>
<form class="card" method="post" action="{base}/delete" data-confirm="Delete this connection and its tokens?">{}<button class="danger" type="submit">Delete connection</button> <span class="muted">Its tokens are deleted; users and groups it provisioned stay.</span></form>"#,
            csrf(who),
            policy_fields(Some(c)),
            csrf(who),
            input(
                "text",
                "label",
                "Label",
                "",
                r#"placeholder="e.g. entra-prod""#
            ),
            input(
                "number",
                "expires_in_days",
                "Expires in days (empty: never)",
                "",
                r#"min="1""#
            ),
            csrf(who),
        )
    } else {
        format!(
            r#"<dl class="props"><dt>Profile</dt><dd>{}</dd><dt>On active=false</dt><dd>{}</dd><dt>On DELETE</dt><dd>{}</dd><dt>Ownership</dt><dd>{}</dd><dt>Max active tokens</dt><dd>{}</dd></dl>"#,
            esc(c.profile.name()),
            choice_name(&c.policy.deactivate),
            choice_name(&c.policy.delete),
            choice_name(&c.policy.ownership),
            c.policy.max_active_tokens
        )
    };
    format!(
        r#"<p><a href="/admin/t/{}/connections">← Connections</a></p><h1>Connection {}</h1>{paused}{edit}{}{}"#,
        url(tenant),
        esc(&c.name),
        tokens_table(who, tenant, v),
        undefined_table(v)
    )
}

fn nav<'a>(who: &'a AdminPrincipal, tenant: &'a str) -> Nav<'a> {
    Nav {
        who,
        tenant: Some(tenant),
        section: "connections",
    }
}

/// `GET /admin/t/{tenant}/connections/{name}`.
pub async fn show(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
    Path((tenant, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let v = state
        .service
        .console(&who)
        .read(&tenant)
        .await?
        .connection_view(&name)
        .await?;
    Ok(ok(
        &format!("Connection {name}"),
        &nav(&who, &tenant),
        &body(&who, &tenant, &v),
    ))
}

/// `POST /admin/t/{tenant}/connections/{name}`: saves profile and policies.
pub async fn update(
    State(state): State<AppState>,
    Path((tenant, name)): Path<(String, String)>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let f = connection_form(&form)?;
    let c = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .update_connection(&name, move |c| f.apply(c))
        .await?;
    Ok(see_other(&format!(
        "/admin/t/{}/connections/{}",
        url(&tenant),
        url(&c.name)
    )))
}

/// `POST /admin/t/{tenant}/connections/{name}/tokens`: the new token,
/// shown on this page only.
pub async fn issue(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path((tenant, name)): Path<(String, String)>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let days = match form.text("expires_in_days").as_str() {
        "" => None,
        d => Some(d.parse::<u32>().map_err(|_| {
            ScimError::InvalidValue("expires in days must be a whole number".into())
        })?),
    };
    let issued = state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .issue_token(Some(&name), &form.text("label"), days)
        .await?;
    let page = format!(
        r#"<p><a href="/admin/t/{}/connections/{}">← Connection {}</a></p><h1>New token for {}</h1>
<section class="note ok" aria-label="New token">
<p>This token is shown <strong>once</strong>. Copy it into the identity provider now; scimd keeps only its hash.</p>
<p><span class="muted">SCIM base URL (Tenant URL):</span><br><span class="secret" id="base-url">{}</span> <button type="button" class="secondary" data-copy="base-url">Copy URL</button> <span id="base-url-status" role="status"></span></p>
<p><span class="muted">Bearer token (Secret Token), label {}:</span><br><span class="secret" id="new-token">{}</span> <button type="button" data-copy="new-token">Copy token</button> <span id="new-token-status" role="status"></span></p></section>"#,
        url(&tenant),
        url(&name),
        esc(&name),
        esc(&name),
        esc(&ctx.base_url),
        esc(&issued.record.name),
        esc(&issued.token)
    );
    Ok(ok("New token", &nav(&who, &tenant), &page))
}

/// `POST /admin/t/{tenant}/connections/{name}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    Path((tenant, name)): Path<(String, String)>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .delete_connection(&name)
        .await?;
    Ok(see_other(&format!("/admin/t/{}/connections", url(&tenant))))
}

/// `POST /admin/t/{tenant}/tokens/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    Path((tenant, id)): Path<(String, i64)>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    state
        .service
        .console(&who)
        .change(&tenant)
        .await?
        .revoke_token(id)
        .await?;
    Ok(see_other(&format!("/admin/t/{}/connections", url(&tenant))))
}

/// The attributes the connection sent that the tenant's schemas do not
/// define, with a schema document to define them from.
fn undefined_table(v: &ConnectionView) -> String {
    if v.undefined.is_empty() {
        return String::new();
    }
    let rows: String = v
        .undefined
        .iter()
        .map(|u| {
            format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&u.name),
                u.count,
                esc(&u.last_seen.to_string()),
                esc(&u.example)
            )
        })
        .collect();
    let plain: Vec<serde_json::Value> = v
        .undefined
        .iter()
        .filter_map(|u| u.name.rsplit(':').next())
        .filter(|n| !n.contains('.') && !n.is_empty())
        .map(|n| serde_json::json!({"name": n, "type": "string"}))
        .collect();
    let draft = serde_json::json!({
        "id": "urn:ietf:params:scim:schemas:extension:Custom:2.0:User",
        "name": "Custom",
        "attributes": plain,
    });
    let draft = serde_json::to_string_pretty(&draft).unwrap_or_default();
    format!(
        r#"<div class="card"><h2>Undefined attributes</h2><p class="muted">Sent by this connection but defined by none of the tenant's schemas; what happened to them is the connection's "undefined attributes" policy.</p><table><thead><tr><th>Attribute</th><th>Seen</th><th>Last seen</th><th>Example (redacted)</th></tr></thead><tbody>{rows}</tbody></table><h3>Define them</h3><p class="muted">A schema document to start from: <code>scimd schema add --tenant T --file custom.json</code>.</p><pre>{}</pre></div>"#,
        esc(&draft)
    )
}
