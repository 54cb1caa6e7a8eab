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
# After the phases it restarts scimd on the same database and reports the
# start-up time (until /healthz answers).
#
# Usage: scripts/bench.sh [-n USERS] [--phases LIST] [--reference] [--out DIR]
#                         [--db FILE] [load generator flags...]
#   --db FILE  keep the SQLite database in FILE (and the seeded ids in
#              FILE.users); a later run with the same FILE skips the seed,
#              so that a 1M-user database is seeded once:
#                scripts/bench.sh -n 1000000 --db /var/tmp/m1.db --seed-secs 3600
set -euo pipefail
cd "$(dirname "$0")/.."

N=10000
PHASES="seed,lookup,patch,list,groups,members,pages,mixed"
REFERENCE=0
KEEP_DB=""
OUT=target/bench-results
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) N="$2"; shift 2 ;;
    --phases) PHASES="$2"; shift 2 ;;
    --reference) REFERENCE=1; shift ;;
    --out) OUT="$2"; shift 2 ;;
    --db) KEEP_DB="$2"; shift 2 ;;
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

# Seconds from spawning `scimd serve` on the database until /healthz
# answers 200; the server is stopped again.
startup_secs() { # database-url
  local port t0 pid
  port=$(free_port)
  t0=$(date +%s%N)
  SCIMD_LOG=warn $PIN_SERVER "$SCIMD" serve --listen "127.0.0.1:$port" --database "$1" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 2000); do
    if curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$port/healthz"; then break; fi
    sleep 0.005
  done
  echo "scale=3; ($(date +%s%N) - $t0) / 1000000000" | bc
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

run_scimd() { # label database-url [users-file]
  local label="$1" db="$2" users="${3:-}" port token phases="$PHASES"
  port=$(free_port)
  step "scimd on $label, N=$N"
  SCIMD_LOG=warn $PIN_SERVER "$SCIMD" serve --listen "127.0.0.1:$port" \
    --database "$db" --rate-limit-token 0 --rate-limit-tenant 0 > "$OUT/scimd-$label.out" 2>&1 &
  local pid=$!; PIDS+=($pid)
  wait_port "$port"
  token=$(grep -m1 '^scimd_' "$OUT/scimd-$label.out" || true)
  if [ -z "$token" ]; then
    # A kept database already has its bootstrap token shown once; each run
    # takes a token of a connection of its own (a connection holds 3 at most).
    local conn="bench-$(date +%s)-$$"
    "$SCIMD" connection create --tenant default "$conn" --database "$db" >/dev/null
    token=$("$SCIMD" token create --tenant default --connection "$conn" --name bench \
      --database "$db" | tail -n 1)
  fi
  local keep=()
  if [ -n "$users" ]; then
    keep=(--users-file "$users")
    # A kept database that was seeded already goes straight to the other phases.
    if [ -s "$users" ]; then phases=$(echo ",$phases," | sed 's/,seed,/,/; s/^,//; s/,$//'); fi
  fi
  $PIN_LOAD "$LOADGEN" --base-url "http://127.0.0.1:$port/scim/v2" --token "$token" \
    -n "$N" -c 32 --pid "$pid" --phases "$phases" --label "scimd-$label" "${keep[@]}" \
    --json "$OUT/scimd-$label.json" "${EXTRA[@]}" | tee "$OUT/scimd-$label.txt"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  step "scimd on $label: start-up on the database just used"
  echo "startup_secs=$(startup_secs "$db")" | tee -a "$OUT/scimd-$label.txt"
}

if [ -n "$KEEP_DB" ]; then
  run_scimd sqlite "sqlite://$KEEP_DB" "$KEEP_DB.users"
else
  DB_DIR=$(mktemp -d)
  run_scimd sqlite "sqlite://$DB_DIR/bench.db"
  rm -rf "$DB_DIR"
fi
if [ -n "${SCIMD_BENCH_POSTGRES_URL:-}" ]; then
  run_scimd postgres "$SCIMD_BENCH_POSTGRES_URL"
fi

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
