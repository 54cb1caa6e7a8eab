//! The command line (clap). Every subcommand takes the global `--database`
//! and `--config`; flags win over environment variables (`SCIMD_*`), which
//! win over the config file, which wins over the defaults.

pub use crate::cli_net::*;
pub use crate::cli_policy::*;
pub use crate::cli_webhook::*;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// scimd: a SCIM 2.0 provisioning server.
#[derive(Debug, Parser)]
#[command(name = "scimd", version, about)]
pub struct Cli {
    /// Database URL: `sqlite://PATH` (default `sqlite://scimd.db`) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB[?pool_size=N][&sslmode=verify-full&sslrootcert=CA.pem]`.
    #[arg(long, global = true, env = "SCIMD_DATABASE_URL")]
    pub database: Option<String>,

    /// A TOML config file (keys: the long names of the serve flags with `_` for `-`,
    /// plus database_url and log_level).
    #[arg(long, global = true, env = "SCIMD_CONFIG")]
    pub config: Option<PathBuf>,

    /// The keys webhook secrets are sealed with: one key (64 hex digits) per line, the
    /// first seals, all open (docs/events.md). Default on SQLite: DATABASE.webhook-keys,
    /// created on first use; on PostgreSQL required for webhooks, the same on every replica.
    #[arg(long, global = true, env = "SCIMD_WEBHOOK_KEY_FILE")]
    pub webhook_key_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the SCIM API. On an empty database, creates the `default`
    /// tenant and prints the base URL and a first token.
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Check the database's integrity; prints `ok` when it is sound.
    Check,
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage bearer tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage a tenant's IdP connections and their policies.
    #[command(subcommand)]
    Connection(ConnectionCommand),
    /// Administer users and groups locally.
    #[command(subcommand)]
    User(UserCommand),
    /// Soft-deleted resources: list, restore, purge.
    #[command(subcommand)]
    Trash(TrashCommand),
    /// Import local accounts from CSV or JSON.
    Import(ImportArgs),
    /// Manage a tenant's webhooks and their dead letters.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Read a tenant's audit log, newest first.
    Audit(AuditArgs),
    /// Admin console accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Replay an identity provider's documented request sequence against a
    /// SCIM server and report check by check (`N passed, M failed`).
    Replay(ReplayArgs),
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin account; the password is read from stdin.
    Create {
        #[arg(long)]
        username: String,
        /// The tenant an owner or viewer is confined to (none for `super`;
        /// a viewer without one reads every tenant).
        #[arg(long)]
        tenant: Option<String>,
        /// owner (everything in the tenant), viewer (read only) or super
        /// (every tenant, and tenants themselves).
        #[arg(long, value_parser = ["owner", "viewer", "super"])]
        role: String,
        /// Read the password from the first line of stdin (the default;
        /// the flag makes scripts explicit).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List admin accounts.
    List,
    /// Delete an admin account and end its sessions.
    Delete {
        #[arg(long)]
        username: String,
    },
    /// Disable an admin account: it keeps its password, its sessions end,
    /// and it cannot sign in until enabled.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled admin account.
    Enable {
        #[arg(long)]
        username: String,
    },
    /// Set an admin's password (read from stdin) and end its sessions.
    Passwd {
        #[arg(long)]
        username: String,
        /// Read the password from the first line of stdin (the default).
        #[arg(long)]
        password_stdin: bool,
    },
    /// End every session of an admin account.
    RevokeSessions {
        #[arg(long)]
        username: String,
    },
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The IdP profile to replay: auto (all), entra, okta, onelogin, jumpcloud or strict.
    #[arg(long, default_value = "auto")]
    pub profile: String,
    /// The SCIM base URL, e.g. https://scim.example.com/scim/v2.
    #[arg(long, env = "SCIMD_REPLAY_URL")]
    pub base_url: String,
    /// The bearer token to send.
    #[arg(long, env = "SCIMD_REPLAY_TOKEN")]
    pub token: String,
    /// Replay this scenario file instead of the built-in ones.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free port).
    #[arg(long, env = "SCIMD_LISTEN")]
    pub listen: Option<String>,
    /// The public base URL clients use, e.g. https://scim.example.com (default: from the Host header).
    #[arg(long, env = "SCIMD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log format: `pretty` or `json`.
    #[arg(long, env = "SCIMD_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Requests per second allowed per token (burst: twice as many); 0 disables.
    #[arg(long, env = "SCIMD_RATE_LIMIT_TOKEN")]
    pub rate_limit_token: Option<f64>,
    /// Requests per second allowed per tenant (burst: twice as many); 0 disables.
    #[arg(long, env = "SCIMD_RATE_LIMIT_TENANT")]
    pub rate_limit_tenant: Option<f64>,
    /// The largest request body in bytes (Bulk: its advertised maxPayloadSize).
    #[arg(long, env = "SCIMD_MAX_BODY")]
    pub max_body: Option<usize>,
    /// The bytes one list page may hold; fewer resources come back beyond it (default 4194304).
    #[arg(long, env = "SCIMD_MAX_PAGE_BYTES")]
    pub max_page_bytes: Option<u64>,
    /// The longest attribute value (any string in a request body) in bytes; longer is a 400 (default 65536).
    #[arg(long, env = "SCIMD_MAX_VALUE_BYTES")]
    pub max_value_bytes: Option<usize>,
    /// TLS certificate chain (PEM); with --tls-key, scimd serves HTTPS. SIGHUP reloads both.
    #[arg(long, env = "SCIMD_TLS_CERT")]
    pub tls_cert: Option<String>,
    /// TLS private key (PEM).
    #[arg(long, env = "SCIMD_TLS_KEY")]
    pub tls_key: Option<String>,
    /// Also listen for plain HTTP here (with TLS), to redirect or refuse.
    #[arg(long, env = "SCIMD_HTTP_LISTEN")]
    pub http_listen: Option<String>,
    /// What the plain HTTP listener does: `redirect` (308 to HTTPS) or `refuse` (403).
    #[arg(long, env = "SCIMD_HTTP_MODE")]
    pub http_mode: Option<String>,
    /// Seconds a request may take before it is abandoned with 503.
    #[arg(long, env = "SCIMD_REQUEST_TIMEOUT")]
    pub request_timeout: Option<u64>,
    #[command(flatten)]
    pub webhooks: WebhookServeArgs,
    #[command(flatten)]
    pub net: NetServeArgs,
    /// Days audit entries are kept (default 365).
    #[arg(long, env = "SCIMD_AUDIT_RETENTION_DAYS")]
    pub audit_retention_days: Option<u32>,
    /// Days change events are kept for the feed once every webhook has them (default 30).
    #[arg(long, env = "SCIMD_EVENT_RETENTION_DAYS")]
    pub event_retention_days: Option<u32>,
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant (with its `default` connection).
    Create { name: String },
    /// List tenants.
    List,
    /// Show a tenant's settings and seat usage.
    Show { name: String },
    /// Change a tenant's settings.
    Set(TenantSetArgs),
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once, alone on the last line.
    Create {
        #[arg(long)]
        tenant: String,
        /// The connection the token belongs to (default: the tenant's `default`).
        #[arg(long)]
        connection: Option<String>,
        /// A label to recognise the token by.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Expire the token after this many days.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// List a tenant's tokens (never the secrets).
    List {
        #[arg(long)]
        tenant: String,
    },
    /// Issue a new token for a connection and retire its old ones.
    Rotate(RotateArgs),
    /// Revoke a token by id.
    Revoke {
        #[arg(long)]
        tenant: String,
        id: i64,
    },
}
