//! Effective configuration: flags and environment (already merged by clap)
//! over the config file over the defaults.

use crate::cli::{Cli, ServeArgs};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default database URL.
pub const DEFAULT_DATABASE: &str = "sqlite://scimd.db";

/// The keys of the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub database_url_file: Option<PathBuf>,
    pub public_url: Option<String>,
    pub log_format: Option<String>,
    pub log_level: Option<String>,
    pub rate_limit_token: Option<f64>,
    pub rate_limit_tenant: Option<f64>,
    pub max_body: Option<usize>,
    pub max_page_bytes: Option<u64>,
    pub max_value_bytes: Option<usize>,
    pub request_timeout: Option<u64>,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
    pub http_listen: Option<String>,
    pub http_mode: Option<String>,
    pub webhook_poll_ms: Option<u64>,
    pub webhook_retry_base_ms: Option<u64>,
    pub webhook_retry_max_ms: Option<u64>,
    pub webhook_max_attempts: Option<u32>,
    pub webhook_lease_ms: Option<u64>,
    pub webhook_timeout_ms: Option<u64>,
    pub webhook_allow_private: Option<bool>,
    pub audit_retention_days: Option<u32>,
    pub event_retention_days: Option<u32>,
    pub ops_listen: Option<String>,
    pub admin_listen: Option<String>,
    pub first_token_file: Option<PathBuf>,
    pub webhook_key_file: Option<String>,
    pub header_timeout: Option<f64>,
    pub idle_timeout: Option<f64>,
    pub max_connections: Option<usize>,
    pub http2_max_streams: Option<u32>,
    pub trusted_proxies: Option<Vec<String>>,
    pub rate_limit_auth_failures: Option<f64>,
    pub provisioning_log: Option<bool>,
    pub provisioning_log_rows: Option<u64>,
    pub provisioning_log_days: Option<u32>,
}

impl FileConfig {
    /// Reads a config file; a missing explicit file is an error.
    pub fn load(path: Option<&Path>) -> Result<FileConfig, String> {
        let Some(path) = path else {
            return Ok(FileConfig::default());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("invalid config file {}: {e}", path.display()))
    }
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    /// A `postgres://` (or `postgresql://`) URL, with scimd's optional `?pool_size=N`.
    Postgres(String),
}

impl Database {
    /// The database as messages name it: the SQLite file, or the
    /// PostgreSQL URL without its password.
    pub fn name(&self) -> String {
        match self {
            Database::Sqlite(p) => p.display().to_string(),
            Database::Postgres(url) => crate::commands::redact(url),
        }
    }

    /// Parses `sqlite://PATH` (relative to the working directory),
    /// `sqlite:///ABS/PATH`, a bare path, or `postgres://…`.
    pub fn parse(url: &str) -> Result<Database, String> {
        if let Some(rest) = url.strip_prefix("sqlite://") {
            if rest.is_empty() {
                return Err("sqlite:// needs a file path".into());
            }
            return Ok(Database::Sqlite(PathBuf::from(rest)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            scim_store_postgres::split_pool_size(url)?;
            return Ok(Database::Postgres(url.to_string()));
        }
        if url.contains("://") {
            return Err(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://…"
            ));
        }
        Ok(Database::Sqlite(PathBuf::from(url)))
    }
}

/// Reads a secret (`what`, for messages) from a file: its text without
/// the trailing newline. Messages name the file, never its content.
pub fn read_secret(what: &str, path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the {what} from {}: {e}", path.display()))?;
    let secret = text.trim_end_matches(['\r', '\n']).to_string();
    if secret.is_empty() {
        return Err(format!("the {what} file {} is empty", path.display()));
    }
    Ok(secret)
}

/// A value given directly or as a file (`*_FILE`, the container and
/// systemd credentials convention); both at once is an error.
fn value_or_file(
    what: &str,
    names: &str,
    value: Option<&String>,
    file: Option<&PathBuf>,
) -> Result<Option<String>, String> {
    match (value, file) {
        (Some(_), Some(_)) => Err(format!("give the {what} once: {names}, not both")),
        (Some(v), None) => Ok(Some(v.clone())),
        (None, Some(f)) => read_secret(what, f).map(Some),
        (None, None) => Ok(None),
    }
}

/// The database URL in effect: `--database` or `--database-file` (each
/// also from the environment), else the config file's `database_url` or
/// `database_url_file`, else the default.
pub fn database(cli: &Cli, file: &FileConfig) -> Result<Database, String> {
    let given = value_or_file(
        "database URL",
        "--database (SCIMD_DATABASE_URL) or --database-file (SCIMD_DATABASE_URL_FILE)",
        cli.database.as_ref(),
        cli.database_file.as_ref(),
    )?;
    let url = match given {
        Some(url) => url,
        None => value_or_file(
            "database URL",
            "database_url or database_url_file in the config file",
            file.database_url.as_ref(),
            file.database_url_file.as_ref(),
        )?
        .unwrap_or_else(|| DEFAULT_DATABASE.to_string()),
    };
    Database::parse(&url)
}

/// The keys webhook secrets are sealed with (`docs/events.md`): the key
/// file of `--webhook-key-file` (or `webhook_key_file`); on SQLite by
/// default `DATABASE.webhook-keys`, created with one random key (mode
/// 0600) the first time; on PostgreSQL none unless configured.
pub fn webhook_keys(
    cli: &Cli,
    file: &FileConfig,
    db: &Database,
) -> Result<scim_service::webhook_keys::Keyring, String> {
    use scim_service::webhook_keys::Keyring;
    let configured = cli
        .webhook_key_file
        .clone()
        .or_else(|| file.webhook_key_file.as_ref().map(PathBuf::from));
    let path = match (configured, db) {
        (Some(p), _) => p,
        (None, Database::Sqlite(db)) => {
            let mut p = db.clone().into_os_string();
            p.push(".webhook-keys");
            let p = PathBuf::from(p);
            create_key_file(&p)?;
            p
        }
        (None, Database::Postgres(_)) => return Ok(Keyring::empty()),
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the webhook key file {}: {e}", path.display()))?;
    Keyring::parse(&text).map_err(|e| format!("webhook key file {}: {e}", path.display()))
}

/// Creates a key file with one new key unless it exists, readable by its
/// owner only.
fn create_key_file(path: &Path) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let text = scim_service::webhook_keys::Keyring::generate_file()?;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut f) => f
            .write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}

