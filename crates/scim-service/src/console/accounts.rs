//! Admin accounts, sign-in and sessions.
//!
//! - Passwords are hashed with argon2id (default parameters, a random
//!   salt, PHC string format); verification runs on the blocking pool.
//! - Sign-in takes the same time whether or not the username exists: an
//!   unknown one is verified against a dummy hash.
//! - A session token is `scimd_session_` plus 256 random bits; only its
//!   SHA-256 is stored, with a CSRF token of 256 random bits that every
//!   change must echo (synchronizer token), and an expiry.

use super::AdminPrincipal;
use crate::auth::{base64url, constant_time_eq, hash_token};
use crate::ids::random_bytes;
use crate::state::Core;
use crate::system::SystemAdmin;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use scim_core::timestamp::Timestamp;
use scim_core::{ScimError, ScimResult};
use scim_store::{AdminAccount, AdminRole, AdminSession, NewAdmin, StoreError};
use std::sync::OnceLock;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "scimd_session";
const SESSION_PREFIX: &str = "scimd_session_";
const HOUR_MS: i64 = 3_600_000;
/// The shortest password accepted.
pub const MIN_PASSWORD: usize = 10;

/// The kind of account `scimd admin create --role` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminKind {
    /// Everything in one tenant.
    Owner,
    /// Reads one tenant (or, without a tenant, every tenant).
    Viewer,
    /// An owner of every tenant, who also manages tenants.
    Super,
}

impl AdminKind {
    /// The kind of a stored account: an owner of no one tenant is a
    /// super-admin.
    pub fn of(a: &scim_store::AdminAccount) -> AdminKind {
        match (a.role, a.tenant) {
            (scim_store::AdminRole::Owner, None) => AdminKind::Super,
            (scim_store::AdminRole::Owner, Some(_)) => AdminKind::Owner,
            (scim_store::AdminRole::Viewer, _) => AdminKind::Viewer,
        }
    }

    /// `owner`, `viewer` or `super`, as `--role` takes it.
    pub fn name(self) -> &'static str {
        match self {
            AdminKind::Owner => "owner",
            AdminKind::Viewer => "viewer",
            AdminKind::Super => "super",
        }
    }

    /// `owner`, `viewer` or `super`.
    pub fn parse(s: &str) -> ScimResult<AdminKind> {
        match s {
            "owner" => Ok(AdminKind::Owner),
            "viewer" => Ok(AdminKind::Viewer),
            "super" => Ok(AdminKind::Super),
            _ => Err(ScimError::InvalidValue(format!(
                "unknown admin role {s:?}: use owner, viewer or super"
            ))),
        }
    }
}

/// A successful sign-in: the session token (the cookie's value) and the admin.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub token: String,
    pub expires: Timestamp,
    pub principal: AdminPrincipal,
}

fn random_secret() -> ScimResult<String> {
    let mut b = [0u8; 32];
    random_bytes(&mut b).map_err(ScimError::Internal)?;
    Ok(base64url(&b))
}

/// An argon2id hash of `password` in PHC format.
pub fn hash_password(password: &str) -> ScimResult<String> {
    let mut salt = [0u8; 16];
    random_bytes(&mut salt).map_err(ScimError::Internal)?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| ScimError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ScimError::Internal(format!("argon2: {e}")))
}

/// Whether `password` matches a PHC hash (false for a malformed hash).
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash no password matches in practice, verified for unknown usernames
/// so that sign-in takes as long as for a known one.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::encode_b64(b"scimd-dummy-salt").ok();
        salt.and_then(|s| {
            Argon2::default()
                .hash_password(b"scimd: no such admin", &s)
                .ok()
                .map(|h| h.to_string())
        })
        .unwrap_or_default()
    })
}

fn check_username(name: &str) -> ScimResult<String> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '+'));
    if ok {
        Ok(name.to_lowercase())
    } else {
        Err(ScimError::InvalidValue(format!(
            "invalid admin username {name:?}: use letters, digits, '-', '_', '.', '@' or '+'"
        )))
    }
}

/// A username as accounts store it (lower case), for look-ups.
pub(super) fn normalize_username(name: &str) -> String {
    name.trim().to_lowercase()
}

/// 400 unless the password is long enough.
pub(super) fn check_password(password: &str) -> ScimResult<()> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(ScimError::InvalidValue(format!(
            "the password needs at least {MIN_PASSWORD} characters"
        )));
    }
    Ok(())
}

/// [`hash_password`] on the blocking pool.
pub(super) async fn hash_password_blocking(password: String) -> ScimResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ScimError::Internal(format!("hashing task: {e}")))?
}

fn bad_login() -> ScimError {
    ScimError::Unauthorized("wrong username or password".into())
}

fn signed_out() -> ScimError {
    ScimError::Unauthorized("sign in to the admin console".into())
}

/// Console sign-in, sessions and sign-out (no principal needed: this is
/// where the [`AdminPrincipal`] comes from).
#[derive(Clone, Copy)]
pub struct Sessions<'a> {
    pub(crate) core: &'a Core,
}

