#!/bin/sh
# Builds the IPVS VM's base initramfs: busybox, Debian's ip_vs modules with their dependencies
# (and a modules.dep for them), and /init. The kernel comes from tests/setup.d/ipvs.sh.
#   tests/vm/initramfs.sh CACHE OUT.cpio.gz
# The test harness appends a second archive per run (our binary, the config, the steps).
set -eu

cache=$1
out=$2
kroot=$cache/kernel
kver=$(ls "$kroot/lib/modules")
bb=/bin/busybox
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The full tree's dependency list, made once (the package ships none; busybox's depmod makes it).
if [ ! -s "$kroot/lib/modules/$kver/modules.dep" ]; then
    "$bb" depmod -b "$kroot" "$kver"
fi
dep=$kroot/lib/modules/$kver/modules.dep

# Every IPVS module, the crc32c that libcrc32c asks the crypto API for, and all they need.
want=$(sed -n 's#^\(kernel/net/netfilter/ipvs/[^:]*\):.*#\1#p' "$dep")
want="$want $(sed -n 's#^\(kernel/crypto/crc32c_generic.ko[^:]*\):.*#\1#p' "$dep")"
all=""
for m in $want; do
    all="$all $m $(sed -n "s#^$m: *##p" "$dep")"
done

root=$work/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/run" \
    "$root/etc/keepalived" "$root/lib/modules/$kver"
for m in $all; do
    mkdir -p "$root/lib/modules/$kver/$(dirname "$m")"
    cp "$kroot/lib/modules/$kver/$m" "$root/lib/modules/$kver/$m"
done
"$bb" depmod -b "$root" "$kver"
cp "$bb" "$root/bin/busybox"

cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
mount -t tmpfs run /run
mkdir -p /var && ln -s /run /var/run
# Schedulers load on demand through the kernel's modprobe helper.
echo /bin/modprobe >/proc/sys/kernel/modprobe
modprobe crc32c_generic
modprobe ip_vs || echo "VM-ERROR modprobe ip_vs"
ip link set lo up
echo "VM-READY $(uname -r)"
sh /steps.sh </dev/null 2>&1
echo "VM-DONE rc=$?"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | "$bb" cpio -o -H newc 2>/dev/null | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
