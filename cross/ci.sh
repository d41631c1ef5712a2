#!/usr/bin/env bash
# CI entry point for the router targets: build all, size budget, qemu-user smoke, MIPS/x86_64 VRRP lab,
# the image checks with the static x86_64 binary.
# Needs root (network namespaces) and qemu-user-static; ~10 minutes on 2 cores, most of it building.
# Non-zero on the first failure.
#
#   cross/ci.sh                 # SETUP=0 skips the toolchain install in build.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step with the time it starts, as tests/run.sh: where CI's minutes go.
step() { echo "==> cross: $* ($(date -u +%T))"; }
step build;      cross/build.sh
step tls;        TLS=1 SETUP=0 cross/build.sh armv7-unknown-linux-musleabihf
step size;       cross/check-size.sh
step smoke;      cross/smoke.sh
step lab;        cross/lab.sh
# The container images' entrypoint runs in the image's own root only with a static binary: the
# image checks, and the image's entrypoint paired with keepalived 2.2.7 (tests/container_env.rs).
step images;     KEEPALIVED_BIN=target/cross/x86_64-unknown-linux-musl/keepalived tests/images.sh
                 KEEPALIVED_STATIC_BIN=target/cross/x86_64-unknown-linux-musl/keepalived cargo test --test container_env image_entrypoint
echo "==> cross: all passed"
