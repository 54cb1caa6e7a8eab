//! The admin JSON API under `/admin/api` (`docs/admin.md`). Sign in with
//! `POST /admin/api/login`; the session cookie authenticates later calls,
//! and every change carries the session's CSRF token in `X-CSRF-Token`
//! (returned by login and `GET /admin/api/me`).

pub mod admins;
pub mod auth;
pub mod connections;
pub mod directory;
pub mod provlog;
pub mod roles;
pub mod schemas;
pub mod tenants;
pub mod trash;
pub mod webhooks;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use scim_http::Route;
use serde::Serialize;

/// A JSON response that is never cached.
pub fn json_reply<T: Serialize + ?Sized>(status: StatusCode, body: &T) -> Response {
    let text = match serde_json::to_string(body) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "cannot encode an admin API body");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        text,
    )
        .into_response()
}

/// 200 with a JSON body.
pub fn ok<T: Serialize + ?Sized>(body: &T) -> Response {
    json_reply(StatusCode::OK, body)
}

/// 201 with a JSON body.
pub fn created<T: Serialize + ?Sized>(body: &T) -> Response {
    json_reply(StatusCode::CREATED, body)
}

/// The admin API's routes.
pub fn routes() -> Vec<Route> {
    let r = |path, methods, handler| Route::new("Admin API", path, methods, handler);
    vec![
        r(
            "/admin/api/login",
            &[(
                "POST",
                "Sign in: sets the session cookie, returns the CSRF token",
            )],
            post(auth::login),
        ),
        r(
            "/admin/api/logout",
            &[("POST", "Sign out: ends the session")],
            post(auth::logout),
        ),
        r(
            "/admin/api/me",
            &[("GET", "The signed-in admin and the session's CSRF token")],
            get(auth::me),
        ),
        r(
            "/admin/api/admins",
            &[
                ("GET", "Admin accounts (super-admin)"),
                ("POST", "Create an admin account (super-admin)"),
            ],
            get(admins::list).post(admins::create),
        ),
        r(
            "/admin/api/admins/{username}",
            &[("DELETE", "Delete an admin account and its sessions (super-admin)")],
            delete(admins::remove),
        ),
        r(
            "/admin/api/admins/{username}/active",
            &[(
                "PUT",
                "Enable or disable an admin account; disabling ends its sessions (super-admin)",
            )],
            put(admins::set_active),
        ),
        r(
            "/admin/api/admins/{username}/password",
            &[("PUT", "Set an admin's password; ends its sessions (super-admin)")],
            put(admins::password),
        ),
        r(
            "/admin/api/admins/{username}/sessions",
            &[("DELETE", "End every session of an admin account (super-admin)")],
            delete(admins::revoke),
        ),
        r(
            "/admin/api/tenants",
            &[
                ("GET", "The tenants this admin reaches"),
                ("POST", "Create a tenant (super-admin)"),
            ],
            get(tenants::list).post(tenants::create),
        ),
        r(
            "/admin/api/tenants/{tenant}",
            &[("GET", "A tenant: settings, seats, connections")],
            get(tenants::show),
        ),
        r(
            "/admin/api/tenants/{tenant}/settings",
            &[(
                "PUT",
                "Replace the tenant's settings (seat limit, matching, retention, breaker)",
            )],
            put(tenants::settings),
        ),
        r(
            "/admin/api/tenants/{tenant}/seats",
            &[("GET", "Seat usage against the limit")],
            get(tenants::seats),
        ),
        r(
            "/admin/api/tenants/{tenant}/log",
            &[("GET", "The provisioning log, newest first, with filters (JSON, JSON lines, CSV)")],
            get(provlog::list),
        ),
        r(
            "/admin/api/tenants/{tenant}/log/stream",
            &[("GET", "The provisioning log's live tail (server-sent events)")],
            get(provlog::stream),
        ),
        r(
            "/admin/api/tenants/{tenant}/audit",
            &[("GET", "The audit log, newest first, with filters")],
            get(directory::audit),
        ),
        r(
            "/admin/api/tenants/{tenant}/connections",
            &[
                ("GET", "Connections with their policies and tokens"),
                ("POST", "Create a connection"),
            ],
            get(connections::list).post(connections::create),
        ),
        r(
            "/admin/api/tenants/{tenant}/connections/{name}",
            &[
                ("GET", "A connection with its tokens"),
                ("PUT", "Change a connection's profile and policies"),
                ("DELETE", "Delete a connection and its tokens"),
            ],
            get(connections::show)
                .put(connections::update)
                .delete(connections::remove),
        ),
        r(
            "/admin/api/tenants/{tenant}/connections/{name}/tokens",
            &[(
                "POST",
                "Issue a token: the secret is in this response only, with the SCIM base URL",
            )],
            post(connections::issue),
        ),
        r(
            "/admin/api/tenants/{tenant}/connections/{name}/rotate",
            &[("POST", "Issue a token and retire the live ones")],
            post(connections::rotate),
        ),
        r(
            "/admin/api/tenants/{tenant}/connections/{name}/breaker",
            &[("POST", "Confirm or reject a paused mass deprovisioning")],
            post(connections::breaker),
        ),
        r(
            "/admin/api/tenants/{tenant}/tokens/{id}",
            &[("DELETE", "Revoke a token")],
            delete(connections::revoke),
        ),
        r(
            "/admin/api/tenants/{tenant}/schemas",
            &[
                ("GET", "The tenant's schema extensions (custom attributes)"),
                ("POST", "Add a schema extension to User or Group"),
            ],
            get(schemas::list).post(schemas::add),
        ),
        r(
            "/admin/api/tenants/{tenant}/schemas/{urn}",
            &[
                ("GET", "A schema extension"),
                (
                    "DELETE",
                    "Remove a schema extension (refused while resources carry values, unless dropValues=true)",
                ),
            ],
            get(schemas::show).delete(schemas::remove),
        ),
        r(
            "/admin/api/tenants/{tenant}/roles",
            &[
                ("GET", "The tenant's mappings from groups to roles"),
                (
                    "POST",
                    "Map a group (by displayName or externalId) to a role; recomputes its users",
                ),
            ],
            get(roles::list).post(roles::map),
        ),
        r(
            "/admin/api/tenants/{tenant}/roles/unmap",
            &[("POST", "Remove a mapping; recomputes its groups' users")],
            post(roles::unmap),
        ),
        r(
            "/admin/api/tenants/{tenant}/roles/refresh",
            &[("POST", "Recompute every user's effective roles")],
            post(roles::refresh),
        ),
        r(
            "/admin/api/tenants/{tenant}/webhooks",
            &[
                (
                    "GET",
                    "Webhooks with their delivery status: pending, failures, last error, dead letters (never the secret)",
                ),
                ("POST", "Create a webhook: its secret is in this response only"),
            ],
            get(webhooks::list).post(webhooks::create),
        ),
        r(
            "/admin/api/tenants/{tenant}/webhooks/{id}",
            &[("DELETE", "Delete a webhook and its dead letters")],
            delete(webhooks::remove),
        ),
        r(
            "/admin/api/tenants/{tenant}/webhooks/{id}/active",
            &[("PUT", "Enable or disable a webhook's deliveries")],
            put(webhooks::set_active),
        ),
        r(
            "/admin/api/tenants/{tenant}/webhooks/{id}/redeliver",
            &[("POST", "Queue a webhook's dead letters for redelivery")],
            post(webhooks::redeliver),
        ),
        r(
            "/admin/api/tenants/{tenant}/users",
            &[("GET", "Search users: SCIM filter, quick search, paging")],
            get(directory::users),
        ),
        r(
            "/admin/api/tenants/{tenant}/groups",
            &[("GET", "Search groups: SCIM filter, quick search, paging")],
            get(directory::groups),
        ),
        r(
            "/admin/api/tenants/{tenant}/users/{id}",
            &[
                (
                    "GET",
                    "A user: attributes, memberships, provenance, timeline",
                ),
                ("DELETE", "Delete a local user (403 for a managed one)"),
            ],
            get(directory::user).delete(directory::delete_user),
        ),
        r(
            "/admin/api/tenants/{tenant}/groups/{id}",
            &[
                ("GET", "A group: attributes, members, timeline"),
                ("DELETE", "Delete a local group (403 for a managed one)"),
            ],
            get(directory::group).delete(directory::delete_group),
        ),
        r(
            "/admin/api/tenants/{tenant}/users/{id}/active",
            &[(
                "PUT",
                "Enable or disable a local user (403 for a managed one)",
            )],
            put(directory::set_active),
        ),
        r(
            "/admin/api/tenants/{tenant}/users/{id}/unmanage",
            &[("POST", "Release a user from SCIM management")],
            post(directory::unmanage_user),
        ),
        r(
            "/admin/api/tenants/{tenant}/groups/{id}/unmanage",
            &[("POST", "Release a group from SCIM management")],
            post(directory::unmanage_group),
        ),
        r(
            "/admin/api/tenants/{tenant}/trash",
            &[("GET", "Soft-deleted users and groups")],
            get(trash::list),
        ),
        r(
            "/admin/api/tenants/{tenant}/trash/{kind}/{id}",
            &[("DELETE", "Purge a soft-deleted user or group now")],
            delete(trash::purge),
        ),
        r(
            "/admin/api/tenants/{tenant}/trash/{kind}/{id}/restore",
            &[("POST", "Restore a soft-deleted user or group")],
            post(trash::restore),
        ),
        r(
            "/admin/api/tenants/{tenant}/users/{id}/timeline",
            &[("GET", "The user's audit timeline")],
            get(directory::user_timeline),
        ),
    ]
}