impl SystemAdmin<'_> {
    /// Creates an admin account (`scimd admin create`).
    pub async fn create_admin(
        &self,
        username: &str,
        password: &str,
        kind: AdminKind,
        tenant: Option<&str>,
    ) -> ScimResult<AdminAccount> {
        let username = check_username(username)?;
        check_password(password)?;
        let (role, tenant) = match (kind, tenant) {
            (AdminKind::Super, None) => (AdminRole::Owner, None),
            (AdminKind::Super, Some(_)) => {
                return Err(ScimError::InvalidValue(
                    "a super-admin reaches every tenant: drop --tenant".into(),
                ))
            }
            (AdminKind::Owner, None) => {
                return Err(ScimError::InvalidValue(
                    "an owner needs --tenant (or use --role super)".into(),
                ))
            }
            (AdminKind::Owner, Some(t)) => {
                (AdminRole::Owner, Some(self.core.tenant_named(t).await?.id))
            }
            (AdminKind::Viewer, t) => (
                AdminRole::Viewer,
                match t {
                    Some(t) => Some(self.core.tenant_named(t).await?.id),
                    None => None,
                },
            ),
        };
        let password_hash = hash_password_blocking(password.to_string()).await?;
        self.core
            .store
            .create_admin(NewAdmin {
                username,
                password_hash,
                role,
                tenant,
                created: self.core.clock.now(),
            })
            .await
            .map_err(|e| match e {
                StoreError::Uniqueness(m) => ScimError::Uniqueness(m),
                e => e.into(),
            })
    }

    /// All admin accounts (for the CLI).
    pub async fn accounts(&self) -> ScimResult<Vec<AdminAccount>> {
        Ok(self.core.store.list_admins().await?)
    }
}

impl Sessions<'_> {
    /// A new token for the sign-in form (login CSRF): the console puts it
    /// in a `SameSite=Strict` cookie and in the form, and
    /// [`Sessions::check_login_csrf`] wants both back, equal. A form
    /// posted from another site carries no such cookie, so nobody can sign
    /// a victim's browser into the attacker's account.
    pub fn new_login_csrf(&self) -> ScimResult<String> {
        random_secret()
    }

    /// 403 unless the sign-in form's token and the cookie's are present and equal.
    pub fn check_login_csrf(&self, cookie: Option<&str>, field: Option<&str>) -> ScimResult<()> {
        match (cookie, field) {
            (Some(c), Some(f)) if !c.is_empty() && constant_time_eq(c.as_bytes(), f.as_bytes()) => {
                Ok(())
            }
            _ => Err(ScimError::Forbidden(
                "the sign-in form expired or came from elsewhere: reload it and sign in again"
                    .into(),
            )),
        }
    }

    /// Signs an admin in from a client `address`: rate-limited per username
    /// and per address, constant-time, and on success a new session.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        address: &str,
    ) -> ScimResult<LoginOutcome> {
        self.core
            .login_limiter
            .admit(username, address, std::time::Instant::now())?;
        let account = match check_username(username) {
            Ok(name) => self.core.store.find_admin(&name).await?,
            Err(_) => None,
        };
        let hash = account
            .as_ref()
            .map_or_else(|| dummy_hash().to_string(), |a| a.password_hash.clone());
        let password = password.to_string();
        let verified = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| ScimError::Internal(format!("verifying task: {e}")))?;
        let account = match account {
            Some(a) if verified && a.disabled.is_none() => a,
            Some(_) if verified => {
                tracing::info!(
                    username,
                    address,
                    "admin sign-in refused: the account is disabled"
                );
                return Err(bad_login());
            }
            _ => {
                tracing::info!(username, address, "admin sign-in refused");
                return Err(bad_login());
            }
        };
        let token = format!("{SESSION_PREFIX}{}", random_secret()?);
        let csrf = random_secret()?;
        let now = self.core.clock.now();
        let expires = Timestamp::from_unix_millis(
            now.unix_millis() + i64::from(self.core.config.session_hours.max(1)) * HOUR_MS,
        )
        .ok_or_else(|| ScimError::Internal("session expiry out of range".into()))?;
        self.core
            .store
            .create_session(AdminSession {
                hash: hash_token(&token),
                admin: account.id,
                csrf: csrf.clone(),
                created: now,
                expires,
            })
            .await?;
        tracing::info!(username = %account.username, address, "admin signed in");
        let principal = self.principal_of(account, csrf).await?;
        Ok(LoginOutcome {
            token,
            expires,
            principal,
        })
    }

    /// The admin of a session token. A change (`changing`) must carry the
    /// session's CSRF token, else 403.
    pub async fn session(
        &self,
        token: Option<&str>,
        csrf: Option<&str>,
        changing: bool,
    ) -> ScimResult<AdminPrincipal> {
        let token = token
            .filter(|t| t.starts_with(SESSION_PREFIX))
            .ok_or_else(signed_out)?;
        let hash = hash_token(token);
        let session = self
            .core
            .store
            .find_session(&hash, self.core.clock.now())
            .await?
            .filter(|s| constant_time_eq(&s.hash, &hash))
            .ok_or_else(signed_out)?;
        if changing {
            let ok = csrf.is_some_and(|c| constant_time_eq(c.as_bytes(), session.csrf.as_bytes()));
            if !ok {
                return Err(ScimError::Forbidden(
                    "the CSRF token is missing or wrong: reload the page and try again".into(),
                ));
            }
        }
        let account = self
            .core
            .store
            .admin(session.admin)
            .await?
            .filter(|a| a.disabled.is_none())
            .ok_or_else(signed_out)?;
        self.principal_of(account, session.csrf).await
    }

    /// Ends a session (signing out twice is not an error).
    pub async fn logout(&self, token: Option<&str>) -> ScimResult<()> {
        if let Some(t) = token {
            self.core.store.delete_session(&hash_token(t)).await?;
        }
        Ok(())
    }

    async fn principal_of(&self, a: AdminAccount, csrf: String) -> ScimResult<AdminPrincipal> {
        let scope = match a.tenant {
            Some(id) => {
                let t = self.core.store.tenant(id).await?.ok_or_else(signed_out)?;
                Some((t.id, t.name))
            }
            None => None,
        };
        Ok(AdminPrincipal {
            id: a.id,
            username: a.username,
            role: a.role,
            scope,
            csrf,
            request_id: String::new(),
        })
    }
}
