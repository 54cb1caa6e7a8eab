//! Console admin accounts, for super-admins: `GET /admin/admins` (every
//! account with its state, and forms to disable or enable it, set a new
//! password, end its sessions or delete it), and the posts
//! `POST /admin/admins/{username}/active` (`active`),
//! `POST /admin/admins/{username}/password` (`password`),
//! `POST /admin/admins/{username}/sessions` and
//! `POST /admin/admins/{username}/delete`. Each change is audited.

use super::{csrf, esc, note, ok, see_other, url, Nav};
use crate::error::PageError;
use crate::session::{PageAdmin, PageForm};
use axum::extract::{Path, State};
use axum::response::Response;
use scim_http::AppState;
use scim_service::console::{AccountChange, AdminPrincipal, AdminView};

fn row(who: &AdminPrincipal, a: &AdminView) -> String {
    let base = format!("/admin/admins/{}", url(&a.username));
    let name = esc(&a.username);
    let token = csrf(who);
    let state = match a.disabled {
        Some(at) => format!(
            r#"<span class="badge bad">disabled</span> <span class="muted">{}</span>"#,
            esc(&at.to_string())
        ),
        None => r#"<span class="badge ok">enabled</span>"#.to_string(),
    };
    let own = a.username == who.username();
    let toggle = match (a.disabled.is_some(), own) {
        (true, _) => format!(
            r#"<form class="inline" method="post" action="{base}/active">{token}<input type="hidden" name="active" value="true"><button type="submit" aria-label="Enable {name}">Enable</button></form>"#
        ),
        (false, false) => format!(
            r#"<form class="inline" method="post" action="{base}/active" data-confirm="Disable {name}? Its sessions end now.">{token}<input type="hidden" name="active" value="false"><button class="secondary" type="submit" aria-label="Disable {name}">Disable</button></form>"#
        ),
        (false, true) => String::new(),
    };
    let delete = if own {
        String::new()
    } else {
        format!(
            r#"<form class="inline" method="post" action="{base}/delete" data-confirm="Delete the account {name}?">{token}<button class="danger" type="submit" aria-label="Delete {name}">Delete</button></form>"#
        )
    };
    let field = format!("pw-{}", url(&a.username));
    format!(
        r#"<tr><td>{name}</td><td>{}</td><td>{}</td><td>{}</td><td>{state}</td><td>{toggle} <form class="inline" method="post" action="{base}/sessions" data-confirm="End every session of {name}?">{token}<button class="secondary" type="submit" aria-label="End the sessions of {name}">End sessions</button></form> {delete}<form class="inline" method="post" action="{base}/password">{token}<label for="{field}">New password for {name}</label> <input type="password" id="{field}" name="password" minlength="10" autocomplete="new-password" required> <button type="submit">Set password</button></form></td></tr>"#,
        esc(a.kind),
        a.tenant
            .as_deref()
            .map_or_else(|| "every tenant".to_string(), esc),
        esc(&a.created.to_string()),
    )
}

/// `GET /admin/admins`.
pub async fn list(
    State(state): State<AppState>,
    PageAdmin(who): PageAdmin,
) -> Result<Response, PageError> {
    let admins = state.service.console(&who).system()?.admins().await?;
    let rows: String = admins.iter().map(|a| row(&who, a)).collect();
    let body = format!(
        r#"<h1>Admin accounts</h1>{}<table><caption class="skip">Admin accounts</caption><thead><tr><th scope="col">Username</th><th scope="col">Role</th><th scope="col">Tenant</th><th scope="col">Created</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead><tbody>{rows}</tbody></table><p class="muted">Accounts are created with <code>scimd admin create</code>. Disabling, a new password and deleting end the account's sessions; every change is recorded in the audit log of the tenants the account reaches.</p>"#,
        note(
            "info",
            "You cannot disable or delete your own account here."
        )
    );
    Ok(ok(
        "Admin accounts",
        &Nav {
            who: &who,
            tenant: None,
            section: "admins",
        },
        &body,
    ))
}

async fn apply(
    state: &AppState,
    who: &AdminPrincipal,
    username: &str,
    change: AccountChange,
) -> Result<Response, PageError> {
    state
        .service
        .console(who)
        .system()?
        .change_admin(username, change)
        .await?;
    Ok(see_other("/admin/admins"))
}

/// `POST /admin/admins/{username}/active` with `active` (`true` or `false`).
pub async fn set_active(
    State(state): State<AppState>,
    Path(username): Path<String>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let change = if form.get("active") == Some("true") {
        AccountChange::Enable
    } else {
        AccountChange::Disable
    };
    apply(&state, &who, &username, change).await
}

/// `POST /admin/admins/{username}/password` with `password`.
pub async fn password(
    State(state): State<AppState>,
    Path(username): Path<String>,
    PageForm { who, form }: PageForm,
) -> Result<Response, PageError> {
    let password = form.get("password").unwrap_or("").to_string();
    apply(&state, &who, &username, AccountChange::Password(password)).await
}

/// `POST /admin/admins/{username}/sessions`.
pub async fn revoke(
    State(state): State<AppState>,
    Path(username): Path<String>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    apply(&state, &who, &username, AccountChange::RevokeSessions).await
}

/// `POST /admin/admins/{username}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    Path(username): Path<String>,
    PageForm { who, .. }: PageForm,
) -> Result<Response, PageError> {
    apply(&state, &who, &username, AccountChange::Delete).await
}
