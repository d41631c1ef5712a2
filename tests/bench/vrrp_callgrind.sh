#!/usr/bin/env bash
# Instructions per advert received by our VRRP child as BACKUP, counted by callgrind: COUNT
# (default 20) VRRPv3 instances at advert_int 0.01 on a veth pair, the MASTER keepalived 2.2.7
# (PEER) at SCHED_RR, ours under valgrind as BACKUP, run twice, SHORT and LONG seconds (default
# 4 and 12); the VRRP child's instruction counts and eth0's rx packets of the two runs are
# subtracted, so start-up and shutdown cancel out. Prints the total per advert and the TOP
# (default 25) functions by their own instructions per advert (symbols need a build that keeps
# them: CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=1 cargo build --release
# into another CARGO_TARGET_DIR). Counts repeat within a few percent where CPU times do not; the
# kernel's share is not counted. A run whose BACKUP took over (valgrind made it late) is said.
# KEEP=FILE keeps the long run's callgrind file (callgrind_annotate --auto=yes FILE: by source
# line). Needs root, valgrind, python3. Takes the lab lock.
#
#   tests/bench/vrrp_callgrind.sh [OUR_BINARY]      (default: target/release/keepalived)
#   COUNT=20 SHORT=4 LONG=12 TOP=25 PEER=/usr/sbin/keepalived tests/bench/vrrp_callgrind.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ours=${1:-target/release/keepalived}
peer=${PEER:-/usr/sbin/keepalived}
count=${COUNT:-20}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
[ -x "$ours" ] || { echo "build first: cargo build --release" >&2; exit 2; }
[ -x "$peer" ] || { echo "missing $peer (apt-get install keepalived)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }

# shellcheck source=tests/bench/pair.sh
. tests/bench/pair.sh
pair_setup vg 10.77.0
many_conf "$count" 200 10.79.1 >"$tmp/master.conf"
many_conf "$count" 100 10.79.1 >"$tmp/backup.conf"
start "$nm" master "$peer"
wait_log "$tmp/master/log" "(vi$count) Entering MASTER STATE" 30 ||
  { echo "the peer did not become MASTER" >&2; exit 1; }
for _ in $(seq 50); do [ -s "$tmp/master/v.pid" ] && break; sleep 0.1; done
chrt -r -p 10 "$(cat "$tmp/master/v.pid")"
rx() { ip netns exec "$nb" cat /sys/class/net/eth0/statistics/rx_packets; }

# One run of `secs` seconds: "<adverts received> <callgrind file of the VRRP child> <takeovers>".
run() {
  local secs=$1 dir=$tmp/run$1 r0 r1 main child
  mkdir -p "$dir"
  r0=$(rx)
  ip netns exec "$nb" valgrind -q --tool=callgrind --callgrind-out-file="$dir/cg.%p" "$ours" -n -l -P \
    -f "$tmp/backup.conf" -p "$dir/k.pid" -r "$dir/v.pid" -c "$dir/c.pid" >"$dir/log" 2>&1 &
  main=$!
  for _ in $(seq 100); do [ -s "$dir/v.pid" ] && break; sleep 0.1; done
  child=$(cat "$dir/v.pid")
  sleep "$secs"
  kill -TERM "$main"
  wait "$main" || true
  r1=$(rx)
  echo "$((r1 - r0)) $dir/cg.$child $(grep -c 'Entering MASTER STATE' "$dir/log" || true)"
}
read -r n1 f1 m1 < <(run "${SHORT:-4}")
read -r n2 f2 m2 < <(run "${LONG:-12}")
[ "$m1" = 0 ] && [ "$m2" = 0 ] || echo "note: the BACKUP took over under valgrind ($m1, $m2 times): those runs sent adverts too"
[ -n "${KEEP:-}" ] && cp "$f2" "$KEEP"
[ "$n2" -gt "$n1" ] || { echo "no more adverts in the long run ($n1, $n2)" >&2; exit 1; }
tests/bench/callgrind_diff.py "$f1" "$f2" $((n2 - n1)) "${TOP:-25}" "BACKUP, $count VRRPv3 instances at 10 ms" advert
