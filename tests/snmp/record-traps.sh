#!/bin/sh
# Records the traps keepalived 2.2.7 sends for a failover, as the reference our VRRP child's
# traps are compared with (tests/snmp/traps/). Router A (namespace ktrap-a) runs keepalived -x
# with enable_traps as an AgentX subagent of net-snmp's snmpd, which forwards every
# notification to snmptrapd in the same namespace; router B (ktrap-b) is the peer.
#   1. B is MASTER; A starts and its three instances go BACKUP (G1 with VI_1);
#   2. B stops (priority 0): A becomes MASTER of all three;
#   3. B comes back misconfigured (traps/b-hostile.conf): wrong password on VI_1, no auth on
#      VI_2, VRRPv2 on A's v3 VI_3: A's authentication-failure and protocol-error traps;
#   4. B and then A stop.
# snmptrapd prints each trap as one line, its varbinds numeric (-On) and tab-separated; the
# script writes them one varbind a line with a blank line between traps into
# traps/failover.traps, leaving out snmpd's own (coldStart, shutdown).
# Needs root, keepalived, snmpd and snmptrapd (tests/setup.d/snmp.sh). A_BIN=path runs another
# daemon as router A (ours, to compare by hand) and OUT=dir writes there instead.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
conf=$here/traps
out=${OUT:-$conf}
work=$(mktemp -d /tmp/ktrap.XXXXXX)
A=ktrap-a
B=ktrap-b

cleanup() {
    for f in "$work"/*.pid; do
        if [ -f "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
    done
    sleep 1
    ip netns del $A 2>/dev/null || true
    ip netns del $B 2>/dev/null || true
    if [ -n "${KEEP_WORK:-}" ]; then echo "record-traps: left $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

for t in keepalived snmpd snmptrapd; do
    [ -x /usr/sbin/$t ] || { echo "record-traps: $t missing (tests/setup.d/snmp.sh)" >&2; exit 1; }
done

ip netns add $A
ip netns add $B
ip -n $A link add veth-a address 02:00:5e:0d:00:01 type veth peer name veth-b netns $B address 02:00:5e:0d:00:02
ip -n $A link set lo up
ip -n $B link set lo up
ip -n $A link set veth-a up
ip -n $B link set veth-b up
ip -n $A addr add 10.30.0.1/24 dev veth-a
ip -n $B addr add 10.30.0.2/24 dev veth-b

cat >"$work/snmpd.conf" <<CONF
master agentx
agentXSocket unix:$work/agentx
agentXPerms 0600 0700
rocommunity public 127.0.0.1
agentaddress udp:127.0.0.1:16161
trap2sink 127.0.0.1:16162 public
CONF
cat >"$work/snmptrapd.conf" <<CONF
disableAuthorization yes
CONF
ip netns exec $A /usr/sbin/snmptrapd -C -c "$work/snmptrapd.conf" -p "$work/snmptrapd.pid" -On \
    -Lf "$work/snmptrapd.log" -F '%v\n' udp:127.0.0.1:16162 2>"$work/snmptrapd.err"
ip netns exec $A /usr/sbin/snmpd -C -c "$work/snmpd.conf" -p "$work/snmpd.pid" -Lf "$work/snmpd.log" \
    2>"$work/snmpd.err"
deadline=$(( $(date +%s) + 10 ))
until [ -S "$work/agentx" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "record-traps: snmpd did not start" >&2; cat "$work/snmpd.log" >&2; exit 1; }
    sleep 0.2
done

start_b() {
    ip netns exec $B /usr/sbin/keepalived -P -n -l -D -f "$conf/$1" -p "$work/kb.pid" \
        -r "$work/kb-vrrp.pid" >>"$work/b.log" 2>&1 &
    echo $! >"$work/b.pid"
}
# (snmpd removes its pid file as it exits: the pid is read once.)
stop() {
    pid=$(cat "$work/$1.pid")
    kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
    rm -f "$work/$1.pid"
}
# Waits (up to $2 s) until A's log has $1 lines saying a trap went (keepalived -D logs each).
traps_sent() {
    deadline=$(( $(date +%s) + $2 ))
    until [ "$(grep -c 'Sending SNMP notification' "$work/a.log")" -ge "$1" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { echo "record-traps: A sent fewer than $1 traps" >&2; cat "$work/a.log" >&2; exit 1; }
        sleep 0.2
    done
}

start_b b.conf
# B's instances become MASTER at once (state MASTER, no peer yet heard): 3 s is ample.
sleep 3
ip netns exec $A "${A_BIN:-/usr/sbin/keepalived}" -P -n -l -D -x -A "unix:$work/agentx" -f "$conf/a.conf" \
    -p "$work/ka.pid" -r "$work/ka-vrrp.pid" >"$work/a.log" 2>&1 &
echo $! >"$work/a.pid"
# Three instances and the group go BACKUP.
traps_sent 4 10
sleep 2
stop b
# MASTER: 3 instance, 1 group, 2 VRRP-MIB and 3 VRRPV3-MIB traps after B's priority 0.
traps_sent 13 10
sleep 1
start_b b-hostile.conf
# At least one of each refused advert, after B's master-down interval.
deadline=$(( $(date +%s) + 12 ))
until grep -q 'vrrpTrapProtoError' "$work/a.log" && [ "$(grep -c 'vrrpTrapAuthFailure' "$work/a.log")" -ge 2 ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "record-traps: no refused adverts" >&2; cat "$work/a.log" >&2; exit 1; }
    sleep 0.2
done
stop b
sleep 1
stop a
sleep 1
stop snmpd
sleep 0.5
stop snmptrapd
# One trap a line: keep keepalived's (under KEEPALIVED-MIB, VRRP-MIB, VRRPV3-MIB).
grep -E '\.1\.3\.6\.1\.6\.3\.1\.1\.4\.1\.0 = OID: \.1\.3\.6\.1\.(4\.1\.9586\.100\.5|2\.1\.68|2\.1\.207)\.' \
    "$work/snmptrapd.log" | sed 's/\t/\n/g; s/$/\n/' >"$out/failover.traps"
cp "$work/a.log" "$out/failover.a.log"
echo "record-traps: $(grep -c '^$' "$out/failover.traps") traps in $out/failover.traps"
