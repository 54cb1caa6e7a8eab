//! The subcommands, one per file, and the wiring they share.

mod check;
mod migrate;
mod replay;
mod serve;
mod tenant;
mod token;

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
        Command::Replay(args) => replay::run(args),
    }
}

/// Opens the database (applying migrations) and builds the service on it.
pub fn open(db: &Database) -> Result<ScimService, String> {
    open_with(db, ServiceConfig::default())
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
