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

step "from apt when missing: chromium and chromedriver (console tests), nginx (proxy test), podman and runc (image), musl-tools (static binary)"
need=()
if ! command -v chromedriver >/dev/null || ! { command -v chromium >/dev/null || command -v chromium-browser >/dev/null; }; then
    need+=(chromium chromium-driver)
fi
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v musl-gcc >/dev/null || need+=(musl-tools)
if [ "${#need[@]}" -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The browser and nginx tests skip without their programs locally; here they must run.
export SCIMD_REQUIRE_BROWSER=1
export SCIMD_REQUIRE_NGINX=1

step "PostgreSQL: a throwaway cluster"
# shellcheck source=scripts/postgres.sh
source scripts/postgres.sh

step "tests (storage suite on every backend, e2e on SQLite with nginx in front, backup during writes, replicas on PostgreSQL, browser screenshots in target/screenshots/)"
cargo test --workspace

step "end-to-end tests on PostgreSQL"
SCIMD_TEST_BACKEND=postgres cargo test -p scimd --test e2e

step "conformance: scim2-tester (PyPI) against scimd on SQLite"
cargo build --quiet -p scimd
./scripts/conformance.sh | tail -n 3
step "conformance: scim2-tester against scimd on SQLite, with a tenant schema extension defined"
CONFORMANCE_EXTENSION=scripts/conformance/custom-ext.json ./scripts/conformance.sh | tail -n 3

step "conformance: scim2-tester (PyPI) against scimd on PostgreSQL, with a tenant schema extension defined"
"$SCIMD_PG_BIN/psql" "$SCIMD_TEST_POSTGRES_URL" -qc "CREATE DATABASE scimd_conformance"
CONFORMANCE_EXTENSION=scripts/conformance/custom-ext.json \
  SCIMD_DATABASE="${SCIMD_TEST_POSTGRES_URL%/*}/scimd_conformance" ./scripts/conformance.sh | tail -n 3

step "release: the static binary (x86_64-unknown-linux-musl, stripped, SHA-256) and its smoke test"
./scripts/release.sh
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
./scripts/smoke.sh binary "target/dist/scimd-$VERSION-x86_64-unknown-linux-musl"

step "container image from the release binary (podman), run, provisioned with curl"
./scripts/smoke.sh image "scimd:$VERSION"
