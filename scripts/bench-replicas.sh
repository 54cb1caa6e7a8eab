#!/usr/bin/env bash
# Creates through 1 and 2 scimd replicas on one PostgreSQL cluster
# (docs/performance.md, "PostgreSQL replicas"). For each replica count: a
# fresh database, the replicas, one load generator per replica (32 ÷ N
# connections, USERS ÷ N users each, seed phase only), and
# pg_stat_activity sampled every 20 ms (active client backends of that
# database; at most 6 000 samples) to count lock waits. Loopback only;
# the database is dropped afterwards.
#
# Usage: scripts/bench-replicas.sh ADMIN_URL [-n USERS=6000] [-r COUNTS=1,2] [--scimd BIN]
#   ADMIN_URL: a superuser URL of the cluster (e.g. $SCIMD_TEST_POSTGRES_URL
#   after `source scripts/postgres.sh`).
set -euo pipefail
cd "$(dirname "$0")/.."
ADMIN="${1:?usage: scripts/bench-replicas.sh ADMIN_URL [-n USERS] [-r 1,2] [--scimd BIN]}"; shift
USERS=6000; COUNTS="1,2"; CARGO_TARGET="${CARGO_TARGET_DIR:-$PWD/target}"; SCIMD=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n) USERS="$2"; shift 2 ;;
    -r) COUNTS="$2"; shift 2 ;;
    --scimd) SCIMD="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$SCIMD" ]; then
  cargo build --release --quiet -p scimd
  SCIMD="$CARGO_TARGET/release/scimd"
fi
SCIMD="$(realpath "$SCIMD")"
CARGO_TARGET_DIR="$CARGO_TARGET/bench" cargo build --release --quiet --manifest-path bench/loadgen/Cargo.toml
LOADGEN="$CARGO_TARGET/bench/release/scim-loadgen"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 400); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
  echo "nothing listens on port $1" >&2; return 1
}
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

for R in ${COUNTS//,/ }; do
  DB="scimd_replicas_${R}_$$_$(date +%s)"
  psql "$ADMIN" -qc "CREATE DATABASE $DB" >/dev/null
  URL="${ADMIN%/*}/$DB"
  OUT=$(mktemp -d)
  PORTS=()
  for i in $(seq 1 "$R"); do
    p=$(free_port)
    (cd "$OUT" && SCIMD_LOG=warn exec "$SCIMD" serve --listen "127.0.0.1:$p" --database "$URL" \
      --rate-limit-token 0 --rate-limit-tenant 0 > "$OUT/scimd-$i.out" 2>&1) &
    PIDS+=($!); PORTS+=("$p")
    wait_port "$p"
  done
  for _ in $(seq 1 200); do [ -s "$OUT/first-token" ] && break; sleep 0.05; done
  TOKEN=$(grep -m1 '^scimd_' "$OUT/first-token")
  ( for _ in $(seq 1 6000); do
      [ -f "$OUT/done" ] && break
      psql "$ADMIN" -Atc "SELECT coalesce(wait_event_type, 'cpu') || ':' || coalesce(wait_event, '-')
        FROM pg_stat_activity WHERE datname = '$DB' AND state = 'active'
        AND backend_type = 'client backend' AND pid <> pg_backend_pid()" >> "$OUT/samples" 2>/dev/null || true
      sleep 0.02
    done ) &
  SAMPLER=$!
  LOADS=()
  for i in $(seq 1 "$R"); do
    "$LOADGEN" --base-url "http://127.0.0.1:${PORTS[$((i-1))]}/scim/v2" --token "$TOKEN" \
      -n $((USERS / R)) -c $((32 / R)) --phases seed --seed-secs 300 --label "replica-$i-of-$R" \
      > "$OUT/load-$i.txt" 2>&1 &
    LOADS+=($!)
  done
  for p in "${LOADS[@]}"; do wait "$p"; done
  touch "$OUT/done"; wait "$SAMPLER" || true
  printf '\n==> %s replica(s), %s users\n' "$R" "$USERS"
  grep -h '^seed' "$OUT"/load-*.txt
  total=$(wc -l < "$OUT/samples" || echo 0); locks=$(grep -c '^Lock:' "$OUT/samples" || true)
  echo "active-backend samples: $total, waiting on a lock: $locks"
  sort "$OUT/samples" | uniq -c | sort -rn | head -5
  cleanup; PIDS=()
  psql "$ADMIN" -qc "DROP DATABASE $DB WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$OUT"
done
