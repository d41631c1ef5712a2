#!/bin/sh
# The IPVS VM lab (tests/vm): qemu, a static busybox, and Debian's kernel with its modules
# unpacked (never installed) into $KA_VM_CACHE (default /var/cache/keepalived-vm).
# Idempotent: checks first, installs or downloads only what is missing.
set -eu

cache=${KA_VM_CACHE:-/var/cache/keepalived-vm}
need=
[ -x /usr/bin/qemu-system-x86_64 ] || need="$need qemu-system-x86"
# The initramfs needs a busybox with no shared libraries: Debian's busybox-static.
dpkg -s busybox-static >/dev/null 2>&1 || need="$need busybox-static"

updated=
if [ -n "$need" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    updated=yes
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $need
fi

if [ ! -e "$cache/kernel/ok" ]; then
    [ -n "$updated" ] || apt-get update -q
    # linux-image-amd64 is a metapackage: download the image it points at.
    img=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n 1)
    [ -n "$img" ] || { echo "ipvs.sh: cannot resolve linux-image-amd64" >&2; exit 1; }
    rm -rf "$cache/kernel" "$cache/dl"
    mkdir -p "$cache/dl" "$cache/kernel"
    (cd "$cache/dl" && apt-get download "$img")
    dpkg -x "$cache"/dl/*.deb "$cache/kernel"
    rm -rf "$cache/dl"
    echo "$img" >"$cache/kernel/ok"
fi
