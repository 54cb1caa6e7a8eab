//! Bearer tokens (RFC 6750) and the authenticated [`Principal`].
//!
//! - A token is `scimd_` followed by 256 random bits in base64url: the
//!   prefix makes leaked tokens recognisable to secret scanners.
//! - Only its SHA-256 is stored; lookups go by hash and the final comparison
//!   is constant-time.
//! - Expired and revoked tokens are refused like unknown ones: 401.
//!
//! Invariant: a [`Principal`] exists only after a token was checked; it has
//! no public constructor, and it carries the tenant every resource access
//! is scoped to.

use crate::ids::random_bytes;
use crate::tenant_schemas::TenantSchemas;
use crate::Service;
use scim_core::profile::Profile;
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_store::{
    Connection, ConnectionId, ConnectionPolicy, Credential, TenantId, TenantSettings,
};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::Arc;

/// The prefix of every scimd token.
pub const TOKEN_PREFIX: &str = "scimd_";

/// Who is calling: a token of one connection of one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    tenant: TenantId,
    schemas: Arc<TenantSchemas>,
    settings: TenantSettings,
    connection: Connection,
    token: i64,
    profile: Profile,
}

impl Principal {
    /// The tenant every access of this principal is confined to.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The tenant's schemas (built-in and its extensions), as of this request.
    pub fn schemas(&self) -> &Arc<TenantSchemas> {
        &self.schemas
    }

    /// The tenant's settings, as loaded for this request.
    pub fn settings(&self) -> &TenantSettings {
        &self.settings
    }

    /// The connection the token belongs to.
    pub fn connection(&self) -> ConnectionId {
        self.connection.id
    }

    /// The connection's name.
    pub fn connection_name(&self) -> &str {
        &self.connection.name
    }

    /// The connection's provisioning policies.
    pub fn policy(&self) -> &ConnectionPolicy {
        &self.connection.policy
    }

    /// The identity provider recorded as a new user's `authProvider`: the
    /// IdP the profile names or detects, else the connection's name.
    pub fn auth_provider(&self, user_agent: Option<&str>, entra_flag: bool) -> String {
        match self.profile.effective(user_agent, entra_flag) {
            Profile::Auto | Profile::Strict | Profile::Interop => self.connection.name.clone(),
            p => p.name().to_string(),
        }
    }

    /// The token's database id (never the token itself).
    pub fn token_id(&self) -> i64 {
        self.token
    }

    /// The connection's IdP profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

pub(crate) fn base64url(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// A new random token.
pub fn generate_token() -> ScimResult<String> {
    let mut secret = [0u8; 32];
    random_bytes(&mut secret).map_err(ScimError::Internal)?;
    Ok(format!("{TOKEN_PREFIX}{}", base64url(&secret)))
}

/// The stored form of a token.
pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The first characters of a token, safe to display.
pub fn token_prefix(token: &str) -> String {
    token.chars().take(TOKEN_PREFIX.len() + 4).collect()
}

/// Compares two byte strings in time independent of where they differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why authentication refused a request, with the caller when its token
/// was valid and only a rate limit refused it (so the refusal can be
/// audited in the caller's tenant).
#[derive(Debug, Clone)]
pub struct AuthRefusal {
    pub error: ScimError,
    pub caller: Option<Principal>,
    /// The tenant and connection of a token that was refused because it
    /// is revoked or expired (for the provisioning log).
    pub token_of: Option<(TenantId, ConnectionId)>,
}

impl From<ScimError> for AuthRefusal {
    fn from(error: ScimError) -> AuthRefusal {
        AuthRefusal {
            error,
            caller: None,
            token_of: None,
        }
    }
}

/// The token of an `Authorization` header value.
fn bearer_token(authorization: Option<&str>) -> ScimResult<&str> {
    let header = authorization
        .ok_or_else(|| ScimError::Unauthorized("a bearer token is required".into()))?;
    let header = header.trim();
    // Okta's "Header Auth" sends the token without a scheme; a bare
    // scimd token is unambiguous, so it is accepted too.
    if header.starts_with(TOKEN_PREFIX) {
        return Ok(header);
    }
    header
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ScimError::Unauthorized("use the Bearer authentication scheme".into()))
}

impl Service {
    /// Checks an `Authorization` header value and returns the caller.
    pub async fn authenticate(&self, authorization: Option<&str>) -> ScimResult<Principal> {
        self.authenticate_caller(authorization, None)
            .await
            .map_err(|r| r.error)
    }

