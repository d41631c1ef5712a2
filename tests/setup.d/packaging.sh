#!/bin/sh
# Packaging checks in tests/images.sh: the buildroot init script runs under BusyBox sh with BusyBox
# start-stop-daemon (busybox-static, shared with the IPVS VM lab); the .deb is built with dpkg-deb; the
# container's OCI layout is checked with jq.
set -e
missing=""
command -v busybox >/dev/null 2>&1 || missing="$missing busybox-static"
command -v dpkg-deb >/dev/null 2>&1 || missing="$missing dpkg"
command -v jq >/dev/null 2>&1 || missing="$missing jq"
[ -z "$missing" ] && exit 0
# shellcheck disable=SC2086 # $missing is a word list of package names
if ! apt-get install -y --no-install-recommends $missing; then
    apt-get update
    apt-get install -y --no-install-recommends $missing
fi
