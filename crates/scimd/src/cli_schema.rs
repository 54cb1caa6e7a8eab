//! Command-line arguments of `scimd schema add|list|show|remove`: a
//! tenant's schema extensions (`docs/custom-attributes.md`).

use crate::cli::Output;
use crate::cli_values::Kind;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Add an extension schema (an RFC 7643 §7 document) to User or Group;
    /// `"indexed": true` on a string attribute makes its `eq` lookups index-led.
    Add {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The schema document (JSON); `-` reads stdin.
        #[arg(long)]
        file: PathBuf,
        /// The resource type it extends.
        #[arg(long, default_value = "user")]
        resource_type: Kind,
        /// Every resource of the type must carry it (only before any exists).
        #[arg(long)]
        required: bool,
    },
    /// List a tenant's extension schemas.
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        output: Output,
    },
    /// Show one extension schema.
    Show {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The schema's URN.
        urn: String,
        #[command(flatten)]
        output: Output,
    },
    /// Remove an extension schema; refused while resources carry its values.
    Remove {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The schema's URN.
        urn: String,
        /// Remove the values from every resource first (each change audited).
        #[arg(long)]
        drop_values: bool,
    },
}

impl SchemaCommand {
    /// The tenant the command acts in.
    pub fn tenant(&self) -> &str {
        match self {
            SchemaCommand::Add { tenant, .. }
            | SchemaCommand::List { tenant, .. }
            | SchemaCommand::Show { tenant, .. }
            | SchemaCommand::Remove { tenant, .. } => tenant,
        }
    }
}
