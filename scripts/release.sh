#!/usr/bin/env bash
# Builds the static release binary: scimd for x86_64-unknown-linux-musl,
# fully static (no libc of any version needed), stripped, with a SHA-256
# file, and the context the container image is built from.
#
#   scripts/release.sh
#
# Installs what it needs when missing: musl-tools from apt (musl-gcc, for
# the bundled SQLite, ring and mimalloc, which are C) and the rustup target.
# Writes, under target/dist/:
#   scimd-VERSION-x86_64-unknown-linux-musl          the binary
#   scimd-VERSION-x86_64-unknown-linux-musl.sha256   its checksum (sha256sum -c)
#   image/                                           the image's build context for
#                                                    `--build-arg SCIMD_BINARY=prebuilt`:
#                                                    scimd, ca-certificates.crt, data/
# The commit `scimd --version` shows comes from git, or SCIMD_GIT_COMMIT.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET=x86_64-unknown-linux-musl
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
NAME="scimd-$VERSION-$TARGET"
DIST=target/dist
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

need_apt=()
command -v musl-gcc >/dev/null || need_apt+=(musl-tools)
[ -f /etc/ssl/certs/ca-certificates.crt ] || need_apt+=(ca-certificates)
command -v readelf >/dev/null || need_apt+=(binutils)
if [ "${#need_apt[@]}" -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! rustup target list --installed | grep -qx "$TARGET"; then
  rustup target add "$TARGET"
fi

started=$SECONDS
CC_x86_64_unknown_linux_musl=musl-gcc \
CARGO_PROFILE_RELEASE_STRIP=symbols \
  cargo build --release --locked --quiet --target "$TARGET" -p scimd
BIN="${CARGO_TARGET_DIR:-target}/$TARGET/release/scimd"

# Fully static: no program interpreter, no shared libraries.
if readelf -lW "$BIN" | grep -q 'INTERP' || readelf -dW "$BIN" | grep -q 'NEEDED'; then
  echo "release.sh: $BIN is not static" >&2
  readelf -dW "$BIN" | grep NEEDED >&2 || true
  exit 1
fi

mkdir -p "$DIST/image/data"
cp "$BIN" "$DIST/$NAME"
(cd "$DIST" && sha256sum "$NAME" > "$NAME.sha256" && sha256sum --quiet -c "$NAME.sha256")
cp "$BIN" "$DIST/image/scimd"
cp /etc/ssl/certs/ca-certificates.crt "$DIST/image/ca-certificates.crt"
# The database's directory in the image belongs to the image's user.
chmod 0750 "$DIST/image/data"

echo "$DIST/$NAME: $(stat -c %s "$DIST/$NAME") bytes, built in $((SECONDS - started)) s"
echo "  $("$DIST/$NAME" --version)"
echo "  sha256 $(cut -d' ' -f1 "$DIST/$NAME.sha256")"
