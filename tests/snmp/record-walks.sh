#!/bin/sh
# Records what keepalived 2.2.7 serves over SNMP for the configs in tests/snmp/conf/, as the
# reference our MIB tables are compared with. Router A (namespace ksnmp-a) runs keepalived -x as
# an AgentX subagent of net-snmp's snmpd; router B (ksnmp-b, plain keepalived) is its peer, so
# that A has instances in MASTER and in BACKUP state. After the states settle the script walks
# KEEPALIVED-MIB's VRRP subtree and the two VRRP MIBs with numeric OIDs (-On -Ob) into
# tests/snmp/walks/<config>.<mib>.walk, and router A's addresses into <config>.addrs. Numeric
# only: KEEPALIVED-MIB.txt (keepalived package) imports SNMPv2-SMI and friends, which Debian
# ships only in non-free snmp-mibs-downloader, so snmpwalk cannot name the objects here.
# Needs root, keepalived, snmpd and snmpwalk (tests/setup.d/snmp.sh). Usage: record-walks.sh [config...]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$here/walks
work=$(mktemp -d /tmp/ksnmp.XXXXXX)
A=ksnmp-a
B=ksnmp-b
mkdir -p "$out"

cleanup() {
    for f in "$work"/*.pid; do
        if [ -f "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
    done
    sleep 1
    ip netns del $A 2>/dev/null || true
    ip netns del $B 2>/dev/null || true
    if [ -n "${KEEP_WORK:-}" ]; then echo "record-walks: left $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

for t in keepalived snmpd snmpwalk; do
    command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] || { echo "record-walks: $t missing (tests/setup.d/snmp.sh)" >&2; exit 1; }
done

ip netns add $A
ip netns add $B
# Fixed MACs: the RFC tables' MAC columns and the link-local addresses stay the same run to run.
ip link add veth-a netns $A address 02:00:5e:0a:00:01 type veth peer name veth-b netns $B address 02:00:5e:0a:00:02
ip -n $A link set lo up
ip -n $B link set lo up
ip -n $A link set veth-a up
ip -n $B link set veth-b up
ip -n $A addr add 10.20.0.1/24 dev veth-a
ip -n $B addr add 10.20.0.2/24 dev veth-b
ip -n $A addr add fd20::1/64 dev veth-a nodad
ip -n $B addr add fd20::2/64 dev veth-b nodad
ip -n $A link add dummy-a address 02:00:5e:0b:00:01 type veth peer name dummy-p address 02:00:5e:0b:00:02
ip -n $A link set dummy-p up
ip -n $A link set dummy-a up
# A link left down, for an instance in FAULT.
ip -n $A link add down-a address 02:00:5e:0c:00:01 type veth peer name down-p address 02:00:5e:0c:00:02

cat >"$work/snmpd.conf" <<CONF
master agentx
agentXSocket unix:$work/agentx
agentXPerms 0600 0700
rocommunity public 127.0.0.1
agentaddress udp:127.0.0.1:16161
CONF
# snmpd reads only this file (-C) and keeps its MIB-loading chatter in the log.
ip netns exec $A /usr/sbin/snmpd -C -c "$work/snmpd.conf" -p "$work/snmpd.pid" -Lf "$work/snmpd.log" \
    2>"$work/snmpd.err"
# A subagent that finds no master retries only after its ping interval (15 s): start keepalived
# once snmpd listens.
deadline=$(( $(date +%s) + 10 ))
until [ -S "$work/agentx" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "record-walks: snmpd did not start" >&2; cat "$work/snmpd.log" "$work/snmpd.err" >&2; exit 1; }
    sleep 0.2
done

walk() {
    ip netns exec $A snmpwalk -v2c -c public -On -Ob -t 5 -r 1 127.0.0.1:16161 "$@"
}

configs=${*:-$(cd "$here/conf" && for c in a-*.conf; do c=${c#a-}; echo "${c%.conf}"; done)}
for name in $configs; do
    echo "record-walks: $name"
    echo 5 >"$work/track-file"
    sed "s|@WORK@|$work|g" "$here/conf/a-$name.conf" >"$work/a.conf"
    sed "s|@WORK@|$work|g" "$here/conf/b-$name.conf" >"$work/b.conf"
    # Each its own BFD pid file: with the default one, whichever BFD child starts second
    # finds the other's and stops ("daemon is already running").
    ip netns exec $B /usr/sbin/keepalived -P -n -l -D -f "$work/b.conf" -p "$work/kb.pid" \
        -r "$work/kb-vrrp.pid" -b "$work/kb-bfd.pid" >"$work/b.log" 2>&1 &
    echo $! >"$work/b.pid"
    ip netns exec $A /usr/sbin/keepalived -P -n -l -D -x -A "unix:$work/agentx" -f "$work/a.conf" \
        -p "$work/ka.pid" -r "$work/ka-vrrp.pid" -b "$work/ka-bfd.pid" >"$work/a.log" 2>&1 &
    echo $! >"$work/a.pid"
    # Each config names, in a "# walk-when: OID VALUE" line, the object that says its states have
    # settled; the deadline covers the slowest master-down interval (3 x 2 s adverts + skew), a
    # track script's rise (2 x 2 s) and the AgentX registration.
    # shellcheck disable=SC2046 # the line's three words
    set -- $(sed -n 's/^# walk-when: //p' "$here/conf/a-$name.conf")
    deadline=$(( $(date +%s) + 25 ))
    until [ "$(walk "$1" 2>/dev/null | sed 's/.* = //')" = "$2 $3" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || { echo "record-walks: $1 never read $2 $3" >&2; cat "$work/a.log" >&2; exit 1; }
        sleep 0.5
    done
    # Then a peer's master-down interval (3 x 1 s + skew) so A's backups have heard B as master.
    sleep 4
    # The track file lives in this run's directory: the walk names it @WORK@, as the config does.
    walk .1.3.6.1.4.1.9586.100.5.2 | sed "s|$work|@WORK@|g" >"$out/$name.keepalived.walk"
    walk .1.3.6.1.2.1.68 >"$out/$name.rfcv2.walk"
    walk .1.3.6.1.2.1.207 >"$out/$name.rfcv3.walk"
    ip netns exec $A ip -br addr >"$out/$name.addrs"
    for p in a b; do
        kill "$(cat "$work/$p.pid")" 2>/dev/null || true
    done
    for p in a b; do
        while kill -0 "$(cat "$work/$p.pid")" 2>/dev/null; do sleep 0.2; done
        rm -f "$work/$p.pid"
    done
done
