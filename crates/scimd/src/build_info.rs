//! What this binary was built from (set by `build.rs`): `scimd --version`
//! and the `scimd_build_info` metric.

/// The package version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit (12 hex digits), or `unknown` when built without git.
pub const COMMIT: &str = env!("SCIMD_GIT_COMMIT");
/// The compiler's version.
pub const RUSTC: &str = env!("SCIMD_RUSTC_VERSION");
/// What `scimd --version` prints after the name.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("SCIMD_GIT_COMMIT"),
    ")"
);
