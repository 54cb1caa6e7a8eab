//! The subcommands, one per file, and the wiring they share.

mod admin;
mod audit;
mod backup;
mod check;
mod connection;
mod healthcheck;
mod import;
mod manual;
mod migrate;
mod provlog;
mod replay;
mod role;
mod schema;
mod serve;
mod tenant;
mod token;
mod trash;
mod user;
mod webhook;

use crate::cli::{Cli, Command};
use crate::config::{database, webhook_keys, Database, FileConfig};
use scim_service::{Operator, ServiceConfig};
use scim_store::Store;
use scim_store_postgres::{Postgres, PostgresStore};
use scim_store_sqlite::Sqlite;
use std::sync::Arc;

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> Result<(), String> {
    // The commands that need no database.
    match &cli.command {
        Command::Replay(args) => return replay::run(args),
        Command::Healthcheck(args) => return healthcheck::run(args),
        Command::Completions { shell } => return manual::completions(*shell),
        Command::Man => return manual::man(),
        _ => {}
    }
    let file = FileConfig::load(cli.config.as_deref())?;
    let db = database(&cli, &file)?;
    let named = |e: String| {
        let name = db.name();
        if e.contains(&name) {
            e
        } else {
            format!("{e} (database {name})")
        }
    };
    match &cli.command {
        Command::Serve(_) | Command::Migrate => {}
        _ => return on_database(&cli, &file, &db).await.map_err(named),
    }
    on_database(&cli, &file, &db).await
}

/// The commands that work on a database; errors of all but `serve` and
/// `migrate` name the database they looked at.
async fn on_database(cli: &Cli, file: &FileConfig, db: &Database) -> Result<(), String> {
    match &cli.command {
        Command::Serve(args) => serve::run(db, file, args, webhook_keys(cli, file, db)?).await,
        Command::Migrate => migrate::run(db).await,
        Command::Check => check::run(db).await,
        Command::Backup(args) => backup::backup(db, args).await,
        Command::Restore(args) => backup::restore(db, args).await,
        Command::Tenant(c) => tenant::run(&open(db).await?, c).await,
        Command::Token(c) => token::run(&open(db).await?, c).await,
        Command::Connection(c) => connection::run(&open(db).await?, c).await,
        Command::User(c) => user::run(&open(db).await?, c).await,
        Command::Trash(c) => trash::run(&open_at(db, trash::clock(c)?).await?, c).await,
        Command::Import(args) => import::run(&open(db).await?, args).await,
        Command::Audit(args) => audit::run(&open(db).await?, args).await,
        Command::Log(args) => provlog::run(&open(db).await?, args).await,
        Command::Webhook(c) => {
            let config = ServiceConfig {
                webhook_keys: webhook_keys(cli, file, db)?,
                ..ServiceConfig::default()
            };
            webhook::run(&open_with(db, config, None).await?, c).await
        }
        Command::Admin(c) => admin::run(&open(db).await?, c).await,
        Command::Schema(c) => schema::run(&open(db).await?, c).await,
        Command::Role(c) => role::run(&open(db).await?, c).await,
        Command::Replay(_)
        | Command::Healthcheck(_)
        | Command::Completions { .. }
        | Command::Man => Ok(()),
    }
}

/// Opens the database (applying pending migrations, safely with other
/// replicas starting at once) and makes the operator principal on it: the
/// command line administers as the operator.
pub async fn open(db: &Database) -> Result<Operator, String> {
    open_at(db, None).await
}

/// [`open`] with a fixed clock when one is given (`trash purge --at`).
pub async fn open_at(
    db: &Database,
    at: Option<scim_core::timestamp::Timestamp>,
) -> Result<Operator, String> {
    open_with(db, ServiceConfig::default(), at).await
}

/// [`open_at`] with explicit service settings.
pub async fn open_with(
    db: &Database,
    config: ServiceConfig,
    at: Option<scim_core::timestamp::Timestamp>,
) -> Result<Operator, String> {
    let (store, _) = open_existing(db).await?;
    match at {
        None => Operator::new(store, config),
        Some(t) => Operator::with(
            store,
            config,
            Arc::new(scim_service::ManualClock::at(t.unix_millis())),
            Arc::new(scim_service::UuidV7),
        ),
    }
    .map_err(|e| e.to_string())
}

/// Opens (and migrates) the database; for PostgreSQL also returns the
/// store itself, whose pool `serve` reports in `/metrics`.
pub async fn open_store(db: &Database) -> Result<(Arc<dyn Store>, Option<PostgresStore>), String> {
    Ok(match db {
        Database::Sqlite(path) => (
            Arc::new(
                Sqlite::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?,
            ),
            None,
        ),
        Database::Postgres(url) => {
            let pg = Postgres::open(url)
                .await
                .map_err(|e| format!("cannot open {}: {e}", redact(url)))?;
            (Arc::new(pg.clone()), Some(pg))
        }
    })
}

/// Opens a database that exists, for every command but `serve` and
/// `migrate` (which create one): a missing SQLite file or a PostgreSQL
/// database without scimd's schema is an error naming the database looked
/// at, and nothing is created.
pub async fn open_existing(
    db: &Database,
) -> Result<(Arc<dyn Store>, Option<PostgresStore>), String> {
    let hint =
        "create it with `scimd migrate` (or `scimd serve`), or point --database at an existing one";
    match db {
        Database::Sqlite(path) if !path.is_file() => {
            Err(format!("no database at {}: {hint}", path.display()))
        }
        Database::Sqlite(_) => open_store(db).await,
        Database::Postgres(url) => {
            let pg = Postgres::open_existing(url)
                .await
                .map_err(|e| format!("cannot open {}: {e}: {hint}", redact(url)))?;
            Ok((Arc::new(pg.clone()), Some(pg)))
        }
    }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let auth = &url[s + 3..at];
            match auth.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
