# syntax=docker/dockerfile:1
# scimd's container image: the static scimd binary and CA certificates on
# an empty base, running as a non-root user, with the SQLite database in a
# volume. Two ways to build the same image:
#
#   From source (pulls the Rust image; any Docker or Podman with registry access):
#     docker build -t scimd:0.1.0 --build-arg SCIMD_GIT_COMMIT=$(git rev-parse --short=12 HEAD) .
#
#   From the static binary of scripts/release.sh (no base image to pull;
#   what scripts/test.sh does):
#     scripts/release.sh
#     podman build --format docker --build-arg SCIMD_BINARY=prebuilt -t scimd:0.1.0 -f Dockerfile target/dist/image
#
# Run (the first start writes its token to /var/lib/scimd/first-token, or
# prints it with -it):
#     docker run -it --rm -p 8080:8080 -v scimd-data:/var/lib/scimd scimd:0.1.0
# Configuration: the SCIMD_* variables of README.md (SCIMD_PUBLIC_URL, or
# SCIMD_DATABASE_URL_FILE=/run/secrets/… for PostgreSQL). /metrics and the
# health endpoints also answer on port 9090 (the operations listener).

# Which stage provides /out/scimd and /out/ca-certificates.crt.
ARG SCIMD_BINARY=source
ARG RUST_VERSION=1.95

FROM docker.io/library/rust:${RUST_VERSION}-bookworm AS source
WORKDIR /src
COPY . .
ARG SCIMD_GIT_COMMIT=unknown
RUN SCIMD_GIT_COMMIT="${SCIMD_GIT_COMMIT}" scripts/release.sh \
 && mkdir -p /out && cp -r target/dist/image/. /out/

FROM scratch AS prebuilt
COPY scimd ca-certificates.crt /out/
COPY data /out/data

FROM ${SCIMD_BINARY} AS binary

FROM scratch
COPY --from=binary /out/scimd /usr/local/bin/scimd
COPY --from=binary /out/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=binary --chown=65532:65532 /out/data /var/lib/scimd
ENV SCIMD_LISTEN=0.0.0.0:8080 \
    SCIMD_OPS_LISTEN=0.0.0.0:9090 \
    SCIMD_DATABASE_URL=sqlite:///var/lib/scimd/scimd.db \
    SCIMD_LOG_FORMAT=json \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    HOME=/var/lib/scimd
USER 65532:65532
WORKDIR /var/lib/scimd
VOLUME ["/var/lib/scimd"]
EXPOSE 8080 9090
HEALTHCHECK --interval=30s --timeout=6s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/scimd", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/scimd"]
CMD ["serve"]