/// Settings of `serve`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: String,
    pub public_url: Option<String>,
    pub log_format: String,
    pub log_level: String,
    pub service: scim_service::ServiceConfig,
    pub http: scim_http::HttpLimits,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
    pub http_listen: Option<String>,
    pub http_mode: String,
    pub webhooks: WebhookSettings,
    /// The operations listener (`/metrics`, `/healthz`, `/readyz`).
    pub ops_listen: Option<String>,
    /// The admin console's own listener.
    pub admin_listen: Option<String>,
    /// Where the first token goes instead of stdout.
    pub first_token_file: Option<PathBuf>,
    pub net: crate::net::NetLimits,
    /// Addresses and networks of trusted proxies (`--trusted-proxy`).
    pub trusted_proxies: Vec<String>,
}

/// Webhook delivery settings of `serve`.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookSettings {
    pub poll: std::time::Duration,
    pub lease: std::time::Duration,
    pub timeout: std::time::Duration,
    pub backoff: scim_webhooks::Backoff,
    pub max_attempts: u32,
    /// Whether every webhook may deliver to private addresses.
    pub allow_private: bool,
}

impl WebhookSettings {
    fn resolve(a: &crate::cli::WebhookServeArgs, f: &FileConfig) -> WebhookSettings {
        let ms = std::time::Duration::from_millis;
        let base = a
            .webhook_retry_base_ms
            .or(f.webhook_retry_base_ms)
            .unwrap_or(1_000);
        WebhookSettings {
            poll: ms(a
                .webhook_poll_ms
                .or(f.webhook_poll_ms)
                .unwrap_or(1_000)
                .max(10)),
            lease: ms(a
                .webhook_lease_ms
                .or(f.webhook_lease_ms)
                .unwrap_or(30_000)
                .max(100)),
            timeout: ms(a
                .webhook_timeout_ms
                .or(f.webhook_timeout_ms)
                .unwrap_or(10_000)
                .max(100)),
            backoff: scim_webhooks::Backoff {
                base_ms: base,
                cap_ms: a
                    .webhook_retry_max_ms
                    .or(f.webhook_retry_max_ms)
                    .unwrap_or(600_000)
                    .max(base),
            },
            max_attempts: a
                .webhook_max_attempts
                .or(f.webhook_max_attempts)
                .unwrap_or(8)
                .max(1),
            allow_private: a.webhook_allow_private || f.webhook_allow_private.unwrap_or(false),
        }
    }
}

fn rate(per_second: f64) -> scim_service::ratelimit::Rate {
    scim_service::ratelimit::Rate {
        per_second: per_second.max(0.0),
        burst: (per_second * 2.0).max(1.0),
    }
}