    /// [`Service::authenticate`] for a request from `client` (its
    /// address, when known), telling who was refused by a rate limit. An
    /// address that failed authentication too often is refused with 429
    /// before its token is looked up (`auth_limit`).
    pub async fn authenticate_caller(
        &self,
        authorization: Option<&str>,
        client: Option<IpAddr>,
    ) -> Result<Principal, AuthRefusal> {
        let token = bearer_token(authorization);
        let hash = token.as_ref().ok().map(|t| hash_token(t));
        let now = std::time::Instant::now();
        if let Some(addr) = client {
            self.core.auth_failures.check(addr, hash.as_deref(), now)?;
        }
        let token = token?;
        let hash = hash.unwrap_or_else(|| hash_token(token));
        let who = match self.identify(&hash).await {
            Ok((who, last_used)) => {
                self.core.auth_failures.succeeded(&hash);
                self.record_use(who.token, last_used);
                who
            }
            Err((e, token_of)) => {
                if let (Some(addr), 401) = (client, e.status()) {
                    self.core.auth_failures.failed(addr, Some(&hash), now);
                }
                return Err(AuthRefusal {
                    error: e,
                    caller: None,
                    token_of,
                });
            }
        };
        match self.core.limiter.admit(who.token, who.tenant.db_key(), now) {
            Ok(()) => Ok(who),
            Err(error) => Err(AuthRefusal {
                error,
                caller: Some(who),
                token_of: None,
            }),
        }
    }

    /// Records a token's use, at most once a minute ([`crate::token_use`]),
    /// off the request path: the write runs on its own task.
    fn record_use(&self, token: i64, stored: Option<Timestamp>) {
        let now = self.core.clock.now();
        if !self.core.token_uses.due(token, stored, now) {
            return;
        }
        let store = self.core.store.clone();
        let write = async move {
            if let Err(e) = store.touch_token(token, now).await {
                tracing::warn!(token, error = %e, "cannot record a token's last use");
            }
        };
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(write);
            }
            Err(_) => tracing::debug!(token, "no runtime: a token's use is not recorded"),
        }
    }

    /// The credential of the token with SHA-256 `hash`: kept from an
    /// earlier request while the store's credential epoch holds
    /// ([`crate::credentials`]), read otherwise.
    async fn credential(&self, hash: &[u8]) -> ScimResult<Option<Arc<Credential>>> {
        let now = std::time::Instant::now();
        let epoch = self.core.store.credential_epoch();
        if let Some(kept) = epoch.and_then(|e| self.core.credentials.get(hash, e, now)) {
            return Ok(Some(kept));
        }
        let read = self.core.store.credential(hash).await?.map(Arc::new);
        if let (Some(e), Some(c)) = (epoch, &read) {
            self.core.credentials.keep(hash, c.clone(), e, now);
        }
        Ok(read)
    }

    /// The caller the token with SHA-256 `hash` names, before rate
    /// limiting, and the token's stored last use; refused, with the
    /// token's tenant and connection when it is revoked or expired.
    async fn identify(
        &self,
        hash: &[u8],
    ) -> Result<(Principal, Option<Timestamp>), (ScimError, Option<(TenantId, ConnectionId)>)> {
        let found = self.credential(hash).await.map_err(|e| (e, None))?;
        let Credential {
            token: record,
            connection,
            tenant,
        } = found
            .filter(|c| constant_time_eq(&c.token.hash, hash))
            .map(|c| (*c).clone())
            .ok_or_else(|| {
                (
                    ScimError::Unauthorized("the bearer token is not valid".into()),
                    None,
                )
            })?;
        let known = Some((record.tenant, record.connection));
        if record.revoked.is_some() {
            return Err((
                ScimError::Unauthorized("the bearer token has been revoked".into()),
                known,
            ));
        }
        if record.expires.is_some_and(|e| e <= self.core.clock.now()) {
            return Err((
                ScimError::Unauthorized("the bearer token has expired".into()),
                known,
            ));
        }
        let schemas = self
            .core
            .schemas_of(record.tenant, tenant.schema_version)
            .await
            .map_err(|e| (e, known))?;
        let settings = tenant.settings;
        let profile = connection.profile;
        Ok((
            Principal {
                tenant: record.tenant,
                schemas,
                settings,
                connection,
                token: record.id,
                profile,
            },
            record.last_used,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let t = generate_token().unwrap();
        assert!(t.starts_with("scimd_"));
        assert_eq!(t.len(), 6 + 43);
        assert_ne!(t, generate_token().unwrap());
        assert_eq!(hash_token(&t).len(), 32);
        assert_eq!(token_prefix(&t).len(), 10);
        assert!(
            constant_time_eq(b"abc", b"abc")
                && !constant_time_eq(b"abc", b"abd")
                && !constant_time_eq(b"ab", b"abc")
        );
        assert_eq!(base64url(b"hello"), "aGVsbG8");
    }
}
