#!/usr/bin/env bash
# Runs every cross-built binary (target/cross/*/keepalived, or $CROSS_OUT/*/keepalived as build.sh
# writes it) under qemu-user (x86_64 natively):
# `-v` must exit 0 and print a version; `-t -f F` must exit 0 for every file in config/.
# The config checks run inside a private network namespace holding the interfaces the configs name.
#
#   cross/smoke.sh              # needs root (netns) and qemu-user-static
set -euo pipefail
cd "$(dirname "$0")/.."

NS=kacross-smoke-$$
fail=0

cleanup() { ip netns del "$NS" 2>/dev/null || true; }
trap cleanup EXIT

# Which qemu-user runs a target; empty means native.
runner() {
  case "$1" in
    x86_64-*) echo "" ;;
    aarch64-*) echo qemu-aarch64-static ;;
    armv7-*|arm-*) echo qemu-arm-static ;;
    mipsel-*) echo qemu-mipsel-static ;;
    mips-*) echo qemu-mips-static ;;
    *) echo "smoke.sh: no runner for $1" >&2; return 1 ;;
  esac
}

# Interfaces named by `interface X` / `dev X` in the configs (eth0 at least).
ifaces=$( { echo eth0; grep -hoE '\b(interface|dev)[[:space:]]+[A-Za-z0-9_.-]+' config/*.conf | awk '{print $2}'; } | sort -u)

ip netns add "$NS"
ip -n "$NS" link set lo up
for i in $ifaces; do
  case "$i" in
    *.*) ip -n "$NS" link add link "${i%%.*}" name "$i" type vlan id "${i#*.}" ;;
    *) ip -n "$NS" link add "$i" type veth peer name "$i-p" && ip -n "$NS" link set "$i-p" up ;;
  esac
  ip -n "$NS" link set "$i" up
done

shopt -s nullglob
out=${CROSS_OUT:-target/cross}
bins=("$out"/*/keepalived)
[ ${#bins[@]} -gt 0 ] || { echo "smoke.sh: no binaries in $out/*/keepalived (run cross/build.sh)" >&2; exit 1; }

for b in "${bins[@]}"; do
  t=$(basename "$(dirname "$b")")
  q=$(runner "$t")
  if [ -n "$q" ] && ! command -v "$q" >/dev/null; then
    echo "FAIL $t: $q not installed (apt-get install qemu-user-static)"; fail=1; continue
  fi
  if out=$($q "$b" -v 2>&1) && grep -qiE '[0-9]+\.[0-9]+' <<<"$out"; then
    echo "ok   $t -v: $(head -1 <<<"$out")"
  else
    echo "FAIL $t -v (rc/output): $out"; fail=1
  fi
  for c in config/*.conf; do
    if out=$(ip netns exec "$NS" $q "$b" -t -l -f "$c" 2>&1); then
      echo "ok   $t -t $c"
    else
      echo "FAIL $t -t $c (rc $?):"; sed 's/^/     /' <<<"$out"; fail=1
    fi
  done
done

[ "$fail" = 0 ] && echo "smoke: all passed" || echo "smoke: FAILED"
exit "$fail"
