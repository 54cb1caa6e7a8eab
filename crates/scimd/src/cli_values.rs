//! The fixed sets of values the command line accepts, as clap value enums:
//! `--help` lists them and the shell completes them. Each value's name is
//! the one the settings and the service use (`soft-delete`, `externalId`,
//! `onelogin` …); [`name`] gives it, and a test checks that the service
//! parses every one.

use clap::ValueEnum;

/// The name of a value, as typed on the command line.
pub fn name<T: ValueEnum>(value: &T) -> String {
    value
        .to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}

/// An IdP profile: which deviations from RFC 7644 a connection accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Accept what every supported IdP sends.
    Auto,
    /// Microsoft Entra ID.
    Entra,
    /// Okta.
    Okta,
    /// OneLogin.
    Onelogin,
    /// JumpCloud.
    Jumpcloud,
    /// RFC 7644 as written, nothing more.
    Strict,
    /// The SCIM interoperability profile to the letter (docs/idp/interop.md).
    Interop,
}

/// What `active=false` from the IdP does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Deactivate {
    /// Deactivate the user.
    Disable,
    /// Acknowledge and keep the user active.
    Acknowledge,
}

/// What a DELETE from the IdP does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeleteAction {
    /// Delete the resource.
    Delete,
    /// Move it to the trash, restorable until its retention ends.
    SoftDelete,
    /// Deactivate the user instead.
    Disable,
}

/// Whether other connections may change what a connection created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Ownership {
    /// Any connection of the tenant may.
    Shared,
    /// Only the connection that created it may.
    Exclusive,
}

/// What a connection does with attributes the tenant's schemas do not define.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Undefined {
    /// Refuse the request (400 invalidSyntax naming them).
    Reject,
    /// Leave them out, as the profile says; the audit entry names them.
    Drop,
    /// Store them as the resource's raw attributes (never returned over SCIM).
    Keep,
}

/// An admin account's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// Everything in one tenant.
    Owner,
    /// Reads one tenant (or every tenant without --tenant), changes nothing.
    Viewer,
    /// Every tenant, and tenants themselves.
    Super,
}

/// A resource type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// A User.
    User,
    /// A Group.
    Group,
}

/// How a webhook receives events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WebhookFormat {
    /// JSON batches signed with HMAC-SHA256.
    Signed,
    /// RFC 8935 push of RFC 9967 SETs.
    Set,
}

/// What a create that matches a local account does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatchAction {
    /// Take the local account over.
    Adopt,
    /// Refuse with 409.
    Conflict,
}

/// A key that matches a create to a local account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MatchKey {
    /// The IdP's externalId.
    #[value(name = "externalId")]
    ExternalId,
    /// The primary email.
    Email,
    /// The userName.
    #[value(name = "userName")]
    UserName,
}

/// A setting that is on, off, or the server's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Switch {
    /// On.
    True,
    /// Off.
    False,
    /// The server's default.
    Default,
}

/// The log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// What the plain-HTTP listener does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HttpMode {
    /// 308 to the HTTPS address.
    Redirect,
    /// 403 with a SCIM error.
    Refuse,
}

/// A shell to complete for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// bash.
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
}

#[cfg(test)]
mod tests {
    use super::*;
    use scim_store::{DeactivatePolicy, DeletePolicy};

    fn names<T: ValueEnum>() -> Vec<String> {
        T::value_variants().iter().map(name).collect()
    }

    /// Every value the command line offers is one the service accepts.
    #[test]
    fn the_service_parses_every_value() {
        for p in names::<Profile>() {
            scim_service::Profile::parse(&p).unwrap();
        }
        for r in names::<Role>() {
            scim_service::console::AdminKind::parse(&r).unwrap();
        }
        for f in names::<WebhookFormat>() {
            scim_service::admin_webhooks::parse_format(&f).unwrap();
        }
        let parse = |v: &str| serde_json::Value::String(v.to_string());
        for v in names::<Deactivate>() {
            serde_json::from_value::<DeactivatePolicy>(parse(&v)).unwrap();
        }
        for v in names::<DeleteAction>() {
            serde_json::from_value::<DeletePolicy>(parse(&v)).unwrap();
        }
        for v in names::<Undefined>() {
            serde_json::from_value::<scim_store::UndefinedPolicy>(parse(&v)).unwrap();
        }
        for v in names::<Ownership>() {
            serde_json::from_value::<scim_store::Ownership>(parse(&v)).unwrap();
        }
        for v in names::<MatchAction>() {
            serde_json::from_value::<scim_store::MatchAction>(parse(&v)).unwrap();
        }
        for v in names::<MatchKey>() {
            serde_json::from_value::<scim_store::MatchKey>(parse(&v)).unwrap();
        }
        assert_eq!(names::<Kind>(), ["user", "group"]);
        assert_eq!(
            names::<DeleteAction>(),
            ["delete", "soft-delete", "disable"]
        );
    }
}
