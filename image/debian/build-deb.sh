#!/bin/sh
# Builds a keepalived .deb that is Debian's keepalived 2.2.7 package with our binary in place of
# /usr/sbin/keepalived (and /usr/bin/genhash a link to it): same package name, paths, unit,
# init script, maintainer scripts and conffiles, so `dpkg -i` swaps the daemon and nothing else.
#
#   image/debian/build-deb.sh BINARY OUT.deb [DEBIAN_KEEPALIVED.deb]
#
# The Debian files come from DEBIAN_KEEPALIVED.deb (e.g. `apt-get download keepalived`) or, without
# it, from the installed keepalived package, whose conffiles must then be unmodified.
set -eu

[ $# -ge 2 ] || {
	echo "usage: $0 BINARY OUT.deb [DEBIAN_KEEPALIVED.deb]" >&2
	exit 2
}
bin=$1
out=$2
src=${3:-}
[ -x "$bin" ] || {
	echo "$0: $bin: not an executable" >&2
	exit 1
}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -p "$root/DEBIAN"

if [ -n "$src" ]; then
	dpkg-deb -R "$src" "$root"
else
	info=/var/lib/dpkg/info
	[ "$(dpkg-query -W -f '${Status}' keepalived 2>/dev/null)" = "install ok installed" ] || {
		echo "$0: keepalived is not installed here; give Debian's keepalived .deb as third argument" >&2
		exit 1
	}
	dpkg-query -W -f '${Conffiles}\n' keepalived | while read -r f sum rest; do
		[ -n "$f" ] || continue
		# a conffile edited by the admin would be shipped as the package's default
		if [ -n "$rest" ] || [ "$(md5sum <"$f" | cut -d' ' -f1)" != "$sum" ]; then
			echo "$0: $f differs from Debian's; give Debian's keepalived .deb as third argument" >&2
			exit 1
		fi
	done
	dpkg-query -L keepalived | while read -r p; do
		[ "$p" = /. ] && continue
		# a directory, also where merged /usr makes /lib a link: the package lists it as a directory
		if [ -d "$p" ]; then
			mkdir -p "$root$p"
		else
			cp -a "$p" "$root$p"
		fi
	done
	for s in preinst postinst prerm postrm conffiles; do
		[ -e "$info/keepalived.$s" ] && cp -a "$info/keepalived.$s" "$root/DEBIAN/$s"
	done
	dpkg-query -s keepalived | grep -vE '^(Status|Installed-Size|Conffiles|Depends):|^ /' >"$root/DEBIAN/control"
fi

ctl=$root/DEBIAN/control
grep -qx 'Package: keepalived' "$ctl" || {
	echo "$0: not a keepalived package" >&2
	exit 1
}
rs=$(sed -n 's/^version = "\(.*\)"/\1/p' "$(dirname "$0")/../../Cargo.toml" | head -n 1)

install -m 0755 "$bin" "$root/usr/sbin/keepalived"
rm -f "$root/usr/bin/genhash"
ln -s ../sbin/keepalived "$root/usr/bin/genhash"

# The C daemon's shared libraries are no longer needed: depend on what our binary links, if anything.
deps=iproute2
if ldd "$bin" >/dev/null 2>&1; then
	for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
		# dpkg's database names the path as installed, before or after merged /usr
		p=$({ dpkg-query -S "$lib" || dpkg-query -S "$(readlink -f "$lib")"; } 2>/dev/null | cut -d: -f1 | head -n 1)
		[ -z "$p" ] || deps="$deps, $p"
	done
	deps=$(echo "$deps" | tr -d ' ' | tr ',' '\n' | awk '!seen[$0]++' | sed 's/^libc6$/libc6 (>= 2.34)/' | paste -sd, | sed 's/,/, /g')
fi
ver=$(sed -n 's/^Version: //p' "$ctl")
awk -v deps="$deps" -v ver="$ver+rs$rs" -v isz="$(du -sk --exclude=DEBIAN "$root" | cut -f1)" '
	/^Depends:/ { next }
	/^Version:/ { print "Version: " ver; print "Depends: " deps; next }
	/^Installed-Size:/ { next }
	/^Description:/ { print "Installed-Size: " isz }
	{ print }' "$ctl" >"$ctl.new"
mv "$ctl.new" "$ctl"

# md5sums of every shipped file but the conffiles, as dh_md5sums writes it
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort |
	while read -r f; do
		grep -qxF "/$f" DEBIAN/conffiles 2>/dev/null || md5sum "$f"
	done) >"$root/DEBIAN/md5sums"

# DEB_COMPRESSION=gzip (or none) builds faster, for tests
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" -b "$root" "$out" >/dev/null
echo "$out: keepalived $ver+rs$rs"
