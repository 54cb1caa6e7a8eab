#!/usr/bin/env bash
# Smoke tests of the release artifacts, as a person with only the binary or
# only a container engine would use them: start scimd on a new database,
# read the first token, create a user with curl and find it again.
#
#   scripts/smoke.sh binary FILE     the static binary, copied alone into an empty directory
#   scripts/smoke.sh image [TAG]     builds the image from target/dist/image (scripts/release.sh)
#                                    with podman and runs it
#
# Loopback only, every wait bounded. On these test machines podman runs
# containers with runc, host networking and lowered ulimits (see
# docs/deploy.md); the image itself needs none of that.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:?usage: smoke.sh binary FILE | image [TAG]}"
WORK="$(mktemp -d)"
PID=""
CONTAINER=""
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  [ -n "$CONTAINER" ] && podman rm -f "$CONTAINER" >/dev/null 2>&1
  return 0
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "smoke.sh: $*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for FILE PATTERN: until a line of FILE matches (20 s).
wait_for() {
  for _ in $(seq 1 200); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$1" >&2 || true
  fail "no \"$2\" in $1"
}

# provision BASE TOKEN: creates a user through the API and finds it.
provision() {
  local base="$1" token="$2" code id
  code=$(curl -sS -o "$WORK/created.json" -w '%{http_code}' -X POST "$base/Users" \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/scim+json' \
    -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"alex@example.com",
         "name":{"givenName":"Alex","familyName":"Doe"},
         "emails":[{"value":"alex@example.com","type":"work","primary":true}]}')
  [ "$code" = 201 ] || { cat "$WORK/created.json" >&2; fail "POST /Users answered $code"; }
  id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$WORK/created.json")
  curl -sS -f "$base/Users?filter=userName%20eq%20%22alex@example.com%22" \
    -H "Authorization: Bearer $token" > "$WORK/found.json"
  python3 - "$WORK/found.json" "$id" <<'PY'
import json, sys
found = json.load(open(sys.argv[1]))
assert found["totalResults"] == 1, found
assert found["Resources"][0]["id"] == sys.argv[2], found
PY
  echo "created and found user $id through $base"
}

case "$MODE" in
binary)
  FILE="${2:?smoke.sh binary FILE}"
  cp "$FILE" "$WORK/scimd"
  cd "$WORK"
  ./scimd --version | grep -q '^scimd .* (commit [0-9a-f]\{12\})$' \
    || fail "--version names no commit: $(./scimd --version)"
  PORT=$(free_port)
  ./scimd serve --listen "127.0.0.1:$PORT" --ops-listen 127.0.0.1:0 >out 2>err &
  PID=$!
  wait_for out "scimd listening on"
  BASE=$(sed -n 's/^scimd listening on //p' out)
  # Stdout is a file, not a terminal: the token is in ./first-token (0600).
  [ "$(stat -c %a first-token)" = 600 ] || fail "first-token is not mode 0600"
  provision "$BASE" "$(cat first-token)"
  OPS=$(sed -n 's/^scimd operations on \([^ ]*\).*/\1/p' out)
  curl -sS -f "$OPS/metrics" > metrics
  grep -q '^scimd_build_info{' metrics || fail "no scimd_build_info"
  ./scimd healthcheck --listen "127.0.0.1:$PORT" >/dev/null || fail "healthcheck failed"
  ./scimd backup --to backup.db >/dev/null
  [ "$(./scimd check --database backup.db)" = ok ] || fail "the backup fails its check"
  ;;
image)
  TAG="${2:-scimd:smoke}"
  command -v podman >/dev/null || fail "podman is not installed"
  [ -x target/dist/image/scimd ] || fail "run scripts/release.sh first"
  # Docker format keeps the HEALTHCHECK (OCI has no such field).
  podman build --quiet --format docker --build-arg SCIMD_BINARY=prebuilt \
    -t "$TAG" -f Dockerfile target/dist/image >/dev/null
  # What the image declares.
  podman image inspect "$TAG" --format '{{.Config.User}} {{json .Config.Volumes}} {{json .Config.ExposedPorts}} {{json .Config.Healthcheck.Test}}' > "$WORK/inspect"
  grep -q '^65532:65532 ' "$WORK/inspect" || fail "not a non-root user: $(cat "$WORK/inspect")"
  grep -q '"/var/lib/scimd"' "$WORK/inspect" || fail "no volume: $(cat "$WORK/inspect")"
  grep -q '"8080/tcp"' "$WORK/inspect" || fail "port 8080 not exposed"
  grep -q 'healthcheck' "$WORK/inspect" || fail "no HEALTHCHECK: $(cat "$WORK/inspect")"
  mkdir -p "$WORK/data"
  chown 65532:65532 "$WORK/data"
  PORT=$(free_port)
  OPS_PORT=$(free_port)
  CONTAINER="scimd-smoke-$$"
  podman --runtime runc run -d --name "$CONTAINER" --network host \
    --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
    -e SCIMD_LISTEN="127.0.0.1:$PORT" -e SCIMD_OPS_LISTEN="127.0.0.1:$OPS_PORT" \
    -v "$WORK/data:/var/lib/scimd" "$TAG" >/dev/null 2>"$WORK/podman.err" \
    || { cat "$WORK/podman.err" >&2; fail "podman run failed"; }
  for _ in $(seq 1 200); do
    podman logs "$CONTAINER" > "$WORK/out" 2>&1 || true
    grep -q "scimd listening on" "$WORK/out" && break
    sleep 0.1
  done
  wait_for "$WORK/out" "scimd listening on"
  BASE=$(sed -n 's/^scimd listening on //p' "$WORK/out")
  # The volume holds the database and the token, owned by the image's user.
  [ -f "$WORK/data/first-token" ] || fail "no first-token in the volume: $(cat "$WORK/out")"
  [ "$(stat -c '%u %a' "$WORK/data/first-token")" = "65532 600" ] \
    || fail "first-token: $(stat -c '%u %a' "$WORK/data/first-token")"
  provision "$BASE" "$(cat "$WORK/data/first-token")"
  # (Without systemd podman cannot schedule the check; it runs it on demand.)
  podman healthcheck run "$CONTAINER" >/dev/null 2>>"$WORK/podman.err" \
    || { cat "$WORK/podman.err" >&2; fail "the HEALTHCHECK fails"; }
  curl -sS -f "http://127.0.0.1:$OPS_PORT/metrics" > "$WORK/metrics"
  grep -q '^process_resident_memory_bytes ' "$WORK/metrics" \
    || fail "no process metrics on the operations port"
  [ "$(podman exec "$CONTAINER" scimd check)" = ok ] || fail "scimd check in the container"
  podman stop -t 30 "$CONTAINER" >/dev/null 2>>"$WORK/podman.err"
  [ "$(podman inspect "$CONTAINER" --format '{{.State.ExitCode}}')" = 0 ] \
    || fail "scimd did not exit 0 on SIGTERM"
  ;;
*)
  fail "unknown mode $MODE"
  ;;
esac
echo "smoke test ($MODE): ok"
