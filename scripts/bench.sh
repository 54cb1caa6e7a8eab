#!/usr/bin/env bash
# The in-repo benchmark harness (docs/performance.md). On loopback only,
# every phase bounded in requests and seconds. In one run it measures:
#   1. the ceiling: a bare axum handler returning a fixed body;
#   2. scimd on SQLite (and on PostgreSQL when SCIMD_BENCH_POSTGRES_URL is set):
#      seed, lookup, patch, list, groups, mixed, with p50/p99, server CPU and RSS;
#   3. with --reference: the Python reference server scim2-server (PyPI, pinned
#      version, in a venv under target/bench-venv) on the same phases, started
#      by scripts/bench-reference.py (its own CLI, in memory, no auth, /v2).
# The server is pinned to CPU 0 and the load generator to CPU 1.
# CARGO_TARGET_DIR, when set, is where scimd is built and looked for.
#
# Usage: scripts/bench.sh [-n USERS] [--phases LIST] [--reference] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

N=10000
PHASES="seed,lookup,patch,list,groups,mixed"
REFERENCE=0
OUT=target/bench-results
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) N="$2"; shift 2 ;;
    --phases) PHASES="$2"; shift 2 ;;
    --reference) REFERENCE=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    *) EXTRA+=("$1"); shift ;;
  esac
done
mkdir -p "$OUT"
CARGO_TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
TARGET="$CARGO_TARGET/bench"
SCIMD="$CARGO_TARGET/release/scimd"
LOADGEN="$TARGET/release/scim-loadgen"
PIN_SERVER="taskset -c 0"
PIN_LOAD="taskset -c 1"
if ! command -v taskset >/dev/null || [ "$(nproc)" -lt 2 ]; then PIN_SERVER=""; PIN_LOAD=""; fi

step() { printf '\n==> %s\n' "$*"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_port() {
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "nothing listens on port $1" >&2; return 1
}

step "build (release): scimd and the load generator"
cargo build --release --quiet -p scimd
CARGO_TARGET_DIR="$TARGET" cargo build --release --quiet --manifest-path bench/loadgen/Cargo.toml

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

step "ceiling: bare axum handler"
PORT=$(free_port)
$PIN_SERVER "$TARGET/release/bare-axum" --addr "127.0.0.1:$PORT" & PIDS+=($!)
wait_port "$PORT"
$PIN_LOAD "$LOADGEN" --base-url "http://127.0.0.1:$PORT" --phases get --label bare-axum \
  --json "$OUT/ceiling.json" | tee "$OUT/ceiling.txt"
kill "${PIDS[-1]}"; wait "${PIDS[-1]}" 2>/dev/null || true

run_scimd() { # label database-url
  local label="$1" db="$2" port token
  port=$(free_port)
  step "scimd on $label, N=$N"
  SCIMD_LOG=warn $PIN_SERVER "$SCIMD" serve --listen "127.0.0.1:$port" \
    --database "$db" --rate-limit-token 0 --rate-limit-tenant 0 > "$OUT/scimd-$label.out" 2>&1 &
  local pid=$!; PIDS+=($pid)
  wait_port "$port"
  token=$(grep -m1 '^scimd_' "$OUT/scimd-$label.out" || true)
  if [ -z "$token" ]; then
    token=$("$SCIMD" token create --tenant default --name bench --database "$db" | tail -n 1)
  fi
  $PIN_LOAD "$LOADGEN" --base-url "http://127.0.0.1:$port/scim/v2" --token "$token" \
    -n "$N" -c 32 --pid "$pid" --phases "$PHASES" --label "scimd-$label" \
    --json "$OUT/scimd-$label.json" "${EXTRA[@]}" | tee "$OUT/scimd-$label.txt"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

DB_DIR=$(mktemp -d)
run_scimd sqlite "sqlite://$DB_DIR/bench.db"
if [ -n "${SCIMD_BENCH_POSTGRES_URL:-}" ]; then
  run_scimd postgres "$SCIMD_BENCH_POSTGRES_URL"
fi
rm -rf "$DB_DIR"

if [ "$REFERENCE" = 1 ]; then
  # scim2-server's CLI (scim2_server.testserver.cli) takes --hostname/--port,
  # serves /v2, keeps everything in memory and accepts every request without
  # --bearer-token, so the load generator runs without --token. All six
  # phases pass their checks against 0.8.3; it speaks HTTP/1.0, so the load
  # generator reconnects for every request (conns= in the phase lines).
  REF_VERSION="${SCIMD_BENCH_REFERENCE_VERSION:-0.8.3}"
  VENV=target/bench-venv
  step "reference: scim2-server $REF_VERSION (PyPI) under the same workload, N=$N"
  if [ "$("$VENV/bin/pip" show scim2-server 2>/dev/null | sed -n 's/^Version: //p')" != "$REF_VERSION" ]; then
    [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "scim2-server==$REF_VERSION"
  fi
  PORT=$(free_port)
  $PIN_SERVER "$VENV/bin/python" scripts/bench-reference.py --hostname 127.0.0.1 --port "$PORT" \
    > "$OUT/reference.out" 2>&1 &
  pid=$!; PIDS+=($pid)
  wait_port "$PORT" || { cat "$OUT/reference.out" >&2; exit 1; }
  env -u TOKEN $PIN_LOAD "$LOADGEN" --base-url "http://127.0.0.1:$PORT/v2" \
    -n "$N" -c 32 --pid "$pid" --phases "$PHASES" --label "scim2-server-$REF_VERSION" \
    --json "$OUT/reference.json" "${EXTRA[@]}" | tee "$OUT/reference.txt"
  kill "$pid"; wait "$pid" 2>/dev/null || true
fi

step "results in $OUT"
