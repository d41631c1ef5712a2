#!/usr/bin/env bash
# Prints what our checker child achieves with COUNT real servers (default 1000) on loopback
# addresses 127.0.x.y:8080, each with one TCP_CHECK at delay_loop 1: checks per second (TCP
# connects counted by the namespace's Tcp ActiveOpens), CPU time and VmRSS of the checker child.
# One python3 listener accepts for all of them. The child runs with --mem-check to count its heap
# allocations during the run (SIGUSR2 logs the count); its allocation table adds ~5 MiB to VmRSS
# (MEMCHECK=0 leaves it out, and the allocation count with it). Needs root.
#
#   tests/bench/checkers.sh [OUR_BINARY]       (default: target/release/keepalived)
#   COUNT=2000 SECS=20 tests/bench/checkers.sh
#   MODE=http tests/bench/checkers.sh           (HTTP_GET of / instead of TCP_CHECK)
#   DETAIL=1 tests/bench/checkers.sh           (also the checker child's mappings: rss and private dirty KiB of
#                                                the binary's segments, [heap], [stack], anonymous mmaps)
#   STRACE=1 tests/bench/checkers.sh            (then strace -c on the child for 5 s more: syscalls
#                                                per check, by name; strace slows it, so apart)
#
# It takes the lab lock for its one run (SECS + about 5 s, twice that with STRACE=1): labs hold it
# while they run, and either would skew the other's timing.
#
# keepalived 2.2.7's checker child needs IPVS, which this machine's kernel lacks (it exits at
# start), so only our figures are printed; compare in the IPVS VM later.
set -euo pipefail
cd "$(dirname "$0")/../.."
ours=${1:-target/release/keepalived}
[ -x "$ours" ] || { echo "build first: cargo build --release" >&2; exit 2; }
count=${COUNT:-1000}
mode=${MODE:-tcp}
case "$mode" in
  tcp) check='  TCP_CHECK {\n   connect_timeout 1\n  }\n' name=TCP_CHECK ;;
  http) check='  HTTP_GET {\n   url {\n    path /\n   }\n   connect_timeout 1\n  }\n' name=HTTP_GET ;;
  *) echo "MODE is tcp or http" >&2; exit 2 ;;
esac
secs=${SECS:-10}

. tests/bench/checker_pool.sh
memcheck=--mem-check
[ "${MEMCHECK:-1}" = 0 ] && memcheck=--no-mem-check
ip netns exec "$ns" "$ours" -n -l -C --without-ipvs "$memcheck" -f "$tmp/bench.conf" -p "$tmp/k.pid" -r "$tmp/v.pid" \
  -c "$tmp/c.pid" >"$tmp/ours.log" 2>&1 &
main=$!
disown
child=
for _ in $(seq 50); do
  child=$(pgrep -P "$main" || true)
  [ -n "$child" ] && break
  sleep 0.1
done
[ -n "$child" ] || { echo "checker child did not start"; cat "$tmp/ours.log"; exit 1; }
# First runs are spread over 1 s + warmup (= delay_loop); let them settle.
sleep 3
if grep -q 'not yet supported' "$tmp/ours.log"; then
  echo "$name is not supported by this build yet: nothing to measure"
  exit 0
fi

opens() { ip netns exec "$ns" awk '/^Tcp:/ {n++} /^Tcp:/ && n == 2 {print $6}' /proc/net/snmp; }
ticks() { awk '{print $14 + $15}' "/proc/$child/stat"; }
allocs() { # the checker child's allocation count, from its log (--mem-check, SIGUSR2)
  local n before
  before=$(grep -c '^.*Allocations:' "$tmp/ours.log" || true)
  kill -USR2 "$child"
  for _ in $(seq 50); do
    n=$(grep -c '^.*Allocations:' "$tmp/ours.log" || true)
    [ "$n" -gt "$before" ] && break
    sleep 0.1
  done
  grep 'Allocations:' "$tmp/ours.log" | tail -1 | sed 's/.*Allocations: \([0-9]*\).*/\1/'
}
a0=0 a1=0
[ "$memcheck" = --mem-check ] && a0=$(allocs)
o0=$(opens) t0=$(ticks) s0=$(date +%s.%N)
sleep "$secs"
o1=$(opens) t1=$(ticks) s1=$(date +%s.%N)
[ "$memcheck" = --mem-check ] && a1=$(allocs)
hz=$(getconf CLK_TCK)
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$child/status")
live=$(grep 'Allocations:' "$tmp/ours.log" | tail -1 | sed -n 's/.*live bytes \([0-9]*\).*/\1/p' || true)
awk -v name="$name" -v o=$((o1 - o0)) -v t=$((t1 - t0)) -v hz="$hz" -v a="$s0" -v b="$s1" -v n="$count" -v rss="$rss" 'BEGIN {
  el = b - a
  printf "real servers %d, %s, delay_loop 1: %.0f checks/s (want %d), checker child CPU %.2f s in %.1f s (%.1f%%), VmRSS %d KiB\n",
    n, name, o / el, n, t / hz, el, 100 * t / hz / el, rss
}'
echo "heap allocations in the checker child during the run: $((a1 - a0)) (count $a0 -> $a1), live heap ${live:-?} bytes"
down=$(grep -c 'Removing service' "$tmp/ours.log" || true)
echo "servers marked down during the run: $down"
if [ -n "${DETAIL:-}" ]; then
  printf '  %-36s %9s %7s %7s\n' "perms mapping" size_KiB rss dirty
  awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "") ? "[anon]" : $6; n = split(name, p, "/"); key = $2 " " p[n]; next }
    /^Size:/ { size[key] += $2 } /^Rss:/ { rss[key] += $2 } /^Private_Dirty:/ { dirty[key] += $2 }
    END { for (k in size) if (rss[k] > 0) printf "  %-36s %9d %7d %7d\n", k, size[k], rss[k], dirty[k] }' \
    "/proc/$child/smaps" | sort -k4,4nr
fi
ls -l "$ours" | awk '{printf "binary: %s bytes (%s)\n", $5, $9}'
if [ "${STRACE:-0}" = 1 ]; then
  o0=$(opens)
  timeout -s INT 5 strace -c -q -p "$child" -o "$tmp/strace.txt" || true
  o1=$(opens)
  # strace -c's table: calls is the 4th column, the name the last; syscalls per check, by name.
  awk -v n=$((o1 - o0)) '$NF == "total" { printf "syscalls per check (strace -c, %d checks): %.2f\n", n, $4 / n }
    $1 ~ /^[0-9.]+$/ && $NF != "total" { printf "  %-16s %.2f\n", $NF, $4 / n }' "$tmp/strace.txt"
fi
