//! Extractors for the signed-in admin, and the session cookie.
//!
//! - [`Admin`] (API reads) and [`PageAdmin`] (console pages) need the
//!   session cookie; [`AdminChange`] (API changes) also the session's CSRF
//!   token in `X-CSRF-Token`; [`PageForm`] (console form posts) in the
//!   form's `csrf` field; [`LoginForm`] (the sign-in form) the token of its
//!   own cookie in its `csrf` field; [`JsonBody`] needs `application/json`.
//!   The service decides; these only carry the values.
//! - The cookie is `HttpOnly`, `SameSite=Strict`, scoped to `/admin`, and
//!   `Secure` when scimd serves TLS or its public URL is `https`.
//! - Each principal carries the request's `X-Request-Id`, which the audit
//!   entries of the admin's changes record.

use crate::error::{ApiError, PageError};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use scim_core::ScimError;
use scim_http::extract::read_body;
use scim_http::observe::RequestId;
use scim_http::AppState;
use scim_service::console::{AdminPrincipal, SESSION_COOKIE};
use serde::de::DeserializeOwned;

/// The header API clients send the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The largest admin request body.
const MAX_BODY: usize = 64 * 1024;

/// The request's correlation id (`X-Request-Id`, set by the observation layer).
fn request_id(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<RequestId>()
        .map_or("", |r| r.0.as_str())
}

/// The cookie that carries the sign-in form's CSRF token.
pub const LOGIN_CSRF_COOKIE: &str = "scimd_login_csrf";
/// Seconds a sign-in form stays usable.
const LOGIN_FORM_SECS: i64 = 3600;

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The session token from the `Cookie` header.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// The `Set-Cookie` value carrying a sign-in form's CSRF token (sent only
/// to the sign-in form's own path, never to another site's requests).
pub fn login_csrf_cookie(token: &str, secure: bool) -> Option<HeaderValue> {
    let flags = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/admin/login; HttpOnly; SameSite=Strict; Max-Age={LOGIN_FORM_SECS}{flags}"
    ))
    .ok()
}

/// Whether cookies must be `Secure`.
pub fn secure(state: &AppState) -> bool {
    state.scheme == "https"
        || state
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
}

/// The `Set-Cookie` value of a new session.
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> Option<HeaderValue> {
    let flags = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{flags}"
    ))
    .ok()
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> Option<HeaderValue> {
    session_cookie("", 0, secure)
}

/// A signed-in admin (API, reading).
pub struct Admin(pub AdminPrincipal);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Admin, ApiError> {
        let token = session_token(&parts.headers);
        Ok(Admin(
            state
                .service
                .sessions()
                .session(token.as_deref(), None, false)
                .await?
                .with_request_id(request_id(parts)),
        ))
    }
}

/// A signed-in admin whose request carries the CSRF token (API, changing).
pub struct AdminChange(pub AdminPrincipal);

impl FromRequestParts<AppState> for AdminChange {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<AdminChange, ApiError> {
        let token = session_token(&parts.headers);
        let csrf = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        Ok(AdminChange(
            state
                .service
                .sessions()
                .session(token.as_deref(), csrf, true)
                .await?
                .with_request_id(request_id(parts)),
        ))
    }
}

/// A signed-in admin viewing a console page.
pub struct PageAdmin(pub AdminPrincipal);

impl FromRequestParts<AppState> for PageAdmin {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<PageAdmin, PageError> {
        let token = session_token(&parts.headers);
        Ok(PageAdmin(
            state
                .service
                .sessions()
                .session(token.as_deref(), None, false)
                .await?
                .with_request_id(request_id(parts)),
        ))
    }
}

/// URL-encoded form fields.
#[derive(Debug, Clone, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    /// Parses `application/x-www-form-urlencoded` text.
    pub fn parse(body: &[u8]) -> Form {
        Form(form_urlencoded::parse(body).into_owned().collect())
    }

    /// The last value of a field.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A field's value, trimmed, or "".
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or("").trim().to_string()
    }
}

/// A console form post by a signed-in admin, checked against its CSRF token.
pub struct PageForm {
    pub who: AdminPrincipal,
    pub form: Form,
}

impl FromRequest<AppState> for PageForm {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<PageForm, PageError> {
        let (parts, body) = req.into_parts();
        let token = session_token(&parts.headers);
        let body = read_body(body, MAX_BODY)
            .await
            .map_err(|e| PageError(e.0))?;
        let form = Form::parse(&body);
        let who = state
            .service
            .sessions()
            .session(token.as_deref(), form.get("csrf"), true)
            .await?
            .with_request_id(request_id(&parts));
        Ok(PageForm { who, form })
    }
}

/// The sign-in form's post, checked against the CSRF token of its cookie
/// (login CSRF; the service decides).
pub struct LoginForm(pub Form);

impl FromRequest<AppState> for LoginForm {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<LoginForm, PageError> {
        let (parts, body) = req.into_parts();
        let body = read_body(body, MAX_BODY)
            .await
            .map_err(|e| PageError(e.0))?;
        let form = Form::parse(&body);
        let token = cookie(&parts.headers, LOGIN_CSRF_COOKIE);
        state
            .service
            .sessions()
            .check_login_csrf(token.as_deref(), form.get("csrf"))?;
        Ok(LoginForm(form))
    }
}

/// A JSON request body, sent as `application/json`: a form on another
/// site cannot send that type without a CORS preflight scimd never grants,
/// so a cross-site form cannot post to the API (sign-in included).
pub struct JsonBody<T>(pub T);

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| {
            let t = t.trim();
            t.eq_ignore_ascii_case("application/json")
                || t.eq_ignore_ascii_case("application/scim+json")
        })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<JsonBody<T>, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError(ScimError::UnsupportedMediaType(
                "send the body as application/json".into(),
            )));
        }
        let body = read_body(req.into_body(), MAX_BODY)
            .await
            .map_err(|e| ApiError(e.0))?;
        serde_json::from_slice(&body)
            .map(JsonBody)
            .map_err(|e| ApiError(ScimError::InvalidSyntax(format!("invalid JSON body: {e}"))))
    }
}

/// The client's address ([`scim_http::client`]: the TCP peer, or what a
/// trusted proxy reports), for login rate limiting.
pub struct ClientAddr(pub String);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientAddr, ApiError> {
        Ok(ClientAddr(
            scim_http::client::client_addr(parts, &state.proxies)
                .map_or_else(|| "unknown".to_string(), |a| a.to_string()),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn cookie_flags() {
        let c = session_cookie("scimd_session_abc", 3600, false).unwrap();
        let c = c.to_str().unwrap();
        assert!(c.starts_with("scimd_session=scimd_session_abc;"), "{c}");
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/admin", "Max-Age=3600"] {
            assert!(c.contains(flag), "{c} lacks {flag}");
        }
        assert!(!c.contains("Secure"));
        let s = session_cookie("t", 60, true).unwrap();
        assert!(s.to_str().unwrap().ends_with("; Secure"));
        assert!(clear_cookie(true)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("Max-Age=0"));
    }

    #[test]
    fn tokens_from_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=b; scimd_session=scimd_session_x; c=d"),
        );
        assert_eq!(session_token(&h).as_deref(), Some("scimd_session_x"));
        assert_eq!(session_token(&HeaderMap::new()), None);
    }
}
