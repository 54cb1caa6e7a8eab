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

step "tests"
cargo test --workspace

step "conformance: scim2-tester (PyPI) against scimd on SQLite"
cargo build --quiet -p scimd
./scripts/conformance.sh | tail -n 3
