#!/usr/bin/env bash
# The SNMP subagent's idle cost: ours and Debian's keepalived 2.2.7, each in a network namespace of its
# own with its own snmpd (AgentX master on a unix socket in the scratch dir), run the same config (one
# VRRPv2 instance, MASTER at advert_int 1, `-P -x -A SOCKET`). A manager walks KEEPALIVED-MIB's vrrp
# subtree, VRRP-MIB and VRRPV3-MIB of both every WALK (default 10) s for MINUTES (default 2). Over that
# window it prints, for each VRRP child: CPU (utime+stime from /proc/PID/stat, seconds and % of one
# core), VmRSS and PSS (smaps_rollup) at the end, and the walks that answered. A third row runs ours
# without -x (no subagent, never walked) as the baseline the subagent adds to. With MEMCHECK=1 ours
# runs with --mem-check and also prints its VRRP child's heap allocations over the window (the stats
# file's footer; RSS then includes the allocation table). Figures, not pass/fail: it fails only on a
# broken setup. Needs root, snmpd and snmpwalk (tests/setup.d/snmp.sh). It waits for the lab lock.
#
#   tests/bench/snmp_idle.sh [OUR_BINARY]      (default: target/release/keepalived)
#   MINUTES=2 WALK=10 MEMCHECK=0 tests/bench/snmp_idle.sh     (SECS=30: a short window instead)
set -euo pipefail
cd "$(dirname "$0")/../.."
ours=${1:-target/release/keepalived}
theirs=${THEIRS:-/usr/sbin/keepalived}
minutes=${MINUTES:-2}
secs=${SECS:-$((60 * minutes))}
walk=${WALK:-10}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
for b in "$ours" "$theirs" /usr/sbin/snmpd /usr/bin/snmpwalk; do
  [ -x "$b" ] || { echo "missing $b (cargo build --release; tests/setup.d/snmp.sh)" >&2; exit 2; }
done

tmp=$(mktemp -d)
names="ours kad base"
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local n
  for n in $names; do
    ip netns pids "si-$n-$$" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "si-$n-$$" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
exec 9>/tmp/keepalived-rs-lab.lock
flock 9

cat >"$tmp/conf" <<'EOF'
global_defs {
    router_id snmp_bench
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
EOF
# MIB trees walked: KEEPALIVED-MIB::vrrp, VRRP-MIB, VRRPV3-MIB.
trees=".1.3.6.1.4.1.9586.100.5.2 .1.3.6.1.2.1.68 .1.3.6.1.2.1.207"

# setup NAME: its namespace (eth0 with a peer end of its own), and for ours/kad an snmpd.
setup() {
  local ns=si-$1-$$ d=$tmp/$1
  mkdir -p "$d"
  ip netns add "$ns"
  ip -n "$ns" link add eth0 type veth peer name peer0
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set peer0 up
  ip -n "$ns" addr add 192.0.2.1/24 dev eth0
  [ "$1" = base ] && return
  printf 'master agentx\nagentXSocket %s/master\nagentXPerms 0600 0700\nrocommunity public 127.0.0.1\n' \
    "$d" >"$d/snmpd.conf"
  ip netns exec "$ns" env MIBS= /usr/sbin/snmpd -f -Lo -C -c "$d/snmpd.conf" -p "$d/snmpd.pid" \
    udp:127.0.0.1:1161 >"$d/snmpd.log" 2>&1 </dev/null &
  disown
  local deadline=$((SECONDS + 10))
  until [ -S "$d/master" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "snmpd did not start:"; cat "$d/snmpd.log"; exit 1; }
    sleep 0.1
  done
}

# start NAME BINARY [OPTIONS...]: the daemon, VRRP only, its dumps in its directory.
start() {
  local n=$1 b=$2 d=$tmp/$1
  shift 2
  ip netns exec "si-$n-$$" env TMPDIR="$d" "$b" -n -l -P "$@" -f "$tmp/conf" -p "$d/k.pid" -r "$d/v.pid" \
    >"$d/log" 2>&1 </dev/null &
  disown
}

# walk NAME: one walk of the three trees through NAME's snmpd; prints 1 when all answered, else 0.
walk_once() {
  local t ok=1
  for t in $trees; do
    ip netns exec "si-$1-$$" env MIBS= snmpwalk -v2c -c public -On -t 2 -r 1 127.0.0.1:1161 "$t" \
      >"$tmp/$1/walk" 2>&1 || ok=0
    grep -q 'No Such Object\|Timeout' "$tmp/$1/walk" && ok=0
  done
  echo "$ok"
}

cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/$3"; }
hz=$(getconf CLK_TCK)

# allocs NAME: the VRRP child's allocations so far (--mem-check's stats footer).
allocs() {
  local f=$tmp/$1/keepalived.stats
  rm -f "$f"
  kill -USR2 "$(cat "$tmp/$1/k.pid")"
  local deadline=$((SECONDS + 5))
  until grep -q '^Allocations:' "$f" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "no stats from $1" >&2; exit 1; }
    sleep 0.1
  done
  awk '/^Allocations:/ { print $2 }' "$f"
}

