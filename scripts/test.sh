#!/usr/bin/env bash
# The whole test suite, as the README documents it and CI runs it (.ci/run).
# Installs and starts whatever it needs; safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "format check"
cargo fmt --all --check

step "clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

step "browser for the console tests: chromium and chromedriver (apt)"
if ! command -v chromedriver >/dev/null || ! { command -v chromium >/dev/null || command -v chromium-browser >/dev/null; }; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi
# The browser tests skip without Chromium locally; here they must run.
export SCIMD_REQUIRE_BROWSER=1

step "tests (browser screenshots in target/screenshots/)"
cargo test --workspace

step "conformance: scim2-tester (PyPI) against scimd on SQLite"
cargo build --quiet -p scimd
./scripts/conformance.sh | tail -n 3
