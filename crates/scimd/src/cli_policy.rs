//! Command-line arguments of the policy commands: `connection`, `tenant
//! set`, `token rotate`, `user`, `trash`, `import` and `audit`
//! (`docs/policies.md`). Policy values are the names the settings use
//! (`soft-delete`, `exclusive`, `externalId` …), as value enums.

use crate::cli::Output;
use crate::cli_values::{
    Deactivate, DeleteAction, Kind, MatchAction, MatchKey, Ownership, Profile, Switch, Undefined,
};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// The policy flags of `connection create` and `connection update`.
#[derive(Debug, Args, Default)]
pub struct ConnectionFlags {
    /// IdP profile (default auto).
    #[arg(long)]
    pub profile: Option<Profile>,
    /// What active=false does (default disable).
    #[arg(long)]
    pub deactivate: Option<Deactivate>,
    /// What DELETE does (default delete).
    #[arg(long)]
    pub delete: Option<DeleteAction>,
    /// Whether other connections may modify what this one created (default shared).
    #[arg(long)]
    pub ownership: Option<Ownership>,
    /// How many tokens may be active at once (default 3).
    #[arg(long)]
    pub max_tokens: Option<u32>,
    /// What attributes the tenant's schemas do not define become (default
    /// keep; connections made before the setting: drop).
    #[arg(long)]
    pub undefined: Option<Undefined>,
}

#[derive(Debug, Subcommand)]
pub enum ConnectionCommand {
    /// Create an IdP connection of a tenant.
    Create {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The connection's name: 1 to 64 letters, digits, '-', '_' or '.'.
        name: String,
        #[command(flatten)]
        flags: ConnectionFlags,
    },
    /// List a tenant's connections with their policies.
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        output: Output,
    },
    /// Change a connection's name, profile or policies.
    Update {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The connection.
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
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The paused connection.
        name: String,
        /// The deprovisioning was intended: let it through.
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        confirm: bool,
        /// The deprovisioning was a mistake: re-enable its users.
        #[arg(long)]
        reject: bool,
    },
    /// The attributes a connection sent that the tenant's schemas do not
    /// define: name, how often, when last, a redacted example.
    Undefined {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The connection.
        name: String,
        #[command(flatten)]
        output: Output,
    },
    /// Delete a connection and its tokens (what it provisioned stays).
    Delete {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The connection.
        name: String,
    },
}

impl ConnectionCommand {
    /// The tenant the command acts on.
    pub fn tenant(&self) -> &str {
        match self {
            ConnectionCommand::Create { tenant, .. }
            | ConnectionCommand::List { tenant, .. }
            | ConnectionCommand::Update { tenant, .. }
            | ConnectionCommand::Release { tenant, .. }
            | ConnectionCommand::Undefined { tenant, .. }
            | ConnectionCommand::Delete { tenant, .. } => tenant,
        }
    }
}

/// The settings flags of `tenant set`.
#[derive(Debug, Args)]
pub struct TenantSetArgs {
    /// The tenant.
    pub name: String,
    /// Licence seats (active users) allowed, or `none` for unlimited.
    #[arg(long)]
    pub seat_limit: Option<String>,
    /// What a create matching a local account does.
    #[arg(long = "match")]
    pub match_action: Option<MatchAction>,
    /// Match keys in order, comma-separated (e.g. externalId,email,userName).
    #[arg(long, value_delimiter = ',')]
    pub match_order: Option<Vec<MatchKey>>,
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
    /// Whether group displayNames must be unique (default: the server's setting).
    #[arg(long)]
    pub unique_group_names: Option<Switch>,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// List a tenant's users (optionally with a SCIM filter).
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// A SCIM filter, e.g. 'userName sw "a"'.
        #[arg(long)]
        filter: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// Show a user or group as SCIM JSON.
    Show {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// User or group.
        #[arg(long, default_value = "user")]
        kind: Kind,
        /// Its id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Create a local account (not managed by any connection).
    Create {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The userName.
        #[arg(long)]
        user_name: String,
        /// The primary (work) email.
        #[arg(long)]
        email: Option<String>,
        /// The externalId.
        #[arg(long)]
        external_id: Option<String>,
        /// Recorded as authProvider (default `local`).
        #[arg(long)]
        auth_provider: Option<String>,
    },
    /// Re-enable a local user.
    Enable {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The user's id.
        id: String,
    },
    /// Disable a local user.
    Disable {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The user's id.
        id: String,
    },
    /// Delete a local user or group (refused while SCIM manages it).
    Delete {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// User or group.
        #[arg(long, default_value = "user")]
        kind: Kind,
        /// Its id.
        id: String,
    },
    /// Release a user or group from SCIM management.
    Unmanage {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// User or group.
        #[arg(long, default_value = "user")]
        kind: Kind,
        /// Its id.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TrashCommand {
    /// List soft-deleted users or groups.
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Users or groups.
        #[arg(long, default_value = "user")]
        kind: Kind,
        #[command(flatten)]
        output: Output,
    },
    /// Restore a soft-deleted user or group.
    Restore {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// User or group.
        #[arg(long, default_value = "user")]
        kind: Kind,
        /// Its id.
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
    /// The tenant.
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
    /// The tenant.
    #[arg(long)]
    pub tenant: String,
    /// The connection whose tokens rotate.
    #[arg(long)]
    pub connection: String,
    /// Keep the old tokens valid this many days (0, the default: revoke them now).
    #[arg(long, default_value_t = 0)]
    pub overlap_days: u32,
    /// A label for the new token.
    #[arg(long, default_value = "rotated")]
    pub name: String,
    /// Expire the new token after this many days.
    #[arg(long)]
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The tenant.
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
    /// The most entries to show.
    #[arg(long, default_value_t = 50)]
    pub limit: u64,
    #[command(flatten)]
    pub output: Output,
}
