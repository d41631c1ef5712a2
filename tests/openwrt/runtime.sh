#!/usr/bin/env bash
# OpenWrt runtime files against our running daemon, in a network namespace: the UCI generator's
# config (tests/openwrt/runtime.uci), the hotplug handlers 01-ubus and 01-user reached through the
# generated notify commands, and the rpcd plugin through "ubus call keepalived dump|status".
# OpenWrt's helpers are stand-ins from tests/openwrt/ (jshn.sh, hotplug-call, ubus) and
# tests/images/uci-shim.sh (/lib/functions.sh); the OpenWrt files run as copies with their
# absolute paths moved into a scratch directory, as tests/images.sh does for the init script.
#
#   tests/openwrt/runtime.sh     # root, /bin/busybox (busybox-static), python3; else skipped
#                                # (a failure when CI=true). KEEPALIVED_BIN overrides the binary.
#   OPENWRT_PACKAGES=DIR tests/openwrt/runtime.sh   # also keepalived-sync's stock files, from a
#                                # checkout of openwrt/packages (not in CI: no copy here)
# shellcheck disable=SC2016 # single-quoted python and sed programs
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

BIN=$(realpath "${KEEPALIVED_BIN:-target/debug/keepalived}")
OWRT=$PWD/image/openwrt/files
STAND=$PWD/tests/openwrt
NS=ka-owrt-$$
W=$(mktemp -d)
fails=0
DAEMON=

cleanup() {
	[ -n "$DAEMON" ] && kill "$DAEMON" 2>/dev/null && wait "$DAEMON" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

pass() { printf 'ok   openwrt runtime: %s\n' "$1"; }
fail() {
	fails=$((fails + 1))
	printf 'FAIL openwrt runtime: %s\n' "$1"
	[ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/     /'
}
# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds or SECONDS pass
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" 2>/dev/null; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

why=
[ "$(id -u)" = 0 ] || why="needs root"
[ -x /bin/busybox ] || why="needs /bin/busybox (busybox-static)"
command -v python3 >/dev/null || why="needs python3"
command -v flock >/dev/null || why="needs flock (util-linux)"
[ -x "$BIN" ] || why="needs $BIN (cargo build)"
if [ -n "$why" ]; then
	if [ "${CI:-false}" = true ]; then fail "$why"; exit 1; fi
	echo "SKIPPED openwrt runtime: $why"
	exit 0
fi

# One lab at a time across worktrees (tests/lab/mod.rs LOCK_PATH): the rpcd plugin signals every
# process running $BIN, as it signals every keepalived on a router.
exec 9>/tmp/keepalived-rs-lab.lock
flock 9

# --- the OpenWrt tree, relocated under $W ---------------------------------------------------
mkdir -p "$W/config" "$W/hotplug.d/keepalived" "$W/rpcd" "$W/rpc" "$W/run"
relocate() { # relocate SRC DST: an OpenWrt file with its absolute paths moved into $W
	sed -e "s|/lib/functions.sh|$PWD/tests/images/uci-shim.sh|" \
		-e "s|/usr/share/libubox/jshn.sh|$STAND/jshn.sh|" \
		-e "s|/usr/libexec/keepalived/rpc|$W/rpc|" \
		-e "s|/var/run/keepalived|$W/run|" \
		-e "s|/etc/keepalived.user|$W/keepalived.user|" \
		-e "s|/tmp/keepalived.json|$W/keepalived.json|" \
		-e "s|/etc/config/keepalived|$W/config/keepalived|" \
		-e "s|/lib/functions/keepalived|$W/libka|" \
		-e "s|/etc/init.d/|$W/init.d/|" \
		-e "s|/usr/sbin/keepalived|$BIN|" "$1" >"$2"
	chmod +x "$2"
}

# uci-defaults on a config from before "globals": section retyped and renamed, options kept, and
# a second run (every first boot after an upgrade) changes nothing
relocate "$OWRT/keepalived.uci-defaults" "$W/uci-defaults"
printf "config global_defs\n\toption enabled '1'\n\toption router_id 'old'\n\nconfig vrrp_instance\n\toption name 'X'\n" >"$W/config/keepalived"
uci_defaults() { PATH="$STAND:$PATH" UCI_CONFIG_DIR="$W/config" "$W/uci-defaults"; }
got=$(uci_defaults 2>&1 && UCI_CONFIG_DIR="$W/config" sh -c '. "$1" && config_load keepalived && config_get r globals router_id && echo "$r"' \
	sh tests/images/uci-shim.sh 2>&1)
first=$(cat "$W/config/keepalived")
if [ "$got" = old ] && grep -qx "config globals 'globals'" "$W/config/keepalived" && uci_defaults && [ "$(cat "$W/config/keepalived")" = "$first" ]; then
	pass "uci-defaults: global_defs becomes globals 'globals', options kept; second run changes nothing"
else
	fail "uci-defaults: global_defs becomes globals 'globals'" "$got"$'\n'"$(cat "$W/config/keepalived")"
fi
cp tests/openwrt/runtime.uci "$W/config/keepalived"
relocate "$OWRT/hotplug/01-ubus" "$W/hotplug.d/keepalived/01-ubus"
relocate "$OWRT/hotplug/01-user" "$W/hotplug.d/keepalived/01-user"
relocate "$OWRT/rpcd/keepalived" "$W/rpcd/keepalived"
relocate "$OWRT/rpcd/status.sh" "$W/rpc/status.sh"
# an extension written as keepalived-sync's rpc/sync.sh is: its methods are named by its _help
cat >"$W/rpc/extra.sh" <<'END'
extra_help() { json_add_object hello; json_close_object; }
hello() { json_init; json_add_string answer hi; json_dump; }
END
# keepalived-sync's stock files as keepalived-rs-sync installs them: its rpc extension
# (rsync_status) and a service hook (551-dnsmasq: restart on MASTER, stop on BACKUP) on our events;
# the rsync/ssh/inotifywait transfer itself is not run (needs two hosts and OpenWrt's lock)
SYNC=
if [ -n "${OPENWRT_PACKAGES:-}" ]; then
	SYNC=$OPENWRT_PACKAGES/net/keepalived/files
	mkdir -p "$W/libka" "$W/init.d"
	relocate "$SYNC/usr/libexec/keepalived/rpc/sync.sh" "$W/rpc/sync.sh"
	relocate "$SYNC/lib/functions/keepalived/hotplug.sh" "$W/libka/hotplug.sh"
	relocate "$SYNC/lib/functions/keepalived/common.sh" "$W/libka/common.sh"
	relocate "$SYNC/etc/hotplug.d/keepalived/551-dnsmasq" "$W/hotplug.d/keepalived/551-dnsmasq"
	# a dnsmasq init script that logs its actions and keeps a running flag
	cat >"$W/init.d/dnsmasq" <<END
#!/bin/sh
echo "\$1" >>"$W/dnsmasq.log"
case "\$1" in start | restart) : >"$W/dnsmasq.on" ;; stop) rm -f "$W/dnsmasq.on" ;; running) [ -e "$W/dnsmasq.on" ] ;; esac
END
	chmod +x "$W/init.d/dnsmasq"
