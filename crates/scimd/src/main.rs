//! The `scimd` binary: parses the command line and runs one command
//! (one file per command under `commands/`).

mod build_info;
mod cli;
mod cli_net;
mod cli_policy;
mod cli_provlog;
mod cli_role;
mod cli_schema;
mod cli_values;
mod cli_webhook;
mod commands;
mod config;
mod net;
mod ops;
mod output;
mod replay;
mod tls;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: a request allocates and frees
/// many small values (JSON trees, strings), and glibc's malloc took 13 % of
/// the server's CPU under lookup load (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("scimd: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scimd: {e}");
            ExitCode::FAILURE
        }
    }
}
