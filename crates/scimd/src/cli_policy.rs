//! Command-line arguments of the policy commands: `connection`, `tenant
//! show|set`, `token rotate`, `user`, `trash` and `import`
//! (`docs/policies.md`). Policy values are the names the settings use
//! (`soft-delete`, `exclusive`, `externalId` …).

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// The policy flags of `connection create` and `connection update`.
#[derive(Debug, Args, Default)]
pub struct ConnectionFlags {
    /// IdP profile: auto, entra, okta, onelogin, jumpcloud or strict.
    #[arg(long)]
    pub profile: Option<String>,
    /// What active=false does: disable (default) or acknowledge.
    #[arg(long)]
    pub deactivate: Option<String>,
    /// What DELETE does: delete (default), soft-delete or disable.
    #[arg(long)]
    pub delete: Option<String>,
    /// Whether other connections may modify what this one created: shared (default) or exclusive.
    #[arg(long)]
    pub ownership: Option<String>,
    /// How many tokens may be active at once (default 3).
    #[arg(long)]
    pub max_tokens: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum ConnectionCommand {
    /// Create an IdP connection of a tenant.
    Create {
        #[arg(long)]
        tenant: String,
        name: String,
        #[command(flatten)]
        flags: ConnectionFlags,
    },
    /// List a tenant's connections with their policies.
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Change a connection's name, profile or policies.
    Update {
        #[arg(long)]
        tenant: String,
        name: String,
        /// A new name.
        #[arg(long)]
        rename: Option<String>,
        #[command(flatten)]
        flags: ConnectionFlags,
    },
    /// Release a connection the circuit breaker paused: --confirm resumes
    /// deprovisioning; --reject re-enables the users it deactivated in the
    /// window, then resumes.
    Release {
        #[arg(long)]
        tenant: String,
        name: String,
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        confirm: bool,
        #[arg(long)]
        reject: bool,
    },
    /// Delete a connection and its tokens (what it provisioned stays).
    Delete {
        #[arg(long)]
        tenant: String,
        name: String,
    },
}

/// The settings flags of `tenant set`.
#[derive(Debug, Args)]
pub struct TenantSetArgs {
    pub name: String,
    /// Licence seats (active users) allowed, or `none` for unlimited.
    #[arg(long)]
    pub seat_limit: Option<String>,
    /// What a create matching a local account does: adopt or conflict.
    #[arg(long = "match")]
    pub match_action: Option<String>,
    /// Match keys in order, comma-separated: externalId,email,userName.
    #[arg(long)]
    pub match_order: Option<String>,
    /// Whether adopted accounts keep their auth provider (true) or take the IdP's (false).
    #[arg(long)]
    pub keep_auth_provider: Option<bool>,
    /// Days a soft-deleted resource is kept before it is purged.
    #[arg(long)]
    pub retention_days: Option<u32>,
    /// Enable or disable the mass-deprovisioning circuit breaker.
    #[arg(long)]
    pub breaker: Option<bool>,
    /// The breaker trips above this share (percent) of the tenant's users.
    #[arg(long)]
    pub breaker_percent: Option<u32>,
    /// The breaker's window in minutes.
    #[arg(long)]
    pub breaker_window_minutes: Option<u32>,
    /// Below this many deprovisionings in the window the breaker never trips.
    #[arg(long)]
    pub breaker_minimum: Option<u32>,
    /// Whether group displayNames must be unique: true, false, or default (the server's setting).
    #[arg(long)]
    pub unique_group_names: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// List a tenant's users (optionally with a SCIM filter).
    List {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        filter: Option<String>,
    },
    /// Show a user or group as SCIM JSON.
    Show {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = "user")]
        kind: String,
        id: String,
    },
    /// Create a local account (not managed by any connection).
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        user_name: String,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        external_id: Option<String>,
        /// Recorded as authProvider (default `local`).
        #[arg(long)]
        auth_provider: Option<String>,
    },
    /// Re-enable a local user.
    Enable {
        #[arg(long)]
        tenant: String,
        id: String,
    },
    /// Disable a local user.
    Disable {
        #[arg(long)]
        tenant: String,
        id: String,
    },
    /// Delete a local user or group (refused while SCIM manages it).
    Delete {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = "user")]
        kind: String,
        id: String,
    },
    /// Release a user or group from SCIM management.
    Unmanage {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = "user")]
        kind: String,
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TrashCommand {
    /// List soft-deleted users or groups.
    List {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = "user")]
        kind: String,
    },
    /// Restore a soft-deleted user or group.
    Restore {
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = "user")]
        kind: String,
        id: String,
    },
    /// Purge everything whose retention has ended (`serve` also does this hourly).
    Purge {
        /// Purge as if it were this time (RFC 3339), e.g. to test retention.
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[arg(long)]
    pub tenant: String,
    /// A CSV file (header: userName,email,givenName,familyName,externalId,active,authProvider)
    /// or a JSON file (an array of SCIM users, or one per line).
    pub file: PathBuf,
    /// Recorded as authProvider where a row names none (default `local`).
    #[arg(long)]
    pub auth_provider: Option<String>,
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    #[arg(long)]
    pub tenant: String,
    #[arg(long)]
    pub connection: String,
    /// Keep the old tokens valid this many days (0, the default: revoke them now).
    #[arg(long, default_value_t = 0)]
    pub overlap_days: u32,
    #[arg(long, default_value = "rotated")]
    pub name: String,
    #[arg(long)]
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[arg(long)]
    pub tenant: String,
    /// Only entries about this user id.
    #[arg(long, conflicts_with = "group")]
    pub user: Option<String>,
    /// Only entries about this group id.
    #[arg(long)]
    pub group: Option<String>,
    /// Only requests through this connection.
    #[arg(long)]
    pub connection: Option<String>,
    /// From this time (RFC 3339).
    #[arg(long)]
    pub since: Option<String>,
    /// Before this time (RFC 3339).
    #[arg(long)]
    pub until: Option<String>,
    /// Only refused requests.
    #[arg(long, conflicts_with = "succeeded")]
    pub refused: bool,
    /// Only requests that succeeded.
    #[arg(long)]
    pub succeeded: bool,
    #[arg(long, default_value_t = 50)]
    pub limit: u64,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    pub json: bool,
}
