//! Command-line arguments of `scimd role map|unmap|list|refresh`: a
//! tenant's mappings from groups to roles (`docs/roles.md`).

use crate::cli::Output;
use clap::{Args, Subcommand, ValueEnum};

/// How a mapping names its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupBy {
    /// The group's displayName, compared without case.
    DisplayName,
    /// The group's externalId, compared exactly.
    ExternalId,
}

/// A mapping: the groups a name gives, and the role they give.
#[derive(Debug, Args)]
pub struct MappingArgs {
    /// The tenant.
    #[arg(long)]
    pub tenant: String,
    /// The group: its displayName or, with `--by external-id`, its externalId.
    #[arg(long)]
    pub group: String,
    /// The role its members get (1 to 256 bytes, no control characters).
    #[arg(long)]
    pub role: String,
    /// How `--group` names the group.
    #[arg(long, default_value = "display-name")]
    pub by: GroupBy,
    /// Recompute the users here and now, instead of leaving it to the
    /// running server (use it when no server runs: on SQLite, another
    /// process's writes contend with the server's for the file lock).
    #[arg(long)]
    pub now: bool,
}

#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// Map a group to a role: its members, directly or through nested
    /// groups, get the role in `effectiveRoles`; the running server
    /// recomputes them in the background (`--now`: here).
    Map(MappingArgs),
    /// Remove a mapping; the running server recomputes the members of its
    /// groups in the background (`--now`: here).
    Unmap(MappingArgs),
    /// List a tenant's role mappings.
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        output: Output,
    },
    /// Recompute every user's effective roles (to check): queued for the
    /// running server (`--now`: here).
    Refresh {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// Recompute here and now.
        #[arg(long)]
        now: bool,
    },
}

impl RoleCommand {
    /// The tenant the command acts in.
    pub fn tenant(&self) -> &str {
        match self {
            RoleCommand::Map(m) | RoleCommand::Unmap(m) => &m.tenant,
            RoleCommand::List { tenant, .. } | RoleCommand::Refresh { tenant, .. } => tenant,
        }
    }
}
