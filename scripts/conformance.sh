#!/usr/bin/env bash
# Runs the external conformance suite scim2-tester, installed from PyPI into a
# venv, against a freshly started scimd on a new SQLite database.
#   SCIMD_BIN         scimd binary (default: $CARGO_TARGET_DIR or target, then
#                     debug/scimd; built if missing)
#   CONFORMANCE_VENV  venv directory (default: target/conformance-venv)
#   SCIMD_DATABASE    database URL to use instead of a fresh SQLite file
#   CONFORMANCE_EXTENSION  a schema extension document (RFC 7643 §7) defined on
#                     the default tenant before the suite runs (`scimd schema add`)
# Prints the suite's checks and, last, "N passed, M failed"; fails unless M is 0.
set -euo pipefail
cd "$(dirname "$0")/.."
HERE=scripts/conformance
VENV="${CONFORMANCE_VENV:-target/conformance-venv}"
BIN="${SCIMD_BIN:-${CARGO_TARGET_DIR:-target}/debug/scimd}"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import scim2_tester" 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
fi
[ -x "$BIN" ] || cargo build --quiet -p scimd

WORK="$(mktemp -d)"
PID=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
DB="${SCIMD_DATABASE:-sqlite://$WORK/conformance.db}"
"$BIN" serve --listen 127.0.0.1:0 --database "$DB" --first-token-file "$WORK/first-token" \
  >"$WORK/out" 2>"$WORK/err" &
PID=$!
for _ in $(seq 1 300); do
  grep -q "scimd listening on" "$WORK/out" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/err"; echo "scimd exited"; exit 1; }
  sleep 0.1
done
BASE="$(sed -n 's/^scimd listening on //p' "$WORK/out")"
TOKEN="$(cat "$WORK/first-token" 2>/dev/null || true)"
if [ -z "$TOKEN" ]; then
  # An existing database: issue a token for its default tenant.
  TOKEN="$("$BIN" token create --tenant default --name conformance --database "$DB" | tail -n 1)"
fi
[ -n "$BASE" ] || { cat "$WORK/err"; echo "scimd did not start"; exit 1; }
if [ -n "${CONFORMANCE_EXTENSION:-}" ]; then
  "$BIN" schema add --tenant default --file "$CONFORMANCE_EXTENSION" --database "$DB" >/dev/null
  echo "with the schema extension $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$CONFORMANCE_EXTENSION")"
fi
"$VENV/bin/python" "$HERE/run.py" "$BASE" "$TOKEN"
