//! scimd's admin console and admin API (`docs/admin.md`).
//!
//! - [`api`]: the JSON API under `/admin/api`.
//! - [`html`]: the server-rendered console under `/admin`, one file per
//!   page, with its stylesheet and one small script embedded in the binary.
//! - [`openapi`]: `/openapi.json`, made from the same route tables the
//!   routers are built from.
//! - [`session`]: the extractors that resolve the session cookie (and the
//!   CSRF token of changes) into an `AdminPrincipal`, through the service.
//!
//! Invariant: handlers extract, call one `Console` method and map the
//! result; authorisation (roles, tenant scope, CSRF) is decided in
//! `scim_service::console`, never here, and nothing here touches SQL.

pub mod api;
pub mod error;
pub mod html;
pub mod json;
pub mod openapi;
pub mod params;
pub mod session;

use axum::routing::{get, post};
use scim_http::Route;

/// The console's page routes.
pub fn console_routes() -> Vec<Route> {
    use html::*;
    let secure = axum::middleware::map_response(|r: axum::response::Response| async move {
        with_security_headers(r)
    });
    let r = |path, methods, handler: axum::routing::MethodRouter<scim_http::AppState>| {
        Route::new("Console", path, methods, handler.layer(secure.clone()))
    };
    vec![
        r(
            "/admin",
            &[("GET", "The console's start page")],
            get(login::start),
        ),
        r(
            "/admin/login",
            &[("GET", "The sign-in form"), ("POST", "Sign in")],
            get(login::show).post(login::submit),
        ),
        r(
            "/admin/logout",
            &[("POST", "Sign out")],
            post(login::logout),
        ),
        r(
            "/admin/assets/console.css",
            &[("GET", "The stylesheet")],
            get(css),
        ),
        r(
            "/admin/assets/console.js",
            &[("GET", "The script")],
            get(js),
        ),
        r(
            "/admin/tenants",
            &[("GET", "Tenants"), ("POST", "Create a tenant")],
            get(tenants::list).post(tenants::create),
        ),
        r(
            "/admin/admins",
            &[
                ("GET", "Admin accounts (super-admin)"),
                ("POST", "Create an admin account"),
            ],
            get(admins::list).post(admins::create),
        ),
        r(
            "/admin/admins/{username}/active",
            &[("POST", "Enable or disable an admin account")],
            post(admins::set_active),
        ),
        r(
            "/admin/admins/{username}/password",
            &[("POST", "Set an admin's password")],
            post(admins::password),
        ),
        r(
            "/admin/admins/{username}/sessions",
            &[("POST", "End every session of an admin account")],
            post(admins::revoke),
        ),
        r(
            "/admin/admins/{username}/delete",
            &[("POST", "Delete an admin account")],
            post(admins::delete),
        ),
        r(
            "/admin/t/{tenant}/connections",
            &[("GET", "Connections"), ("POST", "Create a connection")],
            get(connections::list).post(connections::create),
        ),
        r(
            "/admin/t/{tenant}/connections/{name}",
            &[("GET", "A connection"), ("POST", "Save a connection")],
            get(connection::show).post(connection::update),
        ),
        r(
            "/admin/t/{tenant}/connections/{name}/tokens",
            &[("POST", "Create a token (shown once)")],
            post(connection::issue),
        ),
        r(
            "/admin/t/{tenant}/connections/{name}/rotate",
            &[(
                "POST",
                "Rotate: a new token (shown once), the live ones retired after the overlap",
            )],
            post(connection::rotate),
        ),
        r(
            "/admin/t/{tenant}/connections/{name}/delete",
            &[("POST", "Delete a connection")],
            post(connection::delete),
        ),
        r(
            "/admin/t/{tenant}/tokens/{id}/revoke",
            &[("POST", "Revoke a token")],
            post(connection::revoke),
        ),
        r(
            "/admin/t/{tenant}/users",
            &[("GET", "Users")],
            get(directory::users),
        ),
        r(
            "/admin/t/{tenant}/groups",
            &[("GET", "Groups")],
            get(directory::groups),
        ),
        r(
            "/admin/t/{tenant}/users/{id}",
            &[("GET", "A user with its timeline")],
            get(resource::user),
        ),
        r(
            "/admin/t/{tenant}/groups/{id}",
            &[("GET", "A group with its timeline")],
            get(resource::group),
        ),
        r(
            "/admin/t/{tenant}/users/{id}/active",
            &[("POST", "Enable or disable a local user")],
            post(resource::set_active),
        ),
        r(
            "/admin/t/{tenant}/users/{id}/unmanage",
            &[("POST", "Release a user from SCIM management")],
            post(resource::unmanage_user),
        ),
        r(
            "/admin/t/{tenant}/groups/{id}/unmanage",
            &[("POST", "Release a group from SCIM management")],
            post(resource::unmanage_group),
        ),
        r(
            "/admin/t/{tenant}/seats",
            &[("GET", "Seats and settings")],
            get(seats::show),
        ),
        r(
            "/admin/t/{tenant}/settings",
            &[("POST", "Save settings")],
            post(seats::update),
        ),
        r(
            "/admin/t/{tenant}/breaker",
            &[("GET", "Paused deprovisioning")],
            get(breaker::show),
        ),
        r(
            "/admin/t/{tenant}/breaker/{name}",
            &[("POST", "Confirm or reject")],
            post(breaker::decide),
        ),
        r(
            "/admin/t/{tenant}/schemas",
            &[
                ("GET", "Custom attributes: the tenant's extension schemas"),
                ("POST", "Add an extension schema"),
            ],
            get(schemas::show).post(schemas::add),
        ),
        r(
            "/admin/t/{tenant}/schemas/remove",
            &[("POST", "Remove an extension schema")],
            post(schemas::remove),
        ),
        r(
            "/admin/t/{tenant}/roles",
            &[
                ("GET", "Roles: the tenant's mappings from groups to roles"),
                ("POST", "Map a group to a role"),
            ],
            get(roles::show).post(roles::map),
        ),
        r(
            "/admin/t/{tenant}/roles/unmap",
            &[("POST", "Remove a role mapping")],
            post(roles::unmap),
        ),
        r(
            "/admin/t/{tenant}/webhooks",
            &[
                (
                    "GET",
                    "Webhooks: pending, failures, last error, dead letters",
                ),
                ("POST", "Create a webhook (its secret shown once)"),
            ],
            get(webhooks::show).post(webhooks::create),
        ),
        r(
            "/admin/t/{tenant}/webhooks/{id}/active",
            &[("POST", "Enable or disable a webhook")],
            post(webhooks::set_active),
        ),
        r(
            "/admin/t/{tenant}/webhooks/{id}/delete",
            &[("POST", "Delete a webhook")],
            post(webhooks::delete),
        ),
        r(
            "/admin/t/{tenant}/webhooks/{id}/redeliver",
            &[("POST", "Redeliver a webhook's dead letters")],
            post(webhooks::redeliver),
        ),
        r(
            "/admin/t/{tenant}/trash",
            &[("GET", "Soft-deleted users and groups")],
            get(trash::show),
        ),
        r(
            "/admin/t/{tenant}/trash/{kind}/{id}/restore",
            &[("POST", "Restore a soft-deleted user or group")],
            post(trash::restore),
        ),
        r(
            "/admin/t/{tenant}/trash/{kind}/{id}/purge",
            &[("POST", "Purge a soft-deleted user or group now")],
            post(trash::purge),
        ),
        r(
            "/admin/t/{tenant}/connections/{name}/log",
            &[("GET", "A connection's provisioning log")],
            get(provlog::show),
        ),
        r(
            "/admin/t/{tenant}/connections/{name}/log/export",
            &[(
                "GET",
                "A connection's provisioning log as JSON lines or CSV",
            )],
            get(provlog::download),
        ),
        r(
            "/admin/t/{tenant}/connections/{name}/log/stream",
            &[(
                "GET",
                "A connection's provisioning log, live (server-sent events)",
            )],
            get(provlog::stream),
        ),
        r(
            "/admin/t/{tenant}/audit",
            &[("GET", "The audit log")],
            get(audit::show),
        ),
    ]
}

/// Every route this crate serves: the admin API, the console pages and
/// `/openapi.json`. The binary passes them to `scim_http::app_with`.
pub fn routes() -> Vec<Route> {
    let mut all = api::routes();
    all.extend(console_routes());
    all.push(Route::new(
        "Operations",
        "/openapi.json",
        &[("GET", "This OpenAPI document")],
        get(openapi::handler),
    ));
    all
}
