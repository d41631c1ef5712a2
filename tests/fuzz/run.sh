#!/bin/sh
# Builds the fuzz targets and runs each for SECONDS (default 15) from its committed seeds;
# fails on any crash, which is kept in tests/fuzz/artifacts/TARGET/ for replay
# (`target/x86_64-unknown-linux-gnu/release/TARGET FILE`).
#   tests/fuzz/run.sh [SECONDS] [TARGET...]    a timed run (CI: the default)
#   RUNS=10000000 tests/fuzz/run.sh 0 vrrp     a run of RUNS executions instead (the long run)
# libfuzzer-sys builds on the stable toolchain: sanitizer coverage comes from LLVM's sancov
# pass and its options, and `--cfg fuzzing` compiles src/fuzzing.rs, the targets' entry points.
set -eu
cd "$(dirname "$0")"
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

secs=${1:-15}
[ $# -gt 0 ] && shift
targets=${*:-vrrp config netlink dialogs cli values bfd agentx}
# A triple given explicitly keeps the flags away from build scripts (they would not link).
triple=$(rustc -vV | sed -n 's/^host: //p')

export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cllvm-args=-sanitizer-coverage-stack-depth \
--cfg fuzzing"
cargo build --release --target "$triple" --bins

# No network for any target (the config target resolves smtp_server names); without root, in a
# user namespace of our own.
if [ "$(id -u)" = 0 ]; then isolate="unshare -n"; else isolate="unshare -r -n"; fi
# tmpfs: the config target writes its input to a file per run, and a disk makes that 10x slower.
scratch=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM
failed=
for t in $targets; do
    bin=target/$triple/release/$t
    [ -x "$bin" ] || { echo "fuzz: no target $t" >&2; exit 2; }
    # The corpus grows in scratch; the committed seeds stay as they are.
    mkdir -p "$scratch/corpus/$t" "artifacts/$t"
    if [ -n "${RUNS:-}" ]; then limit="-runs=$RUNS"; else limit="-max_total_time=$secs"; fi
    echo "==> fuzz $t ($limit)"
    if ! TMPDIR=$scratch $isolate "$bin" "$limit" -timeout=20 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="artifacts/$t/" "$scratch/corpus/$t" "seeds/$t" \
        >"$scratch/$t.log" 2>&1; then
        tail -n 40 "$scratch/$t.log" >&2
        failed="$failed $t"
    else
        grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|Done)' "$scratch/$t.log" || true
    fi
done
if [ -n "$failed" ]; then
    echo "fuzz: crashes in:$failed (inputs in tests/fuzz/artifacts/)" >&2
    exit 1
fi
