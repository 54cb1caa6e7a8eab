//! The configuration's unit tests: flags over environment over file over
//! defaults, for the database, the serve settings and the webhook keys.

use super::*;
use crate::cli::Command;
use clap::Parser;
use std::sync::Mutex;

/// Tests that set `SCIMD_*` variables hold this (the environment is per process).
static ENV: Mutex<()> = Mutex::new(());
const VARS: [&str; 9] = [
    "SCIMD_LISTEN",
    "SCIMD_DATABASE_URL",
    "SCIMD_DATABASE_URL_FILE",
    "SCIMD_CONFIG",
    "SCIMD_MAX_BODY",
    "SCIMD_TRUSTED_PROXIES",
    "SCIMD_MAX_CONNECTIONS",
    "SCIMD_RATE_LIMIT_AUTH_FAILURES",
    "SCIMD_WEBHOOK_ALLOW_PRIVATE",
];

/// Parses `scimd serve ARGS` with `env` set and `file` as the config
/// file's text; returns the listen address, the database and the config.
fn resolved(args: &[&str], env: &[(&str, &str)], file: &str) -> (String, Database, ServeConfig) {
    let _guard = ENV.lock().unwrap_or_else(|e| e.into_inner());
    for v in VARS {
        std::env::remove_var(v);
    }
    for (k, v) in env {
        std::env::set_var(k, v);
    }
    let cli = Cli::try_parse_from(["scimd", "serve"].iter().chain(args));
    for (k, _) in env {
        std::env::remove_var(k);
    }
    let cli = cli.unwrap();
    let file: FileConfig = toml::from_str(file).unwrap();
    let db = database(&cli, &file).unwrap();
    let Command::Serve(serve) = &cli.command else {
        panic!("not serve")
    };
    let cfg = ServeConfig::resolve(serve, &file);
    (cfg.listen.clone(), db, cfg)
}

fn sqlite(p: &str) -> Database {
    Database::Sqlite(p.into())
}

#[test]
fn flags_over_environment_over_file_over_defaults() {
    let file = "listen = \"10.0.0.3:3\"\ndatabase_url = \"sqlite://file.db\"\n";
    let env = [
        ("SCIMD_LISTEN", "10.0.0.2:2"),
        ("SCIMD_DATABASE_URL", "sqlite://env.db"),
    ];
    let flags = ["--listen", "10.0.0.1:1", "--database", "sqlite://flag.db"];
    // (flags, environment, file) -> (listen, database)
    type Case<'a> = (
        &'a [&'a str],
        &'a [(&'a str, &'a str)],
        &'a str,
        &'a str,
        Database,
    );
    let cases: [Case; 5] = [
        (&flags, &env, file, "10.0.0.1:1", sqlite("flag.db")),
        (&[], &env, file, "10.0.0.2:2", sqlite("env.db")),
        (&[], &[], file, "10.0.0.3:3", sqlite("file.db")),
        (&[], &[], "", DEFAULT_LISTEN, sqlite("scimd.db")),
        // Each source on its own key: they combine.
        (
            &["--listen", "10.0.0.1:1"],
            &[("SCIMD_DATABASE_URL", "sqlite://env.db")],
            "",
            "10.0.0.1:1",
            sqlite("env.db"),
        ),
    ];
    for (args, env, file, listen, db) in cases {
        let (got_listen, got_db, _) = resolved(args, env, file);
        assert_eq!(
            (got_listen.as_str(), &got_db),
            (listen, &db),
            "{args:?} {env:?} {file:?}"
        );
    }
    assert_eq!(DEFAULT_LISTEN, "127.0.0.1:8080");
    // The default database is relative: `scimd.db` in the working directory.
    assert!(
        matches!(Database::parse(DEFAULT_DATABASE), Ok(Database::Sqlite(p)) if p.is_relative())
    );
}

