#!/usr/bin/env bash
# Builds stripped static musl binaries of keepalived for router targets.
#
# rustup cannot fetch std for other targets here, so the toolchain is Debian's rustc-web/cargo-web with
# rust-web-src (std rebuilt with -Z build-std) and zig (PyPI) as the musl C toolchain and linker.
#
#   cross/build.sh                 # every target
#   cross/build.sh x86_64-unknown-linux-musl armv7-unknown-linux-musleabihf
#   SETUP=0 cross/build.sh ...     # skip the toolchain install
#
# Output: target/cross/<target>/keepalived and a size table on stdout.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_TARGETS="x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf mips-unknown-linux-musl mipsel-unknown-linux-musl"
targets=${*:-$ALL_TARGETS}

setup() {
  if ! /usr/bin/cargo --version 2>/dev/null | grep -q '^cargo 1\.9[6-9]'; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc-web cargo-web rust-web-src >/dev/null
  fi
  if ! command -v cargo-zigbuild >/dev/null || ! python3 -c 'import ziglang' 2>/dev/null; then
    python3 -m pip install -q ziglang cargo-zigbuild
  fi
}

[ "${SETUP:-1}" = 0 ] || setup

export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
# zig provides the musl C runtime and linker; Rust's self-contained crt objects are not shipped by Debian.
export RUSTFLAGS="-C link-self-contained=no --remap-path-prefix=$PWD=. ${EXTRA_RUSTFLAGS:-}"
export CARGO_TARGET_DIR=target/cross-build
export SOURCE_DATE_EPOCH=0

printf '%-34s %10s\n' target bytes
for t in $targets; do
  /usr/bin/cargo zigbuild --release --locked -q -Z build-std=std,panic_abort --target "$t" ${CARGO_FEATURES:+--features "$CARGO_FEATURES"}
  mkdir -p "target/cross/$t"
  cp "$CARGO_TARGET_DIR/$t/release/keepalived" "target/cross/$t/keepalived"
  printf '%-34s %10d\n' "$t" "$(stat -c %s "target/cross/$t/keepalived")"
done
