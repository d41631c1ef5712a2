#!/usr/bin/env bash
# The BFD child's cost at scale: COUNT (default 100) single-hop BFD sessions at min_rx/min_tx 10 ms × 3
# between two network namespaces joined by one veth pair (COUNT address pairs on it, one session per
# pair). The peer side runs PEER (default Debian's keepalived 2.2.7) throughout; the measured side runs
# ours, then keepalived 2.2.7, each against that same peer. Once every session of the measured side is
# Up at the fast rate, over SECS (default 10) seconds it prints, for the measured side's BFD process:
# CPU (utime+stime from /proc/PID/stat; cpu% is of one core, sys% its kernel part), UDP datagrams
# received and sent per second (the namespace's Udp counters), context switches per second (mostly the
# loop's wakeups), CPU per datagram, VmRSS and PSS (smaps_rollup), and any session
# that fell (Down on either side) in the window. Both BFD processes run SCHED_RR (RT, default 10; RT=0
# for none). With MEMCHECK=1 ours runs with --mem-check and also prints the BFD child's heap allocations
# over the window (from its SIGUSR2 line; RSS then includes the allocation table). DEBUG=-D logs detail
# (keepalived's then flaps here); KEEP_LOGS=DIR keeps the logs. Figures, not pass/fail: it fails only on
# a broken setup. Needs root and chrt.
#
#   tests/bench/bfd_sessions.sh [OUR_BINARY]      (default: target/release/keepalived)
#   COUNT=100 SECS=10 PEER=/usr/sbin/keepalived ROUNDS=1 RT=10 MEMCHECK=0 tests/bench/bfd_sessions.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ours=${1:-target/release/keepalived}
theirs=${THEIRS:-/usr/sbin/keepalived}
peer=${PEER:-$theirs}
count=${COUNT:-100}
secs=${SECS:-10}
rounds=${ROUNDS:-1}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
for b in "$ours" "$theirs" "$peer"; do
  [ -x "$b" ] || { echo "missing $b (cargo build --release; apt-get install keepalived)" >&2; exit 2; }
done
[ "$count" -le 250 ] || { echo "COUNT is at most 250 (one /24 of addresses per side)" >&2; exit 2; }

# shellcheck source=tests/bench/pair.sh
. tests/bench/pair.sh
pair_setup bs 10.77.0
[ -n "${KEEP_LOGS:-}" ] && trap 'mkdir -p "$KEEP_LOGS"; cp -r "$tmp"/* "$KEEP_LOGS"/; pair_cleanup' EXIT
# $nm is the measured side, $nb the peer; session i joins 10.78.1.i (measured) and 10.78.2.i (peer).
addrs() { # NS SUBNET
  local i
  for i in $(seq "$count"); do echo "addr add 10.78.$2.$i/16 dev eth0"; done | ip -n "$1" -batch -
}
addrs "$nm" 1
addrs "$nb" 2
conf() { # MY_SUBNET PEER_SUBNET
  local i
  for i in $(seq "$count"); do
    printf 'bfd_instance bfd%d {\n    neighbor_ip 10.78.%d.%d\n    source_ip 10.78.%d.%d\n' "$i" "$2" "$i" "$1" "$i"
    printf '    min_rx 10\n    min_tx 10\n    multiplier 3\n}\n'
  done
}
conf 1 2 >"$tmp/m.conf"
conf 2 1 >"$tmp/b.conf"

