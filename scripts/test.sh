#!/usr/bin/env bash
# The whole test suite, as the README documents it and CI runs it (.ci/run).
# Installs and starts whatever it needs (PostgreSQL from apt when missing, a
# throwaway cluster on a free loopback port, stopped on exit); safe to re-run.
# Every test runs on SQLite; the storage suite, the end-to-end tests, the
# two-replica tests and scim2-tester also run on PostgreSQL.
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

step "PostgreSQL: a throwaway cluster"
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh

step "tests (storage suite on every backend, e2e on SQLite, replicas on PostgreSQL, browser screenshots in target/screenshots/)"
cargo test --workspace

step "end-to-end tests on PostgreSQL"
SCIMD_TEST_BACKEND=postgres cargo test -p scimd --test e2e

step "conformance: scim2-tester (PyPI) against scimd on SQLite"
cargo build --quiet -p scimd
./scripts/conformance.sh | tail -n 3

step "conformance: scim2-tester (PyPI) against scimd on PostgreSQL"
"$SCIMD_PG_BIN/psql" "$SCIMD_TEST_POSTGRES_URL" -qc "CREATE DATABASE scimd_conformance"
SCIMD_DATABASE="${SCIMD_TEST_POSTGRES_URL%/*}/scimd_conformance" ./scripts/conformance.sh | tail -n 3
