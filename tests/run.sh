#!/bin/sh
# The project's whole test: setup, format, lints, build, tests. Non-zero on any failure.
# In CI (CI=true) tests that lack root or tools fail instead of printing SKIPPED.
set -eu
cd "$(dirname "$0")/.."

[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
export CI="${CI:-false}"
export RUST_BACKTRACE=1

# Each step with the time it starts: where CI's minutes go (its budget is 45).
step() { echo "==> $* ($(date -u +%T))"; }

step setup;  tests/setup.sh
step fmt;    cargo fmt --check
# No two modules may import each other (DESIGN.md), at any depth of the module tree.
step layers; for d in 1 2 3; do python3 tests/layers.py src "$d" --no-tests; done
step clippy; cargo clippy --all-targets -- -D warnings
step build;  cargo build
# A build without SNMP (--no-default-features, cross/build.sh SNMP=0) must lint and its unit tests pass.
step nosnmp; cargo clippy --all-targets --no-default-features -- -D warnings
             cargo test --lib --no-default-features
step images; tests/images.sh
# Labs serialise themselves on a file lock (tests/lab/mod.rs), so test binaries may run in parallel threads.
step test;   cargo test --no-fail-fast
# Fuzzing (tests/fuzz/, its own crate): builds the targets and runs each 15 s from its committed
# seeds; a crash fails the step and is kept in tests/fuzz/artifacts/. The long run: tests/README.md.
step fuzz;   tests/fuzz/run.sh 15
# SSL_GET is behind the tls feature (rustls): lint it and run the checker tests that use it.
step tls;    cargo clippy --all-targets --features tls -- -D warnings
             cargo test --features tls --lib check:: --test check_dialogs --test genhash
             cargo test --features tls --test checkers_proto ssl_get
# Static musl builds for the router targets (the toolchain is installed by cross/build.sh), the size
# budget, qemu-user smoke tests and a VRRP lab between the big-endian MIPS and the x86_64 binaries.
# CROSS=0 skips it for a quick local run; CI always runs it.
if [ "${CROSS:-1}" != 0 ] || [ "$CI" = true ]; then step cross; cross/ci.sh; fi
echo "==> all passed"
