//! The console's HTML: escaping, the page layout with its navigation, and
//! small builders shared by the pages (one file per page). Pages are plain
//! strings built with `format!`; every value from outside goes through
//! [`esc`]. No inline script or style: the Content-Security-Policy allows
//! only the embedded assets.

pub mod admins;
pub mod audit;
pub mod breaker;
pub mod connection;
pub mod connections;
pub mod directory;
pub mod login;
pub mod resource;
pub mod seats;
pub mod tenants;
pub mod webhooks;

use axum::http::{header, HeaderValue, StatusCode};
pub use axum::response::Html;
use axum::response::{IntoResponse, Response};
use scim_service::console::AdminPrincipal;

/// The stylesheet, embedded in the binary.
pub const CSS: &str = include_str!("../../assets/console.css");
/// The one script (copy buttons, confirmations), embedded in the binary.
pub const JS: &str = include_str!("../../assets/console.js");

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a path segment or query value.
pub fn url(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The hidden CSRF field every form carries.
pub fn csrf(who: &AdminPrincipal) -> String {
    format!(
        r#"<input type="hidden" name="csrf" value="{}">"#,
        esc(who.csrf())
    )
}

/// Where a page sits in the navigation.
pub struct Nav<'a> {
    pub who: &'a AdminPrincipal,
    pub tenant: Option<&'a str>,
    /// The current section: `tenants`, `admins`, `connections`, `users`,
    /// `groups`, `seats`, `breaker`, `webhooks`, `audit`.
    pub section: &'a str,
}

fn nav_html(nav: &Nav<'_>) -> String {
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
            ("seats", "seats", "Seats &amp; settings"),
            ("breaker", "breaker", "Circuit breaker"),
            ("webhooks", "webhooks", "Webhooks"),
            ("audit", "audit", "Audit log"),
        ] {
            items.push((key, format!("{base}/{path}"), label));
        }
    }
    let links: String = items
        .iter()
        .map(|(key, href, label)| {
            let current = if *key == nav.section {
                r#" aria-current="page""#
            } else {
                ""
            };
            format!(r#"<li><a href="{}"{current}>{label}</a></li>"#, esc(href))
        })
        .collect();
    let tenant = nav
        .tenant
        .map(|t| format!(r#"<span class="badge">tenant {}</span>"#, esc(t)))
        .unwrap_or_default();
    let role = if nav.who.is_super() && nav.who.can_change() {
        "super-admin".to_string()
    } else {
        nav.who.role().name().to_string()
    };
    format!(
        r#"<header class="top"><a class="brand" href="/admin">scimd admin</a>{tenant}<nav aria-label="Main"><ul>{links}</ul></nav><div class="who"><span>{} ({role})</span><form class="inline" method="post" action="/admin/logout">{}<button class="secondary" type="submit">Sign out</button></form></div></header>"#,
        esc(nav.who.username()),
        csrf(nav.who)
    )
}

/// A complete page.
pub fn page(title: &str, nav: Option<&Nav<'_>>, body: &str) -> String {
    let header = nav.map(nav_html).unwrap_or_default();
    format!(
        r##"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{} · scimd admin</title><link rel="stylesheet" href="/admin/assets/console.css"><script src="/admin/assets/console.js" defer></script></head>
<body><a class="skip" href="#main">Skip to content</a>{header}<main id="main" tabindex="-1">{body}</main></body></html>"##,
        esc(title)
    )
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

/// A page as a response, with the security headers.
pub fn respond(status: StatusCode, html: String) -> Response {
    with_security_headers((status, Html(html)).into_response())
}

/// 200 with a page.
pub fn ok(title: &str, nav: &Nav<'_>, body: &str) -> Response {
    respond(StatusCode::OK, page(title, Some(nav), body))
}

/// The page shown for an error.
pub fn error_page(status: u16, detail: &str) -> String {
    page(
        "Error",
        None,
        &format!(
            r#"<h1>{status}</h1><div class="note error" role="alert">{}</div><p><a href="/admin">Back to the console</a></p>"#,
            esc(detail)
        ),
    )
}

/// A notice box (`info`, `warn`, `error`, `ok`).
pub fn note(kind: &str, text: &str) -> String {
    let role = if kind == "error" { "alert" } else { "status" };
    format!(
        r#"<div class="note {kind}" role="{role}">{}</div>"#,
        esc(text)
    )
}

/// A `<select>` with a label.
pub fn select(name: &str, label: &str, options: &[&str], current: &str) -> String {
    let opts: String = options
        .iter()
        .map(|o| {
            let sel = if *o == current { " selected" } else { "" };
            format!(r#"<option value="{0}"{sel}>{0}</option>"#, esc(o))
        })
        .collect();
    format!(
        r#"<div class="field"><label for="f-{name}">{label}</label><select id="f-{name}" name="{name}">{opts}</select></div>"#
    )
}

/// A text input with a label.
pub fn input(kind: &str, name: &str, label: &str, value: &str, extra: &str) -> String {
    format!(
        r#"<div class="field"><label for="f-{name}">{label}</label><input type="{kind}" id="f-{name}" name="{name}" value="{}" {extra}></div>"#,
        esc(value)
    )
}

/// A value or an em dash.
pub fn or_dash(v: Option<String>) -> String {
    v.map_or_else(|| "—".to_string(), |v| esc(&v))
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
    fn escaping() {
        assert_eq!(
            esc(r#"<script>alert("x'&")</script>"#),
            "&lt;script&gt;alert(&quot;x&#39;&amp;&quot;)&lt;/script&gt;"
        );
        assert_eq!(url("a b/c"), "a+b%2Fc");
    }
}
