#!/bin/sh
# BFD labs (tests/bfd_frr.rs): FRR's bfdd (Debian's frr package, 8.4 on bookworm) as an
# independent BFD peer; python3 crafts packets in tests/bfd_hostile.rs.
set -eu
missing=""
[ -x /usr/lib/frr/bfdd ] || missing="$missing frr"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
[ -n "$missing" ] || exit 0
if [ "$(id -u)" != 0 ]; then
    echo "setup.d/bfd.sh: missing$missing and not root" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# An install right after a fresh boot may find no package lists yet. The package's own
# service stays off: each lab runs bfdd alone in its namespace.
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 || {
    apt-get update -q
    apt-get install -y -q --no-install-recommends $missing
}
if command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now frr >/dev/null 2>&1 || true
fi
