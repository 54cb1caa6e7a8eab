//! Admin API sessions: `POST /admin/api/login`, `POST /admin/api/logout`,
//! `GET /admin/api/me`.

use super::ok;
use crate::error::ApiError;
use crate::json;
use crate::session::{
    clear_cookie, secure, session_cookie, session_token, Admin, ClientAddr, JsonBody,
};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use scim_http::AppState;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct LoginBody {
    username: String,
    password: String,
}

/// `POST /admin/api/login` `{"username", "password"}`.
pub async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Response, ApiError> {
    let out = state
        .service
        .sessions()
        .login(&body.username, &body.password, &addr)
        .await?;
    let max_age = i64::from(state.service.config().session_hours.max(1)) * 3600;
    let mut resp = ok(json::principal(&out.principal));
    if let Some(c) = session_cookie(&out.token, max_age, secure(&state)) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

/// `POST /admin/api/logout`.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    state
        .service
        .sessions()
        .logout(session_token(&headers).as_deref())
        .await?;
    let mut resp = axum::http::StatusCode::NO_CONTENT.into_response();
    if let Some(c) = clear_cookie(secure(&state)) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

/// `GET /admin/api/me`.
pub async fn me(Admin(who): Admin) -> Response {
    ok(json::principal(&who))
}
