#!/bin/sh
# Firewall labs: nft (Debian package nftables) reads the ruleset; ping (iputils-ping) in the
# third host.
set -e
missing=""
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || missing="$missing nftables"
command -v ping >/dev/null 2>&1 || missing="$missing iputils-ping"
[ -z "$missing" ] && exit 0
if ! apt-get install -y --no-install-recommends $missing; then
    apt-get update
    apt-get install -y --no-install-recommends $missing
fi
