#!/bin/sh
# Firewall labs: nft (Debian package nftables) reads the ruleset; ping (iputils-ping) in the
# third host; python3 joins a multicast group on a VMAC (tshark comes from setup.sh).
set -e
missing=""
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || missing="$missing nftables"
command -v ping >/dev/null 2>&1 || missing="$missing iputils-ping"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
[ -z "$missing" ] && exit 0
# shellcheck disable=SC2086 # $missing is a word list of package names
if ! apt-get install -y --no-install-recommends $missing; then
    apt-get update
    apt-get install -y --no-install-recommends $missing
fi
