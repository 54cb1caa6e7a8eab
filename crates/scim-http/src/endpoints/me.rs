//! `/Me` (RFC 7644 §3.11): scimd authenticates IdP connections, not people,
//! so there is no subject to alias: 501 for every method.

use crate::extract::Auth;
use crate::response::ApiError;
use scim_core::ScimError;

pub async fn handler(Auth(_): Auth) -> ApiError {
    ApiError(ScimError::NotImplemented(
        "/Me is not supported: a token identifies an IdP connection, not a user".into(),
    ))
}
