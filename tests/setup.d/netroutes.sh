#!/bin/sh
# VMAC and routes labs: ip and bridge (iproute2), ping (iputils-ping) in the third host.
set -e
missing=""
command -v bridge >/dev/null 2>&1 || missing="$missing iproute2"
command -v ping >/dev/null 2>&1 || missing="$missing iputils-ping"
[ -z "$missing" ] && exit 0
if ! apt-get install -y --no-install-recommends $missing; then
    apt-get update
    apt-get install -y --no-install-recommends $missing
fi
