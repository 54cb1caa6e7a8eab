//! The command line (clap). Every subcommand takes the global `--database`
//! (or `--database-file`) and `--config`; flags win over environment
//! variables (`SCIMD_*`), which win over the config file, which wins over
//! the defaults. One shape throughout: what a command acts on is
//! positional (a tenant's, connection's or admin's name, an id, a file);
//! the tenant it is scoped to is `--tenant T`, a connection that scopes it
//! `--connection C`; every `list` and `show` takes `--json`.

pub use crate::cli_net::*;
pub use crate::cli_policy::*;
pub use crate::cli_values::*;
pub use crate::cli_webhook::*;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const ABOUT: &str = "scimd: a SCIM 2.0 provisioning server (RFC 7643, RFC 7644)";

const LONG_ABOUT: &str = "\
scimd: a SCIM 2.0 provisioning server (RFC 7643, RFC 7644).

Identity providers (Microsoft Entra ID, Okta, OneLogin, JumpCloud) call it to
create, update, deactivate and delete your application's users and groups.
It stores them in an embedded SQLite file or in PostgreSQL, keeps tenants
apart and absorbs the quirks real IdPs send. `scimd serve` runs the server;
the other commands administer the same database.";

const AFTER_HELP: &str = "\
Arguments: what a command acts on is positional; the tenant it is scoped to
is --tenant T. Every list and show command takes --json: a list prints one
JSON object per line, a show prints one JSON document.

Documentation: README.md, docs/ (deploy, policies, events, admin) and
`man scimd` (`scimd man > scimd.1`).";

/// scimd: a SCIM 2.0 provisioning server.
#[derive(Debug, Parser)]
#[command(
    name = "scimd",
    version = crate::build_info::LONG_VERSION,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// Database URL: `sqlite://PATH` (default `sqlite://scimd.db`) or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB[?pool_size=N][&sslmode=verify-full&sslrootcert=CA.pem]`.
    #[arg(long, global = true, env = "SCIMD_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,

    /// Read the database URL from this file (it carries the password):
    /// the container and systemd credentials convention. Not with --database.
    #[arg(
        long,
        global = true,
        env = "SCIMD_DATABASE_URL_FILE",
        value_name = "FILE"
    )]
    pub database_file: Option<PathBuf>,

    /// A TOML config file (keys: the long names of the serve flags with `_` for `-`,
    /// plus database_url or database_url_file, and log_level).
    #[arg(long, global = true, env = "SCIMD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// The keys webhook secrets are sealed with: one key (64 hex digits) per line, the
    /// first seals, all open (docs/events.md). Default on SQLite: DATABASE.webhook-keys,
    /// created on first use; on PostgreSQL required for webhooks, the same on every replica.
    #[arg(
        long,
        global = true,
        env = "SCIMD_WEBHOOK_KEY_FILE",
        value_name = "FILE"
    )]
    pub webhook_key_file: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the SCIM API. On an empty database, creates the `default`
    /// tenant and gives the base URL and a first token.
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Check the database's integrity; prints `ok` when it is sound.
    Check,
    /// Copy a live SQLite database to a new file, consistently, while
    /// `serve` goes on writing (PostgreSQL: use pg_dump).
    Backup(BackupArgs),
    /// Replace a SQLite database's contents with a backup's, after
    /// checking it (stop `serve` first; PostgreSQL: use pg_restore).
    Restore(RestoreArgs),
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
    /// A tenant's schema extensions: custom attributes of users and groups.
    #[command(subcommand)]
    Schema(crate::cli_schema::SchemaCommand),
    /// A tenant's mappings from groups to roles: users' effectiveRoles.
    #[command(subcommand)]
    Role(crate::cli_role::RoleCommand),
    /// Read a tenant's audit log, newest first.
    Audit(AuditArgs),
    /// Read a tenant's provisioning log (every SCIM request); --follow tails it.
    Log(crate::cli_provlog::LogArgs),
    /// Admin console accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Replay an identity provider's documented request sequence against a
    /// SCIM server and report check by check (`N passed, M failed`).
    Replay(ReplayArgs),
    /// Exit 0 if a running scimd answers `/healthz` (a container's
    /// HEALTHCHECK: the image has no curl).
    Healthcheck(HealthcheckArgs),
    /// Print a shell completion script: `scimd completions bash >
    /// /etc/bash_completion.d/scimd`.
    Completions {
        /// The shell.
        shell: Shell,
    },
    /// Print the manual page (roff): `scimd man > /usr/local/share/man/man1/scimd.1`.
    Man,
}