extra=
[ "${MEMCHECK:-0}" = 1 ] && extra=--mem-check
for n in $names; do setup "$n"; done
# shellcheck disable=SC2086 # extra is zero or one word
start ours "$ours" -x -A "$tmp/ours/master" $extra
start kad "$theirs" -x -A "$tmp/kad/master"
# shellcheck disable=SC2086
start base "$ours" $extra

# Steady: every child MASTER, both subagents registered and answering a first walk.
deadline=$((SECONDS + 20))
for n in $names; do
  until [ -s "$tmp/$n/v.pid" ] && grep -q 'Entering MASTER STATE' "$tmp/$n/log"; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "$n did not become MASTER:"; cat "$tmp/$n/log"; exit 1; }
    sleep 0.2
  done
done
for n in ours kad; do
  until [ "$(walk_once "$n")" = 1 ]; do
    [ "$SECONDS" -lt "$deadline" ] || { echo "$n is not walked:"; cat "$tmp/$n/walk" "$tmp/$n/log"; exit 1; }
    sleep 0.5
  done
done

declare -A pid c0 ok
a0=
for n in $names; do pid[$n]=$(cat "$tmp/$n/v.pid"); ok[$n]=0; done
[ -n "$extra" ] && a0=$(allocs ours)
t0=$(date +%s.%N)
for n in $names; do c0[$n]=$(cpu_ticks "${pid[$n]}"); done
end=$((SECONDS + secs))
walks=0
while [ "$SECONDS" -lt "$end" ]; do
  next=$((SECONDS + walk))
  for n in ours kad; do ok[$n]=$((ok[$n] + $(walk_once "$n"))); done
  walks=$((walks + 1))
  while [ "$SECONDS" -lt "$next" ] && [ "$SECONDS" -lt "$end" ]; do sleep 0.5; done
done
t1=$(date +%s.%N)
a1=
[ -n "$extra" ] && a1=$(allocs ours)

printf 'VRRP child over %s s, the three VRRP MIBs walked every %s s (%d rounds)\n' "$secs" "$walk" "$walks"
printf '%-44s %9s %7s %9s %9s %8s\n' implementation cpu_s cpu_% rss_kib pss_kib walks
for n in $names; do
  c1=$(cpu_ticks "${pid[$n]}")
  case $n in
    ours) label="$ours -x" ;;
    kad) label="$theirs -x" ;;
    base) label="$ours (no -x, not walked)" ;;
  esac
  [ "$n" = base ] && w=- || w="${ok[$n]}/$walks"
  awk -v l="$label" -v c=$((c1 - c0[$n])) -v hz="$hz" -v t0="$t0" -v t1="$t1" -v rss="$(kib "${pid[$n]}" VmRSS status)" \
    -v pss="$(kib "${pid[$n]}" Pss smaps_rollup)" -v w="$w" \
    'BEGIN { s = c / hz; printf "%-44s %9.2f %7.3f %9s %9s %8s\n", l, s, 100 * s / (t1 - t0), rss, pss, w }'
done
[ -n "$extra" ] && echo "ours: $((a1 - a0)) heap allocations in the VRRP child over the window"
exit 0