run() { # NS NAME BINARY [EXTRA]: in the foreground of its own process group, BFD pidfile $tmp/NAME/b.pid
  local d=$tmp/$2
  mkdir -p "$d"
  rm -f "$d"/*.pid
  # shellcheck disable=SC2086 # DEBUG and EXTRA are zero or more words
  ip netns exec "$1" setsid "$3" -n -l ${DEBUG:-} ${4:-} -f "$tmp/$2.conf" -p "$d/k.pid" -r "$d/v.pid" \
    -c "$d/c.pid" -b "$d/b.pid" >"$d/log" 2>&1 </dev/null &
}
# ups LOG [SKIP]: how many sessions' last logged state (after line SKIP) is Up.
ups() {
  awk -v skip="${2:-0}" 'NR > skip && match($0, /\(bfd[0-9]+\) Entering [A-Za-z]+ state/) {
      s = substr($0, RSTART, RLENGTH); split(s, w, " "); st[w[1]] = w[3] }
    END { n = 0; for (k in st) if (st[k] == "Up") n++; print n }' "$1"
}
# falls LOG SKIP: sessions that fell from Up after line SKIP.
falls() { awk -v skip="$2" 'NR > skip && /Entering Down state/ { n++ } END { print n + 0 }' "$1"; }
# fast LOG SKIP: sessions whose detection time reached the fast rate (30,000 us) after line SKIP.
fast() { awk -v skip="$2" 'NR > skip && /Detection time is 30000 us/ { n++ } END { print n + 0 }' "$1"; }
# udp: the measured namespace's UDP datagrams received and sent, "IN OUT".
# shellcheck disable=SC2016 # awk's fields
udp() { ip netns exec "$nm" awk '/^Udp:/ && $2 ~ /^[0-9]+$/ { print $2, $5 }' /proc/net/snmp; }
# cpu_ticks PID: "UTIME+STIME STIME" in clock ticks.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13, $13 }' "/proc/$1/stat"; }
# switches PID: context switches so far (voluntary ones are the loop's wakeups).
switches() { awk '/ctxt_switches/ { n += $2 } END { print n }' "/proc/$1/status"; }
kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/$3"; }
hz=$(getconf CLK_TCK)
# rt PID: with RT (default 10), the BFD process runs SCHED_RR at that priority, as a router would run
# 10 ms BFD (keepalived's bfd_rt_priority), so the other load of this shared machine does not delay it
# past a 30 ms detection time. RT=0 leaves it at SCHED_OTHER.
rt() { [ "${RT:-10}" = 0 ] || chrt -r -p "${RT:-10}" "$1" >/dev/null; }

run "$nb" b "$peer"
deadline=$((SECONDS + 10))
until [ -s "$tmp/b/b.pid" ]; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "the peer's BFD process did not start:"; cat "$tmp/b/log"; exit 1; }
  sleep 0.1
done
rt "$(cat "$tmp/b/b.pid")"

# one NAME BINARY: one measured row.
one() {
  local name=$1 bin=$2 extra=
  [ "$bin" = "$ours" ] && [ "${MEMCHECK:-0}" = 1 ] && extra=--mem-check
  stop_ns "$nm"
  run "$nm" m "$bin" "$extra"
  # A handshake runs at idle_tx (1 s), then a Poll moves each session to 10 ms; give it 30 s at most.
  local deadline=$((SECONDS + 30)) up=0 fst=0
  while [ "$SECONDS" -lt "$deadline" ]; do
    if [ -s "$tmp/m/b.pid" ]; then
      up=$(ups "$tmp/m/log") fst=$(fast "$tmp/m/log" 0)
      [ "$up" -ge "$count" ] && [ "$fst" -ge "$count" ] && break
    fi
    sleep 0.2
  done
  if [ ! -s "$tmp/m/b.pid" ]; then
    printf '%-34s setup failed: no BFD process\n' "$name"
    return
  fi
  # Not all Up in 30 s: the figures are still the process's, and the last column says how it went.
  [ "$up" -ge "$count" ] || echo "  $name: $up of $count sessions Up after 30 s" >&2
  local pid
  pid=$(cat "$tmp/m/b.pid")
  rt "$pid"
  # Both sides at the fast rate and the peer's Up lines in: the window starts steady.
  sleep 1
  local mskip bskip t0 c0 u0 w0 a0=
  mskip=$(wc -l <"$tmp/m/log") bskip=$(wc -l <"$tmp/b/log")
  [ -n "$extra" ] && a0=$(allocs "$pid" "$mskip")
  [ -n "$extra" ] && mskip=$(wc -l <"$tmp/m/log")
  t0=$(date +%s.%N) c0=$(cpu_ticks "$pid") u0=$(udp) w0=$(switches "$pid")
  sleep "$secs"
  local t1 c1 u1 w1 a1=
  c1=$(cpu_ticks "$pid") u1=$(udp) w1=$(switches "$pid") t1=$(date +%s.%N)
  [ -n "$extra" ] && a1=$(allocs "$pid" "$(wc -l <"$tmp/m/log")")
  local rss pss fell pfell upnow
  rss=$(kib "$pid" VmRSS status) pss=$(kib "$pid" Pss smaps_rollup)
  fell=$(falls "$tmp/m/log" "$mskip") pfell=$(falls "$tmp/b/log" "$bskip")
  upnow=$(ups "$tmp/m/log")
  awk -v name="$name" -v dt="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" -v c0="$c0" -v c1="$c1" -v w=$((w1 - w0)) -v hz="$hz" \
    -v u0="$u0" -v u1="$u1" -v rss="$rss" -v pss="$pss" -v fell="$fell" -v pfell="$pfell" -v up="$upnow" \
    -v n="$count" -v a0="$a0" -v a1="$a1" 'BEGIN {
      split(c0, p, " "); split(c1, q, " "); cs = (q[1] - p[1]) / hz; ss = (q[2] - p[2]) / hz
      split(u0, a, " "); split(u1, b, " "); rx = b[1] - a[1]; tx = b[2] - a[2]; pk = rx + tx
      printf "%-34s %5.1f %7.3f %6.2f %6.2f %7.0f %7.0f %7.0f %7.2f %8s %8s  %s", name, dt, cs, 100 * cs / dt,
        100 * ss / dt, rx / dt, tx / dt, w / dt, pk ? 1e6 * cs / pk : 0, rss, pss,
        (fell + pfell == 0 && up == n) ? "all " n " Up, no flap" : up "/" n " Up, " fell "+" pfell " fell"
      if (a0 != "") printf ", allocations %d", a1 - a0
      printf "\n" }'
  stop_ns "$nm"
  cp "$tmp/m/log" "$tmp/m/log.${name%% *}.$SECONDS"
}
# allocs PID SKIP: the BFD child's allocation count from its SIGUSR2 line (--mem-check) after line SKIP.
allocs() {
  kill -USR2 "$1"
  local d=$((SECONDS + 5)) n=
  while [ -z "$n" ] && [ "$SECONDS" -lt "$d" ]; do
    sleep 0.05
    n=$(awk -v skip="$2" 'NR > skip && /Allocations: / { sub(/.*Allocations: /, ""); print $1 }' "$tmp/m/log")
  done
  echo "${n:-0}"
}

printf '%d BFD sessions at 10 ms x 3, peer %s, %s s window, BFD processes %s\n' "$count" "$peer" "$secs" \
  "$([ "${RT:-10}" = 0 ] && echo SCHED_OTHER || echo "SCHED_RR ${RT:-10}")"
printf '%-34s %5s %7s %6s %6s %7s %7s %7s %7s %8s %8s  %s\n' "BFD process of" secs cpu_s "cpu%" "sys%" "rx/s" \
  "tx/s" "csw/s" "us/pkt" \
  rss_KiB pss_KiB sessions
for _ in $(seq "$rounds"); do
  one "ours ($ours)" "$ours"
  one "keepalived $("$theirs" -v 2>&1 | head -1 | awk '{print $2}')" "$theirs"
done
echo "goal: ours below keepalived on cpu% and rss (issue 14)"