else
	echo "not run: keepalived-sync's stock files (set OPENWRT_PACKAGES to a checkout of openwrt/packages)"
fi
# the user hook the stock keepalived.user documents: every event with ACTION, TYPE, NAME
{ cat "$OWRT/keepalived.user"; echo 'echo "$ACTION $TYPE $NAME" >>'"$W/user.log"; } >"$W/keepalived.user"

# --- generated config ------------------------------------------------------------------------
UCI_CONFIG_DIR="$W/config" KEEPALIVED_HANDWRITTEN="$W/none.conf" \
	"$(command -v dash || echo sh)" -c '. "$1" && . "$2" && keepalived_uci_generate "$3" keepalived' \
	gen tests/images/uci-shim.sh "$OWRT/keepalived-uci.sh" "$W/gen.conf"
hp='"/bin/busybox env -i ACTION=%s TYPE=%s NAME=%s /sbin/hotplug-call keepalived"'
missing=
# shellcheck disable=SC2059 # hp is the format
for want in "notify_master $(printf "$hp" NOTIFY_MASTER INSTANCE VI_1)" \
	"notify_stop $(printf "$hp" NOTIFY_STOP INSTANCE VI_2)" \
	"notify $(printf "$hp" NOTIFY GROUP G1)"; do
	grep -qxF "	$want" "$W/gen.conf" || missing="$missing$want"$'\n'
done
if [ -z "$missing" ]; then pass "notify hooks emitted with no notify option in UCI"; else fail "notify hooks missing" "$missing"; fi
# hotplug-call is not on this host: the stand-in, with the relocated hotplug.d and UCI dir
sed -e "s|/sbin/hotplug-call|HOTPLUG_D=$W/hotplug.d UCI_CONFIG_DIR=$W/config FUNCTIONS_SH=$PWD/tests/images/uci-shim.sh $STAND/hotplug-call|" \
	"$W/gen.conf" >"$W/keepalived.conf"

