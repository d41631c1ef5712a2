#!/bin/sh
# A VRRP failover you can watch: two routers (network namespaces gw1, gw2 on one LAN, a bridge in a
# third) run config/router-pair.conf (gw2 with priority 100), a client pings the gateway address
# 192.168.1.1 all along. Kill the master: the backup takes the address over; bring the master back:
# it preempts. Root needed; the host's own network is never touched.
#   cargo build --release && tests/demo/failover.sh
# KEEPALIVED=/usr/sbin/keepalived runs both routers as keepalived 2.2.7; PEER=/usr/sbin/keepalived only gw2.
set -eu
cd "$(dirname "$0")/../.."

BIN=${KEEPALIVED:-target/release/keepalived}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
PEER=${PEER:-$BIN}
[ -x "$BIN" ] || { echo "no $BIN: run cargo build --release first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "the demo needs root (network namespaces)" >&2; exit 1; }

tag=fo$$
lan=${tag}lan gw1=${tag}g1 gw2=${tag}g2 cli=${tag}cl
tmp=$(mktemp -d)
ping_pid=

cleanup() {
    [ -n "$ping_pid" ] && kill "$ping_pid" 2>/dev/null || true
    for ns in $gw1 $gw2 $cli $lan; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_for() { # seconds, shell condition
    n=$(($1 * 10)); shift
    while [ "$n" -gt 0 ]; do
        if eval "$*"; then return 0; fi
        sleep 0.1; n=$((n - 1))
    done
    return 1
}
holder() {
    for ns in $gw1 $gw2; do
        ip -n "$ns" -o addr show dev eth0 | grep -q ' 192\.168\.1\.1/' && echo "${ns#"$tag"}"
    done
}
show() { printf '   VIP 192.168.1.1 is on: %s\n' "$(holder | tr '\n' ' ')"; }
states() { # the last state line each router logged
    for r in g1 g2; do
        printf '   gw%s: %s\n' "${r#g}" "$(grep -h 'Entering' "$tmp/$r.log" | tail -n 1 | sed 's/^.*: (/(/')"
    done
}
start() { # short-name binary priority
    sed "s/priority 150/priority $3/; s/router_id gw1/router_id $1/" config/router-pair.conf >"$tmp/$1.conf"
    ip netns exec "$tag$1" "$2" -n -l -f "$tmp/$1.conf" -p "$tmp/$1.pid" -r "$tmp/$1_vrrp.pid" \
        -c "$tmp/$1_chk.pid" >>"$tmp/$1.log" 2>&1 &
}

say "lab: gw1 192.168.1.2, gw2 192.168.1.3, client 192.168.1.10 on one bridge"
ip netns add "$lan"
ip -n "$lan" link add br0 type bridge
ip -n "$lan" link set br0 up
i=0
for ns in $gw1 $gw2 $cli; do
    i=$((i + 1))
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ns" link add eth0 type veth peer name p$i netns "$lan"
    ip -n "$lan" link set p$i master br0 up
    ip -n "$ns" link set eth0 up
done
ip -n "$gw1" addr add 192.168.1.2/24 dev eth0
ip -n "$gw2" addr add 192.168.1.3/24 dev eth0
ip -n "$cli" addr add 192.168.1.10/24 dev eth0

say "start gw1 (priority 150, $BIN) and gw2 (priority 100, $PEER)"
start g1 "$BIN" 150
start g2 "$PEER" 100
# Master_Down_Interval at advert_int 1 is about 3.4 s; allow for a slow machine.
wait_for 15 '[ "$(holder)" = g1 ]' || { echo "gw1 did not become master"; cat "$tmp"/g1.log; exit 1; }
show; states

say "the client pings the gateway address every 0.1 s from now on"
ip netns exec "$cli" ping -i 0.1 -W 1 192.168.1.1 >"$tmp/ping.log" 2>&1 &
ping_pid=$!
sleep 2

say "kill -9 gw1 (the master and all its processes)"
# Freeze first: a child outliving its parent by a moment would see it die and stop cleanly
# (priority 0), which is not the crash this step shows.
pids=$(ip netns pids "$gw1")
kill -STOP $pids
kill -KILL $pids
t0=$(date +%s.%N)
wait_for 15 'holder | grep -qx g2' || { echo "gw2 did not take over"; cat "$tmp"/g2.log; exit 1; }
t1=$(date +%s.%N)
printf '   gw2 holds the VIP %s s after the kill (Master_Down_Interval = 3 x 1 s + skew 0.61 s)\n' \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
show; states
echo "   (a router killed with -9 cannot remove its address: gw1 still has it; nobody answers ARP"
echo "    for it there, and gw1 removes it itself when it starts again)"

say "restart gw1: with the higher priority it preempts"
rm -f "$tmp/g1.pid" "$tmp/g1_vrrp.pid"
start g1 "$BIN" 150
wait_for 15 '[ "$(holder)" = g1 ]' || { echo "gw1 did not preempt"; cat "$tmp"/g1.log; exit 1; }
show; states
sleep 1

say "SIGTERM both: each removes what it added"
for r in g1 g2; do kill -TERM "$(cat "$tmp/$r.pid")"; done
wait_for 10 '[ -z "$(holder)" ] && [ -z "$(ip netns pids $gw1)$(ip netns pids $gw2)" ]' || true
show
kill -INT "$ping_pid" 2>/dev/null || true # SIGINT: ping prints its summary
wait "$ping_pid" 2>/dev/null || true
ping_pid=
printf '   client pinging 192.168.1.1: %s\n' "$(grep -E 'packets transmitted' "$tmp/ping.log" || echo 'no summary')"

say "what the routers logged"
grep -h -E 'Entering|priority 0|Stopp' "$tmp/g1.log" | sed 's/^/   gw1 | /'
grep -h -E 'Entering|priority 0|Stopp' "$tmp/g2.log" | sed 's/^/   gw2 | /'
