#!/bin/sh
# Writes keepalived-rs.hash for a release: the sha256 of the archive buildroot made when it
# downloaded and vendored the sources (name ends in its cargo format, -cargo2 or -cargo4 with
# the buildroot release), found in its download directory after
#   make keepalived-rs-source BR_NO_CHECK_HASH_FOR="keepalived-rs-VERSION-cargoN.tar.gz"
#
#   image/buildroot/update-hash.sh DL_DIR/keepalived-rs/keepalived-rs-VERSION-cargoN.tar.gz
set -eu
if [ $# != 1 ] || [ ! -f "$1" ]; then
	echo "usage: $0 BUILDROOT_DL_DIR/keepalived-rs/keepalived-rs-VERSION-cargoN.tar.gz" >&2
	exit 2
fi
sum=$(sha256sum "$1" | cut -d' ' -f1)
{
	echo "# Locally calculated (image/buildroot/update-hash.sh)"
	printf 'sha256  %s  %s\n' "$sum" "$(basename "$1")"
} >"$(dirname "$0")/keepalived-rs.hash"
