#!/bin/sh
# checkproto tests (tests/check_dialogs.rs, tests/genhash.rs): openssl s_server for SSL_GET,
# dnsmasq for DNS_CHECK, keepalived's genhash as the reference, python3 for http.server.
set -eu
missing=""
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
command -v dnsmasq >/dev/null 2>&1 || missing="$missing dnsmasq-base"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
[ -n "$missing" ] || exit 0
if [ "$(id -u)" != 0 ]; then
    echo "setup.d/checkproto.sh: missing$missing and not root" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# An install right after a fresh boot may find no package lists yet.
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 || {
    apt-get update -q
    apt-get install -y -q --no-install-recommends $missing
}
