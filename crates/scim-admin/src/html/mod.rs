//! The console's HTML: askama templates (`templates/`, checked when the
//! crate compiles), the page layout with its navigation, and the security
//! headers every console response carries. One file per page builds the
//! page's view (plain values) and renders its template.
//!
//! Invariant: HTML is made only by templates, and askama escapes every
//! value it writes (the templates are `.html`); no template marks a value
//! `safe`. No inline script or style: the Content-Security-Policy allows
//! only the embedded stylesheet and script.

pub mod admins;
pub mod audit;
pub mod breaker;
pub mod connection;
pub mod connections;
pub mod directory;
pub mod login;
pub mod provlog;
pub mod resource;
pub mod roles;
pub mod schemas;
pub mod seats;
pub mod tenants;
pub mod trash;
pub mod webhooks;

#[cfg(test)]
mod hostile_log_tests;
#[cfg(test)]
mod hostile_roles_tests;
#[cfg(test)]
mod hostile_schema_tests;
#[cfg(test)]
mod hostile_tests;

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use scim_service::console::AdminPrincipal;

/// The stylesheet, embedded in the binary.
pub const CSS: &str = include_str!("../../assets/console.css");
/// The one script (copy buttons, confirmations), embedded in the binary.
pub const JS: &str = include_str!("../../assets/console.js");

/// Percent-encodes a path segment or query value.
pub fn url(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Where a page sits in the navigation.
pub struct Nav<'a> {
    pub who: &'a AdminPrincipal,
    pub tenant: Option<&'a str>,
    /// The current section: `tenants`, `admins`, `connections`, `users`,
    /// `groups`, `seats`, `breaker`, `schemas`, `roles`, `webhooks`, `trash`,
    /// `audit`.
    pub section: &'a str,
}

/// One link of the navigation.
pub struct NavItem {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
}

/// The navigation as the layout shows it.
pub struct NavView {
    pub items: Vec<NavItem>,
    pub tenant: Option<String>,
    pub username: String,
    pub role: String,
    pub csrf: String,
}

impl From<&Nav<'_>> for NavView {
    fn from(nav: &Nav<'_>) -> NavView {
        let mut items = vec![("tenants", "/admin/tenants".to_string(), "Tenants")];
        if nav.who.is_super() && nav.who.can_change() {
            items.push(("admins", "/admin/admins".to_string(), "Admins"));
        }
        if let Some(t) = nav.tenant {
            let base = format!("/admin/t/{}", url(t));
            for (key, path, label) in [
                ("connections", "connections", "Connections"),
                ("users", "users", "Users"),
                ("groups", "groups", "Groups"),
                ("seats", "seats", "Seats & settings"),
                ("breaker", "breaker", "Circuit breaker"),
                ("schemas", "schemas", "Custom attributes"),
                ("roles", "roles", "Roles"),
                ("webhooks", "webhooks", "Webhooks"),
                ("trash", "trash", "Trash"),
                ("audit", "audit", "Audit log"),
            ] {
                items.push((key, format!("{base}/{path}"), label));
            }
        }
        let role = if nav.who.is_super() && nav.who.can_change() {
            "super-admin".to_string()
        } else {
            nav.who.role().name().to_string()
        };
        NavView {
            items: items
                .into_iter()
                .map(|(key, href, label)| NavItem {
                    href,
                    label,
                    current: key == nav.section,
                })
                .collect(),
            tenant: nav.tenant.map(str::to_string),
            username: nav.who.username().to_string(),
            role,
            csrf: nav.who.csrf().to_string(),
        }
    }
}

/// What every page's layout needs: its title and, when signed in, the
/// navigation.
pub struct Layout {
    pub title: String,
    pub nav: Option<NavView>,
}

impl Layout {
    /// The layout of a signed-in page.
    pub fn new(title: impl Into<String>, nav: &Nav<'_>) -> Layout {
        Layout {
            title: title.into(),
            nav: Some(nav.into()),
        }
    }

    /// The layout of a page outside a session (sign-in, errors).
    pub fn bare(title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            nav: None,
        }
    }
}

/// A notice box (`info`, `warn`, `error`, `ok`).
pub struct Note {
    pub kind: &'static str,
    pub text: String,
}

impl Note {
    /// `alert` for errors, else `status`.
    pub fn role(&self) -> &'static str {
        if self.kind == "error" {
            "alert"
        } else {
            "status"
        }
    }
}

/// One choice of a `<select>`.
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A `<select>` with its label.
pub struct Select {
    pub name: &'static str,
    pub label: &'static str,
    pub options: Vec<SelectOption>,
}

impl Select {
    /// A select whose options are their own labels.
    pub fn of(name: &'static str, label: &'static str, options: &[&str], current: &str) -> Select {
        Select::labelled(
            name,
            label,
            options.iter().map(|o| (o.to_string(), o.to_string())),
            current,
        )
    }

    /// A select of (value, label) options.
    pub fn labelled(
        name: &'static str,
        label: &'static str,
        options: impl IntoIterator<Item = (String, String)>,
        current: &str,
    ) -> Select {
        Select {
            name,
            label,
            options: options
                .into_iter()
                .map(|(value, label)| SelectOption {
                    selected: value == current,
                    value,
                    label,
                })
                .collect(),
        }
    }
}

/// The page shown for an error.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub detail: String,
}

/// The error page's HTML.
pub fn error_page(status: u16, detail: &str) -> String {
    let page = ErrorPage {
        layout: Layout::bare("Error"),
        status,
        detail: detail.to_string(),
    };
    page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "cannot render the error page");
        format!("{status}")
    })
}

/// The headers every console response carries: never cached, framed,
/// sniffed or given other scripts.
const SECURITY_HEADERS: [(header::HeaderName, &str); 5] = [
    (header::CACHE_CONTROL, "no-store"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "same-origin"),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
];

/// Adds the console's security headers a response does not set itself
/// (assets keep their own `Cache-Control`). Every console route runs its
/// responses through this (`console_routes`), error pages and extractor
/// rejections included.
pub fn with_security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    resp
}

/// HTML as a response, with the security headers.
pub fn respond(status: StatusCode, html: String) -> Response {
    with_security_headers((status, axum::response::Html(html)).into_response())
}

/// A rendered page as a response (a template that fails to render is a
/// 500, logged).
pub fn render<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(html) => respond(status, html),
        Err(e) => {
            tracing::error!(error = %e, "cannot render a console page");
            respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                error_page(500, "the page could not be shown"),
            )
        }
    }
}

/// 200 with a page.
pub fn ok<T: Template>(page: &T) -> Response {
    render(StatusCode::OK, page)
}

/// A timestamp, or none.
pub fn when(t: Option<scim_core::timestamp::Timestamp>) -> Option<String> {
    t.map(|t| t.to_string())
}

/// A policy's name as the forms and the CLI spell it.
pub fn choice_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// A 303 redirect after a form post.
pub fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}

/// `GET /admin/assets/console.css`.
pub async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

/// `GET /admin/assets/console.js`.
pub async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_errors() {
        assert_eq!(url("a b/c"), "a+b%2Fc");
        let html = error_page(404, r#"<script>alert("x'&")</script>"#);
        assert!(
            html.contains("&#60;script&#62;alert(&#34;x&#39;&#38;&#34;)&#60;/script&#62;"),
            "{html}"
        );
    }
}