impl ServeConfig {
    pub fn resolve(args: &ServeArgs, file: &FileConfig) -> ServeConfig {
        ServeConfig {
            listen: args
                .listen
                .clone()
                .or_else(|| file.listen.clone())
                .unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
            public_url: args.public_url.clone().or_else(|| file.public_url.clone()),
            log_format: args
                .log_format
                .as_ref()
                .map(crate::cli::name)
                .or_else(|| file.log_format.clone())
                .unwrap_or_else(|| "pretty".into()),
            log_level: args
                .log_level
                .clone()
                .or_else(|| file.log_level.clone())
                .unwrap_or_else(|| "info".into()),
            tls_cert: args.tls_cert.clone().or_else(|| file.tls_cert.clone()),
            tls_key: args.tls_key.clone().or_else(|| file.tls_key.clone()),
            http_listen: args
                .http_listen
                .clone()
                .or_else(|| file.http_listen.clone()),
            http_mode: args
                .http_mode
                .as_ref()
                .map(crate::cli::name)
                .or_else(|| file.http_mode.clone())
                .unwrap_or_else(|| "redirect".into()),
            webhooks: WebhookSettings::resolve(&args.webhooks, file),
            ops_listen: args.ops_listen.clone().or_else(|| file.ops_listen.clone()),
            admin_listen: args
                .admin_listen
                .clone()
                .or_else(|| file.admin_listen.clone()),
            first_token_file: args
                .first_token_file
                .clone()
                .or_else(|| file.first_token_file.clone()),
            net: crate::net::NetLimits::resolve(
                &args.net,
                file,
                scim_http::HttpLimits::default().max_header_bytes,
            ),
            trusted_proxies: if args.net.trusted_proxies.is_empty() {
                file.trusted_proxies.clone().unwrap_or_default()
            } else {
                args.net.trusted_proxies.clone()
            },
            service: {
                let mut c = scim_service::ServiceConfig::default();
                if let Some(r) = args.rate_limit_token.or(file.rate_limit_token) {
                    c.rate_limits.per_token = rate(r);
                }
                if let Some(r) = args.rate_limit_tenant.or(file.rate_limit_tenant) {
                    c.rate_limits.per_tenant = rate(r);
                }
                if let Some(r) = args
                    .net
                    .rate_limit_auth_failures
                    .or(file.rate_limit_auth_failures)
                {
                    c.auth_failures = scim_service::ratelimit::Rate {
                        per_second: r.max(0.0),
                        burst: (r * 2.0).max(20.0),
                    };
                }
                if let Some(d) = args.audit_retention_days.or(file.audit_retention_days) {
                    c.audit_retention_days = d;
                }
                if let Some(d) = args.event_retention_days.or(file.event_retention_days) {
                    c.event_retention_days = d;
                }
                if let Some(b) = args.max_body.or(file.max_body) {
                    // Bulk's advertised and enforced maxPayloadSize (RFC 7644 §3.7.4).
                    c.bulk.max_payload_size = b;
                }
                if let Some(b) = args.max_page_bytes.or(file.max_page_bytes) {
                    c.max_page_bytes = b.max(1);
                }
                if let Some(b) = args.max_value_bytes.or(file.max_value_bytes) {
                    c.max_value_bytes = b.max(1);
                }
                provlog_settings(&mut c.provisioning_log, &args.provlog, file);
                c
            },
            http: {
                let mut h = scim_http::HttpLimits::default();
                if let Some(b) = args.max_body.or(file.max_body) {
                    h.max_body = b;
                }
                if let Some(t) = args.request_timeout.or(file.request_timeout) {
                    h.request_timeout = std::time::Duration::from_secs(t.max(1));
                }
                h
            },
        }
    }
}

#[cfg(test)]
mod tests;

/// The provisioning log's switch and bounds (flags, then the file).
fn provlog_settings(
    s: &mut scim_service::provlog::LogSettings,
    args: &crate::cli_provlog::ProvlogServeArgs,
    file: &FileConfig,
) {
    match args.provisioning_log {
        Some(sw) => s.enabled = sw == crate::cli_provlog::Switch::On,
        None => {
            if let Some(on) = file.provisioning_log {
                s.enabled = on;
            }
        }
    }
    if let Some(n) = args.provisioning_log_rows.or(file.provisioning_log_rows) {
        s.max_rows = n.max(1);
    }
    if let Some(d) = args.provisioning_log_days.or(file.provisioning_log_days) {
        s.max_days = d.max(1);
    }
}
