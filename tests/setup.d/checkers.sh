#!/bin/sh
# tests/checkers.rs runs its real servers with python3 (TCP and UDP, from the standard library).
set -e
if ! command -v python3 >/dev/null 2>&1; then
    [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' 2>/dev/null | head -1)" ] || apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3
fi
