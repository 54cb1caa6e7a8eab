# A throwaway PostgreSQL cluster for the test suite; source it (scripts/test.sh does).
# Installs PostgreSQL from apt when /usr/lib/postgresql/*/bin/initdb is missing,
# runs initdb in a temp dir (as the postgres user when running as root, since
# initdb refuses root), starts the server on a free loopback port, stops it and
# removes the directory on exit (trap), and exports:
#   SCIMD_TEST_POSTGRES_URL  admin URL of the cluster (tests create a database each)
#   SCIMD_REQUIRE_POSTGRES=1 Postgres tests fail instead of skipping without it
#   SCIMD_PG_BIN             the cluster's bin directory (createdb, psql)
#   SCIMD_TEST_POSTGRES_CA   the CA (PEM) of the cluster's TLS certificate
# The cluster serves TLS (ssl=on) with a certificate for localhost and
# 127.0.0.1 signed by a throwaway CA made here with openssl; plain
# connections stay allowed (the tests pick with sslmode).

pg_find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

pg_stop() {
  if [ -n "${SCIMD_PG_DIR:-}" ] && [ -d "$SCIMD_PG_DIR" ]; then
    pg_as "$SCIMD_PG_BIN/pg_ctl" -D "$SCIMD_PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$SCIMD_PG_DIR"
  fi
}

# Runs a command as the postgres user when we are root.
pg_as() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A CA and a server certificate (localhost, 127.0.0.1) signed by it, in $1.
pg_tls() {
  local dir="$1"
  if ! command -v openssl >/dev/null; then
    local SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
  fi
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 7 \
    -subj "/CN=scimd test CA" -keyout "$dir/ca.key" -out "$dir/ca.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=localhost" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' >"$dir/ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 7 -extfile "$dir/ext" -out "$dir/server.crt" 2>/dev/null
  chmod 600 "$dir/server.key"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
  chmod 644 "$dir/ca.crt"
  export SCIMD_TEST_POSTGRES_CA="$dir/ca.crt"
}

pg_start() {
  local bin SUDO=""
  # As scripts/test.sh: apt-get through sudo when not root.
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  bin="$(pg_find_bin)"
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "PostgreSQL is missing: installing it from apt"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bin="$(pg_find_bin)"
  fi
  export SCIMD_PG_BIN="$bin"
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    $SUDO useradd --system --home /var/lib/postgresql postgres
  fi
  SCIMD_PG_DIR="$(mktemp -d /tmp/scimd-pg.XXXXXX)"
  export SCIMD_PG_DIR
  chmod 755 "$SCIMD_PG_DIR"
  mkdir -m 700 "$SCIMD_PG_DIR/data"
  [ "$(id -u)" = 0 ] && chown -R postgres "$SCIMD_PG_DIR"
  trap pg_stop EXIT
  pg_as "$bin/initdb" -D "$SCIMD_PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  pg_tls "$SCIMD_PG_DIR/tls"
  local port
  port="$(pg_free_port)"
  # Durability is the cluster's, not the code's, concern in tests: fsync off.
  pg_as "$bin/pg_ctl" -D "$SCIMD_PG_DIR/data" -l "$SCIMD_PG_DIR/log" -w start \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$SCIMD_PG_DIR -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c ssl=on -c ssl_cert_file=$SCIMD_PG_DIR/tls/server.crt -c ssl_key_file=$SCIMD_PG_DIR/tls/server.key" >/dev/null
  export SCIMD_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  export SCIMD_REQUIRE_POSTGRES=1
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($SCIMD_PG_DIR)"
}

pg_start
