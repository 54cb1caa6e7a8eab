//! What the commands write to stdout. Writing goes through [`outln!`] and
//! [`json`], never `println!`: when the reader has gone (`scimd token list
//! | head -1`) the process ends quietly with status 0 instead of
//! panicking; any other write error ends it with status 1 and a message.

use std::io::Write;

/// Writes a line to stdout (as `println!`, but see the module docs).
macro_rules! outln {
    () => {
        $crate::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}
pub(crate) use outln;

/// Writes one line to stdout.
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        closed(&e);
    }
}

/// Writes a value as JSON on one line (a JSON-lines record, or a show's
/// document).
pub fn json<T: serde::Serialize>(value: &T) {
    match serde_json::to_string(value) {
        Ok(text) => line(format_args!("{text}")),
        Err(e) => {
            eprintln!("scimd: cannot encode JSON: {e}");
            std::process::exit(1);
        }
    }
}

/// Ends the process after stdout failed.
fn closed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("scimd: cannot write to stdout: {e}");
    std::process::exit(1);
}
