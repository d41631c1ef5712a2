#!/usr/bin/env bash
# Prints the resident memory of every idle process of ours and of Debian's keepalived 2.2.7, both running the same
# config of COUNT vrrp_instances (default 1; VRIDs 1..COUNT on one link, all BACKUP), each in a network namespace of
# its own, in the same run. Needs root. tests/bench/pss.sh splits the same figure into PSS and private pages.
#
#   tests/bench/idle_rss.sh [OUR_BINARY]      (default: target/release/keepalived)
#   COUNT=100 tests/bench/idle_rss.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ours=${1:-target/release/keepalived}
theirs=/usr/sbin/keepalived
[ -x "$ours" ] || { echo "build first: cargo build --release" >&2; exit 2; }
[ -x "$theirs" ] || { echo "needs Debian's keepalived (apt-get install keepalived)" >&2; exit 2; }
# shellcheck source=tests/bench/idle.sh
. tests/bench/idle.sh

count=${COUNT:-1}
idle_setup
idle_conf "$count" 2 1
p_ours=$(idle_start "$ns_ours" "$ours" ours)
p_theirs=$(idle_start "$ns_theirs" "$theirs" kad)
idle_wait "$count" 1

rss() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
row() { # label pid
  local total=0 kb
  printf '%-22s' "$1"
  for p in $2 $(pgrep -P "$2" | sort -n); do
    kb=$(rss "$p"); total=$((total + kb))
    printf ' %s=%sKiB' "$(cat /proc/$p/comm 2>/dev/null)" "$kb"
  done
  printf '  total=%sKiB\n' "$total"
}
echo "idle VmRSS, $count vrrp_instance(s) as MASTER (advert_int 1); VIPs held: ours $(idle_vips "$ns_ours"), keepalived $(idle_vips "$ns_theirs")"
row "ours" "$p_ours"
row "keepalived $($theirs -v 2>&1 | head -1 | awk '{print $2}')" "$p_theirs"
ls -l "$ours" | awk '{printf "our binary: %s bytes (%s)\n", $5, $9}'