# --- the daemon ----------------------------------------------------------------------------
ip netns add "$NS"
ip -n "$NS" link add eth0 type veth peer name eth1
for l in lo eth0 eth1; do ip -n "$NS" link set "$l" up; done
ip -n "$NS" addr add 10.61.0.1/24 dev eth0
ip netns exec "$NS" env TMPDIR="$W" "$BIN" -n -l -p "$W/k.pid" -r "$W/v.pid" -c "$W/c.pid" -f "$W/keepalived.conf" >"$W/daemon.log" 2>&1 9>&- &
DAEMON=$!

status_is() { [ "$(cat "$W/run/$1/STATUS" 2>/dev/null)" = "$2" ]; }
# VI_1 starts MASTER; VI_2, alone on its VRID, after 3 adverts + skew (~3.6 s); margin for 2 loaded cores
for s in VI_1_INSTANCE G1_GROUP VI_2_INSTANCE; do
	if wait_for 10 status_is "$s" NOTIFY_MASTER; then
		pass "01-ubus: $s STATUS NOTIFY_MASTER"
	else
		fail "01-ubus: $s STATUS NOTIFY_MASTER" "$(ls -R "$W/run"; cat "$W/run/$s/STATUS" 2>&1; tail -20 "$W/daemon.log")"
	fi
done
if grep -qxF "NOTIFY_MASTER INSTANCE VI_2" "$W/user.log" 2>/dev/null && grep -qxF "NOTIFY_MASTER GROUP G1" "$W/user.log"; then
	pass "01-user: /etc/keepalived.user ran with ACTION TYPE NAME"
else
	fail "01-user: /etc/keepalived.user ran with ACTION TYPE NAME" "$(cat "$W/user.log" 2>&1)"
fi

# A real server's event as the checker child sends it (the generated notify_down command): recorded
# like the stock 01-ubus does, and kept at the next event while the real_server is configured; a
# name no longer configured is dropped at the next event
rs_event() { /bin/busybox env -i ACTION="$1" TYPE=REAL_SERVER NAME="$2" HOTPLUG_D="$W/hotplug.d" UCI_CONFIG_DIR="$W/config" FUNCTIONS_SH="$PWD/tests/images/uci-shim.sh" "$STAND/hotplug-call" keepalived; }
rs_event NOTIFY_DOWN gone1
rs_event NOTIFY_DOWN web1
if status_is web1_REAL_SERVER NOTIFY_DOWN && [ -s "$W/run/web1_REAL_SERVER/TIME" ] && [ ! -e "$W/run/gone1_REAL_SERVER" ]; then
	pass "01-ubus: REAL_SERVER status recorded; an unconfigured one dropped"
else
	fail "01-ubus: REAL_SERVER status recorded; an unconfigured one dropped" "$(ls -R "$W/run")"
fi

# events at once, as on a router (an instance's and its group's notify fire together): the records
# of others, here VI_2's, must survive each run's clean-up of directories no longer configured
ev_at_once() {
	local pids='' n
	for _ in 1 2 3 4 5; do
		for n in NOTIFY_MASTER:INSTANCE:VI_1 NOTIFY_MASTER:GROUP:G1 NOTIFY_DOWN:REAL_SERVER:web1; do
			/bin/busybox env -i ACTION="${n%%:*}" TYPE="$(echo "$n" | cut -d: -f2)" NAME="${n##*:}" HOTPLUG_D="$W/hotplug.d" \
				UCI_CONFIG_DIR="$W/config" FUNCTIONS_SH="$PWD/tests/images/uci-shim.sh" "$STAND/hotplug-call" keepalived &
			pids="$pids $!"
		done
	done
	# shellcheck disable=SC2086 # pid list
	wait $pids
	status_is VI_2_INSTANCE NOTIFY_MASTER && status_is VI_1_INSTANCE NOTIFY_MASTER && status_is web1_REAL_SERVER NOTIFY_DOWN
}
if ev_at_once; then
	pass "01-ubus: 15 events at once lose no record"
else
	fail "01-ubus: 15 events at once lose no record" "$(ls -R "$W/run"; cat "$W"/run/*/STATUS)"
fi

export RPCD_DIR="$W/rpcd" UCI_CONFIG_DIR="$W/config"
out=$("$STAND/ubus" -v list keepalived 2>&1)
if printf '%s' "$out" | python3 -c 'import json,sys; v=json.load(sys.stdin); assert set(v) == {"dump", "status", "hello"} | ({"rsync_status"} if sys.argv[1] else set()), v' "$SYNC"; then
	pass "ubus list: dump, status (rpc/status.sh), hello (rpc/extra.sh extra_help)${SYNC:+, rsync_status (stock rpc/sync.sh)}"
else
	fail "ubus list: dump, status (rpc/status.sh), hello (rpc/extra.sh extra_help)${SYNC:+, rsync_status}" "$out"