/// `--json`, taken by every list and show command.
#[derive(Debug, Args, Default, Clone, Copy)]
pub struct Output {
    /// Print JSON: one object per line for a list, one document for a show.
    #[arg(long)]
    pub json: bool,
}

/// Where an admin's password comes from: stdin (the default) or a file,
/// never the command line.
#[derive(Debug, Args, Default, Clone)]
pub struct PasswordArgs {
    /// Read the password from the first line of stdin (the default; the
    /// flag makes scripts explicit).
    #[arg(long, conflicts_with = "password_file")]
    pub password_stdin: bool,
    /// Read the password from the first line of this file.
    #[arg(long, env = "SCIMD_ADMIN_PASSWORD_FILE", value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an admin account; the password is read from stdin or a file.
    Create {
        /// The username to sign in with.
        username: String,
        /// The tenant an owner or viewer is confined to (none for `super`;
        /// a viewer without one reads every tenant).
        #[arg(long)]
        tenant: Option<String>,
        /// The account's role.
        #[arg(long)]
        role: Role,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// List admin accounts.
    List {
        #[command(flatten)]
        output: Output,
    },
    /// Delete an admin account and end its sessions.
    Delete {
        /// The account's username.
        username: String,
    },
    /// Disable an admin account: it keeps its password, its sessions end,
    /// and it cannot sign in until enabled.
    Disable {
        /// The account's username.
        username: String,
    },
    /// Enable a disabled admin account.
    Enable {
        /// The account's username.
        username: String,
    },
    /// Set an admin's password (read from stdin or a file) and end its
    /// sessions.
    Passwd {
        /// The account's username.
        username: String,
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// End every session of an admin account.
    RevokeSessions {
        /// The account's username.
        username: String,
    },
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The IdP profile to replay (auto: all of them).
    #[arg(long, default_value = "auto")]
    pub profile: Profile,
    /// The SCIM base URL, e.g. https://scim.example.com/scim/v2.
    #[arg(long, env = "SCIMD_REPLAY_URL")]
    pub base_url: String,
    /// The bearer token to send.
    #[arg(
        long,
        env = "SCIMD_REPLAY_TOKEN",
        required_unless_present = "token_file",
        conflicts_with = "token_file"
    )]
    pub token: Option<String>,
    /// Read the bearer token from this file.
    #[arg(long, env = "SCIMD_REPLAY_TOKEN_FILE", value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Replay this scenario file instead of the built-in ones.
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Also replay the profile's custom-attribute scenario (Entra, Okta),
    /// and fail if the tenant lacks the extension it needs (`auto` runs
    /// these scenarios only where the extension is defined).
    #[arg(long, conflicts_with = "scenario")]
    pub custom: bool,
}

