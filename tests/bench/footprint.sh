#!/usr/bin/env bash
# Issue 16's footprint table in one command: every row, ours beside keepalived 2.2.7, each from the
# script that owns it. The size rows come from the router binaries of cross/build.sh (BUILD=1 builds
# them first, with the armv7 tls variant: ~15 min on 2 shared cores); the PSS, CPU and checker rows
# from tests/bench/pss.sh, vrrp_cpu.sh and checkers_vm.sh, each skipped with a line when it is not
# there. Needs root for the lab rows; the checker rows boot the IPVS VM (tests/vm).
#
#   tests/bench/footprint.sh [OUR_BINARY]    (lab rows; default: the static x86_64 musl binary from
#                                             cross/build.sh if built, else target/release/keepalived)
#   BUILD=1 tests/bench/footprint.sh         (cross/build.sh every target first, TLS=1 for armv7)
#   ONLY=size tests/bench/footprint.sh       (the size rows only; ONLY=lab: the others only)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${CROSS_OUT:-target/cross}
theirs=/usr/sbin/keepalived
only=${ONLY:-all}

if [ "${BUILD:-0}" = 1 ]; then
  cross/build.sh
  TLS=1 SETUP=0 cross/build.sh armv7-unknown-linux-musleabihf
fi

size_of() { if [ -f "$1" ]; then echo "$(stat -c %s "$1") B"; else echo "(not built)"; fi; }
row() { printf '| %s | %s | %s |\n' "$1" "$2" "$3"; }

if [ "$only" != lab ]; then
  # keepalived 2.2.7 as Debian ships it: the binary and the shared libraries it loads.
  libs=$(ldd "$theirs" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' | sort -u)
  nlibs=$(wc -l <<<"$libs")
  libbytes=$(xargs -r stat -L -c %s <<<"$libs" | awk '{ s += $1 } END { print s + 0 }')
  theirs_size="$(stat -c %s "$theirs") B (x86_64) + $nlibs shared libraries ($libbytes B)"
  arm=armv7-unknown-linux-musleabihf
  echo "## Size (stripped static binaries from cross/build.sh)"
  row figure ours "keepalived 2.2.7"
  row --- --- ---
  row "armv7 static binary, no TLS" "$(size_of "$out/$arm/keepalived")" "$theirs_size"
  row "mips / mipsel" "$(size_of "$out/mips-unknown-linux-musl/keepalived") / $(size_of "$out/mipsel-unknown-linux-musl/keepalived")" -
  row "x86_64 musl / aarch64" "$(size_of "$out/x86_64-unknown-linux-musl/keepalived") / $(size_of "$out/aarch64-unknown-linux-musl/keepalived")" -
  if [ -f "$out-tls/$arm/keepalived" ] && [ -f "$out/$arm/keepalived" ]; then
    tls="+$(($(stat -c %s "$out-tls/$arm/keepalived") - $(stat -c %s "$out/$arm/keepalived"))) B"
  else
    tls="(not built: TLS=1 cross/build.sh $arm)"
  fi
  row "TLS delta (armv7)" "$tls" "(OpenSSL: shared)"
  arm_xz="(not built)"
  [ -f "$out/$arm/keepalived" ] && arm_xz="$(xz -9e -T1 -c "$out/$arm/keepalived" | wc -c) B"
  row "xz -9e armv7" "$arm_xz" "$(xz -9e -T1 -c "$theirs" | wc -c) B (x86_64 binary alone, no libraries)"
  echo
  # The budgets and every target's xz size; a budget failure is reported, not fatal, here.
  cross/check-size.sh || true
  echo
fi

[ "$only" = size ] && exit 0
ours=${1:-}
if [ -z "$ours" ]; then
  ours=target/release/keepalived
  [ -x "$out/x86_64-unknown-linux-musl/keepalived" ] && ours=$out/x86_64-unknown-linux-musl/keepalived
fi
echo "## Lab rows, ours: $ours"
for s in pss vrrp_cpu checkers_vm; do
  script=tests/bench/$s.sh
  if [ -x "$script" ]; then
    echo "### $script"
    "$script" "$ours" || echo "footprint: $script failed (exit $?)"
  else
    echo "footprint: $script is not there yet - its rows are skipped"
  fi
  echo
done
