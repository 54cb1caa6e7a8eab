//! Console sign-in and sign-out: `GET /admin/login` (the form, with a
//! CSRF token in a hidden field and in a cookie), `POST /admin/login`
//! (checks both, signs in, sets the session cookie, redirects to
//! `/admin`), `POST /admin/logout`, and `GET /admin` (the start page).

use super::{esc, input, note, page, respond, see_other};
use crate::error::PageError;
use crate::session::{
    clear_cookie, login_csrf_cookie, secure, session_cookie, session_token, ClientAddr, LoginForm,
    PageAdmin,
};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use scim_http::AppState;

/// The form, with `username` (raw: `input` escapes it once) and its CSRF token.
fn form(error: Option<(&str, &str)>, username: &str, csrf: &str) -> String {
    let msg = error.map(|(k, m)| note(k, m)).unwrap_or_default();
    let body = format!(
        r#"<div class="login"><h1>Sign in to scimd</h1>{msg}<form class="card" method="post" action="/admin/login"><input type="hidden" name="csrf" value="{}">{}{}<p><button type="submit">Sign in</button></p></form><p class="muted">Accounts are created with <code>scimd admin create</code>.</p></div>"#,
        esc(csrf),
        input(
            "text",
            "username",
            "Username",
            username,
            r#"autocomplete="username" required autofocus"#
        ),
        input(
            "password",
            "password",
            "Password",
            "",
            r#"autocomplete="current-password" required"#
        ),
    );
    page("Sign in", None, &body)
}

/// The sign-in page with a fresh CSRF token in the form and its cookie.
fn form_page(
    state: &AppState,
    status: StatusCode,
    error: Option<(&str, &str)>,
    username: &str,
) -> Result<Response, PageError> {
    let csrf = state.service.sessions().new_login_csrf()?;
    let mut resp = respond(status, form(error, username, &csrf));
    if let Some(c) = login_csrf_cookie(&csrf, secure(state)) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

/// `GET /admin/login`.
pub async fn show(State(state): State<AppState>) -> Result<Response, PageError> {
    form_page(&state, StatusCode::OK, None, "")
}

/// `POST /admin/login` with `username`, `password` and the form's `csrf`.
pub async fn submit(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    LoginForm(f): LoginForm,
) -> Result<Response, PageError> {
    let username = f.text("username");
    match state
        .service
        .sessions()
        .login(&username, f.get("password").unwrap_or(""), &addr)
        .await
    {
        Ok(out) => {
            let max_age = i64::from(state.service.config().session_hours.max(1)) * 3600;
            let mut resp = see_other("/admin");
            if let Some(c) = session_cookie(&out.token, max_age, secure(&state)) {
                resp.headers_mut().insert(header::SET_COOKIE, c);
            }
            Ok(resp)
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::UNAUTHORIZED);
            let detail = crate::error::detail_of(&e);
            form_page(&state, status, Some(("error", &detail)), &username)
        }
    }
}

/// `POST /admin/logout`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    state
        .service
        .sessions()
        .logout(session_token(&headers).as_deref())
        .await?;
    let mut resp = see_other("/admin/login");
    if let Some(c) = clear_cookie(secure(&state)) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

/// `GET /admin`: a scoped admin goes to its tenant, others to the tenants.
pub async fn start(PageAdmin(who): PageAdmin) -> Response {
    match who.tenant_name() {
        Some(t) => see_other(&format!("/admin/t/{}/connections", super::url(t))),
        None => see_other("/admin/tenants"),
    }
}