#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The URL to ask (default: `/healthz` on the port of --listen or
    /// SCIMD_LISTEN, on loopback).
    #[arg(long)]
    pub url: Option<String>,
    /// The address scimd listens on.
    #[arg(long, env = "SCIMD_LISTEN")]
    pub listen: Option<String>,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write (refused if it exists); readable by its owner only.
    #[arg(long, value_name = "FILE")]
    pub to: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup to restore (made by `scimd backup`).
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// Replace a database that already holds data.
    #[arg(long)]
    pub replace: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free port).
    #[arg(long, env = "SCIMD_LISTEN")]
    pub listen: Option<String>,
    /// The public base URL clients use, e.g. https://scim.example.com (default: from the Host header).
    #[arg(long, env = "SCIMD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log format (default pretty).
    #[arg(long, env = "SCIMD_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// Log level or filter: error, warn, info (default), debug, trace, or
    /// per module (`info,scim_http=debug`).
    #[arg(long, env = "SCIMD_LOG")]
    pub log_level: Option<String>,
    /// Also listen here for the operations endpoints: `/metrics`
    /// (Prometheus; served nowhere else), `/healthz` and `/readyz`.
    #[arg(long, env = "SCIMD_OPS_LISTEN")]
    pub ops_listen: Option<String>,
    /// Serve the admin console and API (`/admin`, `/openapi.json`) here
    /// instead of on the SCIM listener, e.g. 127.0.0.1:8081.
    #[arg(long, env = "SCIMD_ADMIN_LISTEN")]
    pub admin_listen: Option<String>,
    /// Where the first start writes its token (mode 0600) instead of
    /// printing it. Default: printed on a terminal, else `first-token`
    /// beside the SQLite database (the working directory on PostgreSQL).
    #[arg(long, env = "SCIMD_FIRST_TOKEN_FILE", value_name = "FILE")]
    pub first_token_file: Option<PathBuf>,
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
    #[arg(long, env = "SCIMD_TLS_CERT", value_name = "FILE")]
    pub tls_cert: Option<String>,
    /// TLS private key (PEM).
    #[arg(long, env = "SCIMD_TLS_KEY", value_name = "FILE")]
    pub tls_key: Option<String>,
    /// Also listen for plain HTTP here (with TLS), to redirect or refuse.
    #[arg(long, env = "SCIMD_HTTP_LISTEN")]
    pub http_listen: Option<String>,
    /// What the plain HTTP listener does (default redirect).
    #[arg(long, env = "SCIMD_HTTP_MODE")]
    pub http_mode: Option<HttpMode>,
    /// Seconds a request may take before it is abandoned with 503.
    #[arg(long, env = "SCIMD_REQUEST_TIMEOUT")]
    pub request_timeout: Option<u64>,
    #[command(flatten)]
    pub webhooks: WebhookServeArgs,
    #[command(flatten)]
    pub net: NetServeArgs,
    #[command(flatten)]
    pub provlog: crate::cli_provlog::ProvlogServeArgs,
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
    Create {
        /// The tenant's name: 1 to 64 letters, digits, '-', '_' or '.'.
        name: String,
    },
    /// List tenants.
    List {
        #[command(flatten)]
        output: Output,
    },
    /// Show a tenant's settings and seat usage.
    Show {
        /// The tenant.
        name: String,
        #[command(flatten)]
        output: Output,
    },
    /// Change a tenant's settings.
    Set(TenantSetArgs),
    /// Delete a tenant with its connections, tokens, webhooks and admin
    /// accounts; refused while it holds users or groups, unless --purge.
    /// Audited: its audit log is kept, ending with the deletion.
    Delete {
        /// The tenant.
        name: String,
        /// Also delete its users, groups and trash.
        #[arg(long)]
        purge: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token; it is printed once, alone on the last line.
    Create {
        /// The tenant.
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
        /// The tenant.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        output: Output,
    },
    /// Issue a new token for a connection and retire its old ones.
    Rotate(RotateArgs),
    /// Revoke a token by id.
    Revoke {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        /// The token's id (from `token list`).
        id: i64,
    },
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every command and every argument explains itself in `--help`.
    #[test]
    fn every_command_and_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", cmd.get_name());
            if cmd.get_about().is_none() {
                missing.push(path.clone());
            }
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if !matches!(id, "help" | "version") && arg.get_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &path, missing);
            }
        }
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        walk(&cmd, "", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:#?}");
    }
}