fi
if [ -n "$SYNC" ]; then
	out=$("$STAND/ubus" call keepalived rsync_status 2>&1)
	if printf '%s' "$out" | python3 -c 'import json,sys; v=json.load(sys.stdin); assert [i["name"] for i in v["vrrp_instance"]] == ["VI_1", "VI_2"], v'; then
		pass "keepalived-sync: ubus call keepalived rsync_status lists the instances"
	else
		fail "keepalived-sync: ubus call keepalived rsync_status lists the instances" "$out"
	fi
	# VI_2 enters BACKUP at start (dnsmasq not running: nothing to stop), then the MASTERs start it
	if [ -e "$W/dnsmasq.on" ] && [ "$(grep -vx running "$W/dnsmasq.log" | head -1)" = start ]; then
		pass "keepalived-sync: 551-dnsmasq starts dnsmasq on our NOTIFY_MASTER (then: $(grep -vx running "$W/dnsmasq.log" | sed 1d | tr "\n" " "))"
	else
		fail "keepalived-sync: 551-dnsmasq starts dnsmasq on our NOTIFY_MASTER" "$(cat "$W/dnsmasq.log" 2>&1)"
	fi
fi
out=$("$STAND/ubus" call keepalived hello 2>&1)
if case "$out" in *'"answer": "hi"'*) true ;; *) false ;; esac; then pass "rpc extension method named by its _help answers"; else fail "rpc extension method named by its _help answers" "$out"; fi

# The fields LuCI's status view reads, for every instance
out=$("$STAND/ubus" call keepalived dump 2>&1)
if err=$(printf '%s' "$out" | python3 -c '
import json, sys
st = json.load(sys.stdin)["status"]
names = sorted(i["data"]["iname"] for i in st)
assert names == ["VI_1", "VI_2"], names
for i in st:
    d, s = i["data"], i["stats"]
    assert d["ifp_ifname"] == "eth0", d
    assert d["state"] == 2, d
    assert isinstance(d["last_transition"], (int, float)) and d["last_transition"] > 0, d
    assert isinstance(s["advert_sent"], int) and s["advert_sent"] > 0, s
    assert isinstance(s["advert_rcvd"], int), s
' 2>&1); then
	pass "ubus call keepalived dump: iname, ifp_ifname, state, last_transition, advert_sent/rcvd per instance"
else
	fail "ubus call keepalived dump" "$err"$'\n'"$out"
fi

out=$("$STAND/ubus" call keepalived status 2>&1)
if err=$(printf '%s' "$out" | python3 -c '
import json, sys
v = json.load(sys.stdin)
inst = {e["name"]: e for e in v["instance"]}
assert sorted(inst) == ["VI_1", "VI_2"], v
assert all(e["status"] == "NOTIFY_MASTER" and e["event"] > 0 for e in inst.values()), v
assert [(e["name"], e["status"]) for e in v["group"]] == [("G1", "NOTIFY_MASTER")], v
' 2>&1); then
	pass "ubus call keepalived status: instances and group from 01-ubus"
else
	fail "ubus call keepalived status" "$err"$'\n'"$out"
fi

out=$("$W/rpcd/keepalived" call nosuch </dev/null 2>&1)
if case "$out" in *'"invalid call nosuch"'*) true ;; *) false ;; esac; then pass "unknown method answers an error"; else fail "unknown method answers an error" "$out"; fi

# SIGTERM: notify_stop for both instances, then dump answers at once that nothing runs
kill "$DAEMON" 2>/dev/null
wait "$DAEMON"
DAEMON=
# Both scripts run at the stop, in parallel: wait for both, not for the first and then look once at the other.
both_stopped() { status_is VI_1_INSTANCE NOTIFY_STOP && status_is VI_2_INSTANCE NOTIFY_STOP; }
if wait_for 5 both_stopped; then
	pass "01-ubus: NOTIFY_STOP on shutdown"
else
	fail "01-ubus: NOTIFY_STOP on shutdown" "$(cat "$W"/run/*/STATUS 2>&1)"
fi
if status_is web1_REAL_SERVER NOTIFY_DOWN; then
	pass "01-ubus: a configured REAL_SERVER's record outlives later events"
else
	fail "01-ubus: a configured REAL_SERVER's record outlives later events" "$(ls -R "$W/run")"
fi
start=$SECONDS
out=$("$STAND/ubus" call keepalived dump 2>&1)
if printf '%s' "$out" | grep -q '"keepalived is not running"' && [ $((SECONDS - start)) -lt 3 ]; then
	pass "dump with no daemon: error, no wait"
else
	fail "dump with no daemon: error, no wait" "$out"
fi

[ "$fails" = 0 ]