/// The connection and client settings follow the same order: flags,
/// then the environment, then the config file, then the defaults.
#[test]
fn connection_settings_from_flags_environment_and_file() {
    let file = "trusted_proxies = [\"10.0.0.0/8\"]\nmax_connections = 7\n\
                rate_limit_auth_failures = 3.0\nwebhook_allow_private = true\n";
    let env = [
        ("SCIMD_TRUSTED_PROXIES", "10.0.0.2,10.0.0.3"),
        ("SCIMD_MAX_CONNECTIONS", "8"),
    ];
    let flags = ["--trusted-proxy", "10.0.0.1", "--max-connections", "9"];
    // (flags, environment, file) -> (trusted proxies, connection cap)
    type Case<'a> = (
        &'a [&'a str],
        &'a [(&'a str, &'a str)],
        &'a str,
        &'a [&'a str],
        usize,
    );
    let cases: [Case; 4] = [
        (&flags, &env, file, &["10.0.0.1"], 9),
        (&[], &env, file, &["10.0.0.2", "10.0.0.3"], 8),
        (&[], &[], file, &["10.0.0.0/8"], 7),
        (&[], &[], "", &[], 1024),
    ];
    for (args, env, file, proxies, max) in cases {
        let (_, _, cfg) = resolved(args, env, file);
        assert_eq!(
            (cfg.trusted_proxies.as_slice(), cfg.net.max_connections),
            (
                &proxies.iter().map(|p| p.to_string()).collect::<Vec<_>>()[..],
                max
            ),
            "{args:?} {env:?} {file:?}"
        );
    }
    let (_, _, cfg) = resolved(&[], &[], file);
    assert_eq!(cfg.service.auth_failures.per_second, 3.0);
    assert!(cfg.webhooks.allow_private);
    let (_, _, cfg) = resolved(&["--rate-limit-auth-failures", "0"], &[], file);
    assert_eq!(cfg.service.auth_failures.per_second, 0.0);
    let (_, _, cfg) = resolved(&[], &[], "");
    assert!(!cfg.webhooks.allow_private);
}

#[test]
fn max_body_sets_bulk_max_payload_size() {
    let (_, _, cfg) = resolved(&["--max-body", "2048"], &[], "");
    assert_eq!(cfg.http.max_body, 2048);
    assert_eq!(cfg.service.bulk.max_payload_size, 2048);
    let (_, _, cfg) = resolved(&[], &[("SCIMD_MAX_BODY", "4096")], "max_body = 1024");
    assert_eq!(
        (cfg.http.max_body, cfg.service.bulk.max_payload_size),
        (4096, 4096)
    );
    let (_, _, cfg) = resolved(&[], &[], "max_body = 1024");
    assert_eq!(
        (cfg.http.max_body, cfg.service.bulk.max_payload_size),
        (1024, 1024)
    );
    let (_, _, cfg) = resolved(&[], &[], "");
    assert_eq!(
        cfg.service.bulk.max_payload_size,
        scim_service::ServiceConfig::default().bulk.max_payload_size
    );
}

#[test]
fn the_database_url_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("db-url");
    std::fs::write(&secret, "sqlite://secret.db\n").unwrap();
    let f = secret.to_str().unwrap();
    let in_config = format!("database_url_file = {f:?}");
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 3] = [
        (&["--database-file", f], &[], ""),
        (&[], &[("SCIMD_DATABASE_URL_FILE", f)], ""),
        (&[], &[], &in_config),
    ];
    for (args, env, file) in cases {
        let (_, db, _) = resolved(args, env, file);
        assert_eq!(db, sqlite("secret.db"), "{args:?} {env:?} {file:?}");
    }
    // A value and its file at once is refused, naming the file only.
    let cli = Cli::try_parse_from(["scimd", "check", "--database", "x.db", "--database-file", f])
        .unwrap();
    let e = database(&cli, &FileConfig::default()).unwrap_err();
    assert!(e.contains("not both") && !e.contains("secret.db"), "{e}");
    let both: FileConfig =
        toml::from_str(&format!("database_url = \"a.db\"\n{in_config}")).unwrap();
    let cli = Cli::try_parse_from(["scimd", "check"]).unwrap();
    assert!(database(&cli, &both).is_err());
    let missing = dir.path().join("nope");
    let cli = Cli::try_parse_from([
        "scimd",
        "check",
        "--database-file",
        missing.to_str().unwrap(),
    ])
    .unwrap();
    assert!(database(&cli, &FileConfig::default())
        .unwrap_err()
        .contains("cannot read the database URL from"));
}

#[test]
fn database_urls() {
    assert_eq!(
        Database::parse("sqlite://scimd.db"),
        Ok(Database::Sqlite("scimd.db".into()))
    );
    assert_eq!(
        Database::parse("sqlite:///var/lib/scimd/db"),
        Ok(Database::Sqlite("/var/lib/scimd/db".into()))
    );
    assert_eq!(
        Database::parse("data.db"),
        Ok(Database::Sqlite("data.db".into()))
    );
    assert_eq!(
        Database::parse("postgres://u@h:5432/scimd?pool_size=8"),
        Ok(Database::Postgres(
            "postgres://u@h:5432/scimd?pool_size=8".into()
        ))
    );
    assert!(Database::parse("postgres://h/db?pool_size=x").is_err());
    assert!(Database::parse("mysql://x").is_err());
    assert!(Database::parse("sqlite://").is_err());
}
