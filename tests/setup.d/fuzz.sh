#!/bin/sh
# tests/fuzz/run.sh: libfuzzer-sys compiles libFuzzer's C++ with the system's c++ (g++ will do,
# clang is not needed) and the runner isolates targets with unshare (util-linux).
set -e
if ! command -v g++ >/dev/null 2>&1 || ! command -v unshare >/dev/null 2>&1; then
    [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' 2>/dev/null | head -1)" ] || apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends g++ util-linux
fi
