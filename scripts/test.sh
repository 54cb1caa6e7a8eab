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

step "PostgreSQL: a throwaway cluster"
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh

step "tests (storage suite on every backend, e2e on SQLite, replicas on PostgreSQL)"
cargo test --workspace

step "end-to-end tests on PostgreSQL"
SCIMD_TEST_BACKEND=postgres cargo test -p scimd --test e2e

step "conformance: scim2-tester (PyPI) against scimd on SQLite"
cargo build --quiet -p scimd
./scripts/conformance.sh | tail -n 3

step "conformance: scim2-tester (PyPI) against scimd on PostgreSQL"
"$SCIMD_PG_BIN/psql" "$SCIMD_TEST_POSTGRES_URL" -qc "CREATE DATABASE scimd_conformance"
SCIMD_DATABASE="${SCIMD_TEST_POSTGRES_URL%/*}/scimd_conformance" ./scripts/conformance.sh | tail -n 3
