//! The subcommands, one per file, and the wiring they share.

mod check;
mod connection;
mod import;
mod migrate;
mod replay;
mod serve;
mod tenant;
mod token;
mod trash;
mod user;
mod webhook;

use crate::cli::{Cli, Command};
use crate::config::{database, Database, FileConfig};
use scim_service::{ScimService, ServiceConfig};
use scim_store_sqlite::SqliteStore;
use std::sync::Arc;

/// Runs the command the user asked for.
pub async fn run(cli: Cli) -> Result<(), String> {
    if let Command::Replay(args) = &cli.command {
        return replay::run(args);
    }
    let file = FileConfig::load(cli.config.as_deref())?;
    let db = database(&cli, &file)?;
    match &cli.command {
        Command::Serve(args) => serve::run(&db, &file, args).await,
        Command::Migrate => migrate::run(&db).await,
        Command::Check => check::run(&db).await,
        Command::Tenant(c) => tenant::run(&open(&db)?, c).await,
        Command::Token(c) => token::run(&open(&db)?, c).await,
        Command::Connection(c) => connection::run(&open(&db)?, c).await,
        Command::User(c) => user::run(&open(&db)?, c).await,
        Command::Trash(c) => trash::run(&open_at(&db, trash::clock(c)?)?, c).await,
        Command::Import(args) => import::run(&open(&db)?, args).await,
        Command::Webhook(c) => webhook::run(&open(&db)?, c).await,
        Command::Replay(args) => replay::run(args),
    }
}

/// Opens the database (applying migrations) and builds the service on it.
pub fn open(db: &Database) -> Result<ScimService, String> {
    open_with(db, ServiceConfig::default())
}

/// [`open`] with a fixed clock when one is given (`trash purge --at`).
pub fn open_at(
    db: &Database,
    at: Option<scim_core::timestamp::Timestamp>,
) -> Result<ScimService, String> {
    let service = open(db)?;
    match at {
        None => Ok(service),
        Some(t) => ScimService::with(
            service.store().clone(),
            ServiceConfig::default(),
            Arc::new(scim_service::ManualClock::at(t.unix_millis())),
            Arc::new(scim_service::UuidV4),
        )
        .map_err(|e| e.to_string()),
    }
}

/// [`open`] with explicit service settings.
pub fn open_with(db: &Database, config: ServiceConfig) -> Result<ScimService, String> {
    let store = match db {
        Database::Sqlite(path) => {
            SqliteStore::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?
        }
    };
    ScimService::new(Arc::new(store), config).map_err(|e| e.to_string())
}
