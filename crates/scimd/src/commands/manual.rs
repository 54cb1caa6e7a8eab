//! `scimd completions bash|zsh|fish` and `scimd man`: a shell completion
//! script and the manual page (roff), both generated from the same clap
//! definitions as the command line itself, so they never drift from it.

use crate::cli::{Cli, Shell};
use crate::output::outln;
use clap::CommandFactory;

fn emit(bytes: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(bytes);
    outln!("{}", text.trim_end_matches('\n'));
    Ok(())
}

/// Prints the completion script for `shell`.
pub fn completions(shell: Shell) -> Result<(), String> {
    let generator = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut buf = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), "scimd", &mut buf);
    emit(&buf)
}

/// Prints the manual page.
pub fn man() -> Result<(), String> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .map_err(|e| format!("cannot render the manual page: {e}"))?;
    emit(&buf)
}
