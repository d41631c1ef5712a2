#!/usr/bin/env bash
# Checks the packaging in image/: shell syntax and shellcheck of the OpenWrt init script, the UCI
# generator and the BusyBox init script; the UCI->keepalived.conf generator on the samples in
# tests/images/ (output must pass `-t` of our binary and of keepalived 2.2.7 in a network
# namespace holding the interfaces the samples name); the Containerfile; the buildroot and
# OpenWrt makefiles (variable names only); the systemd unit (systemd-analyze verify); the buildroot
# BusyBox init script's stop/restart against our daemon in a namespace; the Debian .deb (image/debian/)
# built, compared with Debian's keepalived package, installed into a throwaway root and started there
# (busybox, dpkg-deb: tests/setup.d/packaging.sh).
#
#   tests/images.sh              # needs root for the netns part; skipped (with a note) otherwise,
#                                # a failure when CI=true
#   KEEPALIVED_BIN=path tests/images.sh
# shellcheck disable=SC2016,SC2013 # regexes hold literal $; path lists have no blanks
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BIN=${KEEPALIVED_BIN:-target/debug/keepalived}
REF=/usr/sbin/keepalived
SAMPLES=tests/images
OWRT=image/openwrt
NS=ka-images-$$
WORK=$(mktemp -d)
fails=0
checks=0

cleanup() {
	ip netns del "$NS" 2>/dev/null
	ip netns del "ka-br-$$" 2>/dev/null
	ip netns del "ka-deb-$$" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

pass() {
	checks=$((checks + 1))
	printf 'ok   %s\n' "$1"
}
fail() {
	checks=$((checks + 1))
	fails=$((fails + 1))
	printf 'FAIL %s\n' "$1"
	[ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/     /'
}
skip() {
	printf 'skip %s\n' "$1"
}
# check NAME CMD... : runs CMD, passes when it exits 0, shows its output otherwise
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$out"; fi
}

# gone PID: no such process, or a zombie (a detached daemon's reaper, PID 1 here, may be slow to reap)
gone() { [ ! -r "/proc/$1/stat" ] || case $(cat "/proc/$1/stat" 2>/dev/null) in *") Z "* | "") true ;; *) false ;; esac; }

# --- shell scripts -------------------------------------------------------------------------
SCRIPTS="$OWRT/files/keepalived.init $OWRT/files/keepalived-uci.sh $SAMPLES/uci-shim.sh image/buildroot/S50keepalived image/buildroot/update-hash.sh image/debian/build-deb.sh image/systemd/try-under-systemd.sh tests/images.sh"
for s in $SCRIPTS; do
	check "sh -n $s" sh -n "$s"
	command -v dash >/dev/null && check "dash -n $s" dash -n "$s"
done
if command -v shellcheck >/dev/null; then
	# shellcheck disable=SC2086 # word list of paths without blanks
	check "shellcheck $SCRIPTS" shellcheck -x $SCRIPTS
else
	fail "shellcheck missing (apt-get install shellcheck)"
fi

# --- UCI -> keepalived.conf --------------------------------------------------------------
# generate UCI_FILE OUT [HANDWRITTEN]: runs the generator as the init script would, in dash
# when present (closest to BusyBox ash), with the uci shim in place of /lib/functions.sh.
generate() {
	local dir
	dir="$WORK/uci-$(basename "$1" .uci)"
	mkdir -p "$dir"
	cp "$1" "$dir/keepalived"
	UCI_CONFIG_DIR="$dir" KEEPALIVED_HANDWRITTEN="${3:-$WORK/none.conf}" \
		"$(command -v dash || echo sh)" -c '. "$1" && . "$2" && keepalived_uci_generate "$3" keepalived' \
		gen "$SAMPLES/uci-shim.sh" "$OWRT/files/keepalived-uci.sh" "$2"
}

GENERATED=
for u in router-pair unicast lvs; do
	out="$WORK/$u.conf"
	if err=$(generate "$SAMPLES/$u.uci" "$out" 2>&1) && [ -s "$out" ] && [ ! -L "$out" ]; then
		pass "generate $u.uci -> keepalived.conf"
		GENERATED="$GENERATED $out"
	else
		fail "generate $u.uci" "$err"
	fi
done

# the generator must follow the stock output for these UCI details
expect_line() {
	if grep -qE -e "$2" "$1"; then pass "$3"; else fail "$3" "no line matching /$2/ in $1"; fi
}
expect_no_line() {
	if grep -qE -e "$2" "$1"; then fail "$3" "$(grep -nE -e "$2" "$1")"; else pass "$3"; fi
}
if [ -f "$WORK/router-pair.conf" ]; then
	f=$WORK/router-pair.conf
	expect_line "$f" '^	script_user root$' "globals: script_user root always emitted"
	expect_line "$f" '^	enable_script_security$' "globals: enable_script_security always emitted"
	expect_line "$f" '^		192\.168\.1\.1/24 dev eth0 label eth0:vip scope global$' "ipaddress: dev, default label suffix, scope"
	expect_line "$f" '^		203\.0\.113\.10/24 dev eth1 label eth1:gw$' "ipaddress: label_suffix"
	expect_line "$f" '^	nopreempt$' "flag option written without value"
	expect_line "$f" '^	script "/bin/test -d /"$' "value with blanks quoted"
	expect_line "$f" '^		check_up$' "track_script naming a track_script section (older schema)"
	expect_line "$f" '^		0\.0\.0\.0/0 via 203\.0\.113\.1 dev eth1$' "virtual_routes from route sections"
	expect_line "$f" '^	198\.18\.0\.0/15 via 203\.0\.113\.1 dev eth1$' "static_routes from route sections"
	expect_no_line "$f" 'NOT_DEFINED' "sync group drops members that are not vrrp_instances"
fi
if [ -f "$WORK/unicast.conf" ]; then
	expect_line "$WORK/unicast.conf" '^		10\.0\.0\.13 min_ttl 64 max_ttl 255$' "unicast_peer resolved through peer sections, with TTLs"
	expect_line "$WORK/unicast.conf" '^		gw_ping weight -20 reverse$' "track_script naming a vrrp_script (current schema)"
	expect_line "$WORK/unicast.conf" '^	eth0 2 1$' "interface_up_down_delays"
fi
if [ -f "$WORK/lvs.conf" ]; then
	f=$WORK/lvs.conf
	expect_line "$f" '^virtual_server 192\.168\.10\.100 80 \{$' "virtual_server header"
	expect_line "$f" '^	sorry_server 192\.168\.10\.250 80$' "sorry_server"
	expect_line "$f" '^				path /health$' "HTTP_GET url from url section"
	expect_no_line "$f" '192\.168\.10\.13' "disabled real_server left out"
fi

# notify hooks (every one, also those the UCI file does not name) and OpenWrt-only hooks: compared
# as text, their commands exist only on OpenWrt
if KA_HOTPLUG=1 generate "$SAMPLES/notify.uci" "$WORK/notify.conf" && [ -s "$WORK/notify.conf" ]; then
	pass "generate notify.uci -> keepalived.conf"
	f=$WORK/notify.conf
	hp='"/bin/busybox env -i ACTION=%s TYPE=%s NAME=%s /sbin/hotplug-call keepalived"'
	# shellcheck disable=SC2059 # hp is the format
	for want in "^	notify_master $(printf "$hp" NOTIFY_MASTER INSTANCE VI_1)\$" \
		"^	notify_backup $(printf "$hp" NOTIFY_BACKUP INSTANCE VI_1)\$" \
		"^	notify $(printf "$hp" NOTIFY GROUP G1)\$" \
		"^		notify_down $(printf "$hp" NOTIFY_DOWN REAL_SERVER dns1)\$" \
		"^		notify_up $(printf "$hp" NOTIFY_UP REAL_SERVER dns1)\$" \
		"^	notify_fault $(printf "$hp" NOTIFY_FAULT INSTANCE VI_1)\$" \
		"^	startup_script $(printf "$hp" startup X X | sed 's/ TYPE=X NAME=X//')\$" \
		"^	shutdown_script_timeout 10\$" '^	global_tracking$' '^	use_vmac$' '^		PING_CHECK \{$'; do
		expect_line "$f" "$want" "notify.uci: $want"
	done
else
	fail "generate notify.uci"
fi

# alt_config_file and "no instances" both point /tmp/keepalived.conf at a hand-written file
hand="$WORK/hand.conf"
cp "$OWRT/files/keepalived.conf" "$hand"
sed "s|@ALT@|$hand|" "$SAMPLES/alt-config.uci" >"$WORK/alt.uci"
if generate "$WORK/alt.uci" "$WORK/alt.conf" && [ "$(readlink "$WORK/alt.conf")" = "$hand" ]; then
	pass "alt_config_file -> symlink to the hand-written file"
else
	fail "alt_config_file -> symlink to the hand-written file"
fi
if generate "$SAMPLES/empty.uci" "$WORK/empty.conf" "$hand" && [ "$(readlink "$WORK/empty.conf")" = "$hand" ]; then
	pass "no UCI instances -> symlink to /etc/keepalived/keepalived.conf"
else
	fail "no UCI instances -> symlink to /etc/keepalived/keepalived.conf"
fi
if generate "$SAMPLES/empty.uci" "$WORK/empty2.conf" && [ -f "$WORK/empty2.conf" ] && [ ! -L "$WORK/empty2.conf" ]; then
	pass "no UCI instances and no hand-written file -> generated file"
	GENERATED="$GENERATED $WORK/empty2.conf"
else
	fail "no UCI instances and no hand-written file -> generated file"
fi
GENERATED="$GENERATED $hand image/container/keepalived.conf"

# --- the init script under stubbed procd ------------------------------------------------------
# A copy of the init script with its paths moved into $WORK runs each rc.common action with procd
# calls logged instead of executed.
run_init() { # run_init UCI_FILE|- HANDWRITTEN|- ACTION...
	local d="$WORK/init" init
	rm -rf "$d"
	mkdir -p "$d/config"
	[ "$1" = - ] || cp "$1" "$d/config/keepalived"
	[ "$2" = - ] || cp "$2" "$d/hand.conf"
	init="$d/keepalived.init"
	sed -e "s|/usr/share/keepalived-rs/keepalived-uci.sh|$PWD/$OWRT/files/keepalived-uci.sh|" \
		-e "s|/etc/config/keepalived|$d/config/keepalived|g" \
		-e "s|/etc/keepalived/keepalived.conf|$d/hand.conf|g" \
		-e "s|^KEEPALIVED_CONF=.*|KEEPALIVED_CONF=$d/run.conf|" "$OWRT/files/keepalived.init" >"$init"
	shift 2
	UCI_CONFIG_DIR="$d/config" KEEPALIVED_HANDWRITTEN="$d/hand.conf" "$(command -v dash || echo sh)" -c '
		procd_open_instance() { echo "open_instance $*"; }
		procd_set_param() { echo "set_param $*"; }
		procd_close_instance() { echo "close_instance"; }
		procd_send_signal() { echo "send_signal $*"; }
		procd_add_reload_trigger() { echo "reload_trigger $*"; }
		stop() { echo "stop"; }
		. "$1" && . "$2"
		shift 2
		for a in "$@"; do "$a" || echo "$a failed"; done' \
		init "$SAMPLES/uci-shim.sh" "$init" "$@" >"$d/log" 2>&1
}
init_log_has() { # init_log_has WHAT NAME
	if grep -qxF -e "$1" "$WORK/init/log"; then pass "$2"; else fail "$2" "$(cat "$WORK/init/log")"; fi
}
run_init "$SAMPLES/router-pair.uci" - start_service service_triggers
init_log_has "set_param command /usr/sbin/keepalived -n -f $WORK/init/run.conf" "init start: keepalived -n -f /tmp/keepalived.conf under procd"
init_log_has "set_param respawn" "init start: respawn"
init_log_has "reload_trigger keepalived" "init: reload on UCI commit of keepalived"
if grep -q '^vrrp_instance LAN {$' "$WORK/init/run.conf" 2>/dev/null; then pass "init start: config generated from UCI"; else fail "init start: config generated from UCI"; fi
run_init "$SAMPLES/router-pair.uci" - reload_service
init_log_has "send_signal keepalived * HUP" "init reload: regenerates and sends SIGHUP"
printf "config globals 'globals'\n\toption enabled '0'\n" >"$WORK/disabled.uci"
run_init "$WORK/disabled.uci" - start_service
if grep -q open_instance "$WORK/init/log"; then fail "init start: globals.enabled 0 starts nothing" "$(cat "$WORK/init/log")"; else pass "init start: globals.enabled 0 starts nothing"; fi
run_init - "$OWRT/files/keepalived.conf" start_service
if [ "$(readlink "$WORK/init/run.conf")" = "$WORK/init/hand.conf" ] && grep -q open_instance "$WORK/init/log"; then
	pass "init start: no UCI file -> runs the hand-written keepalived.conf"
else
	fail "init start: no UCI file -> runs the hand-written keepalived.conf" "$(cat "$WORK/init/log")"
fi
run_init "$OWRT/files/keepalived.config" "$OWRT/files/keepalived.conf" start_service
if grep -q open_instance "$WORK/init/log"; then
	fail "init start: shipped UCI defaults (enabled 0, as stock) start nothing" "$(cat "$WORK/init/log")"
else
	pass "init start: shipped UCI defaults (enabled 0, as stock) start nothing"
fi

# --- config check with both implementations ----------------------------------------------
if [ ! -x "$BIN" ]; then
	fail "binary $BIN missing (cargo build, or set KEEPALIVED_BIN)"
elif [ "$(id -u)" != 0 ] || ! ip netns add "$NS" 2>/dev/null; then
	# CI=true (tests/run.sh): a check that cannot run is a failure
	if [ "${CI:-false}" = true ]; then
		fail "keepalived -t in a network namespace needs root"
	else
		skip "keepalived -t in a network namespace (needs root)"
	fi
else
	# the samples name eth0 and eth1
	ip -n "$NS" link add eth0 type veth peer name eth1
	ip -n "$NS" link set lo up
	ip -n "$NS" link set eth0 up
	ip -n "$NS" link set eth1 up
	for conf in $GENERATED; do
		name=${conf#"$WORK"/}
		check "ours -t $name" ip netns exec "$NS" "$BIN" -t -l -f "$conf"
		if [ -x "$REF" ]; then
			check "keepalived 2.2.7 -t $name" ip netns exec "$NS" "$REF" -t -l -f "$conf"
		else
			skip "keepalived 2.2.7 -t $name ($REF missing)"
		fi
	done
fi

# --- buildroot: the BusyBox init script against our daemon ---------------------------------------
# S50keepalived run by BusyBox sh with BusyBox start-stop-daemon (which ignores -R) in a namespace:
# when `stop` (and so `restart`) returns, the old daemon must have exited and given up its address.
buildroot_init_lab() {
	local ns=ka-br-$$ d="$WORK/br" init old new
	if [ ! -x "$BIN" ] || ! command -v busybox >/dev/null || [ "$(id -u)" != 0 ]; then
		if [ "${CI:-false}" = true ]; then fail "buildroot init lab needs root, busybox and $BIN"; else skip "buildroot init lab (needs root, busybox and $BIN)"; fi
		return
	fi
	if ! ip netns add "$ns" 2>/dev/null; then
		fail "buildroot init lab: ip netns add $ns"
		return
	fi
	mkdir -p "$d/bin"
	for a in start-stop-daemon sleep cat rm; do ln -s "$(command -v busybox)" "$d/bin/$a"; done
	ln -s "$PWD/$BIN" "$d/keepalived"
	cat >"$d/keepalived.conf" <<-CONF
		vrrp_instance BR {
			state MASTER
			interface eth0
			virtual_router_id 77
			priority 200
			advert_int 1
			virtual_ipaddress {
				192.0.2.77/24
			}
		}
	CONF
	init="$d/S50keepalived"
	sed -e "s|^DAEMON=.*|DAEMON=$d/keepalived|" -e "s|^CONF=.*|CONF=$d/keepalived.conf|" \
		-e "s|^PIDFILE=.*|PIDFILE=$d/keepalived.pid|" -e "s|/etc/default/keepalived|$d/default|g" \
		image/buildroot/S50keepalived >"$init"
	ip -n "$ns" link add eth0 type veth peer name eth1
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set eth1 up
	brsh() { ip netns exec "$ns" env PATH="$d/bin:$PATH" busybox sh "$init" "$@" >>"$d/log" 2>&1; }
	has_vip() { ip -n "$ns" -4 addr show dev eth0 | grep 192.0.2.77/24 >/dev/null; }
	# MASTER at start: the address comes with the first advert; 3 advert_int + margin for 2 loaded cores
	wait_vip() {
		for _ in $(seq 100); do has_vip && return 0; sleep 0.1; done
		return 1
	}
	if brsh start && wait_vip; then pass "buildroot init: start -> VIP up"; else fail "buildroot init: start -> VIP up" "$(cat "$d/log")"; fi
	old=$(cat "$d/keepalived.pid" 2>/dev/null)
	if brsh stop && ! has_vip && [ -n "$old" ] && gone "$old"; then
		pass "buildroot init: stop returns after the daemon exited and removed its VIP"
	else
		fail "buildroot init: stop returns after the daemon exited and removed its VIP" "pid $old; $(cat "$d/log")"
	fi
	brsh start && wait_vip
	old=$(cat "$d/keepalived.pid" 2>/dev/null)
	brsh restart
	new=$(cat "$d/keepalived.pid" 2>/dev/null)
	if [ -n "$old" ] && gone "$old" && [ -n "$new" ] && [ "$new" != "$old" ] && ! gone "$new" && wait_vip; then
		pass "buildroot init: restart replaces the daemon once the old one exited"
	else
		fail "buildroot init: restart replaces the daemon once the old one exited" "old $old new $new; $(cat "$d/log")"
	fi
	brsh stop
	[ -n "$new" ] && ! gone "$new" && kill -KILL "$new"
	ip netns del "$ns"
}
buildroot_init_lab

# --- Debian: the .deb that swaps keepalived 2.2.7's binary for ours ---------------------------------
# Built from the installed keepalived package (tests/setup.sh installs it), checked against it, then
# installed with dpkg --root into a throwaway root (its maintainer scripts run chrooted there under
# BusyBox sh, update-rc.d/invoke-rc.d/deb-systemd-* stubbed), so this machine's own keepalived package
# and dpkg database stay as they were. The installed daemon then runs as Debian's unit starts it
# (ExecStart=/usr/sbin/keepalived --dont-fork $DAEMON_ARGS, /etc/default/keepalived) in a namespace
# whose /etc/keepalived and /run are the throwaway root's, and as Debian's /etc/init.d/keepalived starts it.
debian_deb_lab() {
	local d="$WORK/deb" r="$WORK/deb/root" ns=ka-deb-$$ deb="$WORK/deb/keepalived.deb" f sum pid args out missing
	if [ ! -x "$BIN" ] || ! command -v dpkg-deb >/dev/null || ! command -v busybox >/dev/null || [ "$(id -u)" != 0 ] \
		|| [ "$(dpkg-query -W -f '${Status}' keepalived 2>/dev/null)" != "install ok installed" ]; then
		if [ "${CI:-false}" = true ]; then fail ".deb lab needs root, dpkg-deb, busybox, Debian's keepalived and $BIN"; else skip ".deb lab (needs root, dpkg-deb, busybox, Debian's keepalived and $BIN)"; fi
		return
	fi
	mkdir -p "$d/x" "$d/ctl"
	if ! check "build-deb.sh $BIN" env DEB_COMPRESSION=gzip image/debian/build-deb.sh "$BIN" "$deb"; then return; fi
	dpkg-deb -x "$deb" "$d/x" && dpkg-deb -e "$deb" "$d/ctl"
	expect_line "$d/ctl/control" '^Package: keepalived$' ".deb: package name keepalived"
	expect_line "$d/ctl/control" "^Version: $(dpkg-query -W -f '${Version}' keepalived | sed 's/[.+]/\\&/g')\+rs" ".deb: version above Debian's"
	if cmp -s "$BIN" "$d/x/usr/sbin/keepalived"; then pass ".deb: /usr/sbin/keepalived is our binary"; else fail ".deb: /usr/sbin/keepalived is our binary"; fi
	if [ "$(readlink "$d/x/usr/bin/genhash")" = ../sbin/keepalived ]; then pass ".deb: /usr/bin/genhash links to it"; else fail ".deb: /usr/bin/genhash links to it"; fi
	if cmp -s /var/lib/dpkg/info/keepalived.conffiles "$d/ctl/conffiles"; then pass ".deb: same conffiles list as Debian's"; else fail ".deb: same conffiles list as Debian's" "$(diff /var/lib/dpkg/info/keepalived.conffiles "$d/ctl/conffiles")"; fi
	dpkg-query -W -f '${Conffiles}\n' keepalived | while read -r f sum _; do
		[ -n "$f" ] || continue
		if [ "$(md5sum <"$d/x$f" | cut -d' ' -f1)" = "$sum" ]; then pass ".deb: conffile $f as Debian ships it"; else fail ".deb: conffile $f as Debian ships it"; fi
	done
	for f in preinst postinst prerm postrm; do
		if cmp -s "/var/lib/dpkg/info/keepalived.$f" "$d/ctl/$f"; then pass ".deb: Debian's $f"; else fail ".deb: Debian's $f"; fi
	done
	missing=$(dpkg-query -L keepalived | while read -r f; do [ -e "$d/x$f" ] || [ -L "$d/x$f" ] || echo "$f"; done)
	if [ -z "$missing" ]; then pass ".deb: every path of Debian's package"; else fail ".deb: every path of Debian's package" "$missing"; fi

	# the throwaway root: an empty dpkg database and just enough for the maintainer scripts
	mkdir -p "$r/bin" "$r/usr/sbin" "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/run" "$r/tmp"
	: >"$r/var/lib/dpkg/status"
	mkdir -p "$r/dev" && mknod -m 666 "$r/dev/null" c 1 3
	cp "$(command -v busybox)" "$r/bin/busybox"
	for f in sh cat rm mkdir; do ln -s busybox "$r/bin/$f"; done
	for f in update-rc.d invoke-rc.d deb-systemd-helper deb-systemd-invoke systemctl; do
		printf '#!/bin/sh\necho "%s $*" >>/tmp/maint.log\n' "$f" >"$r/usr/sbin/$f"
		chmod +x "$r/usr/sbin/$f"
	done
	if out=$(PATH="$r/usr/sbin:$PATH" dpkg --root="$r" --force-depends --force-not-root -i "$deb" 2>&1) \
		&& [ "$(dpkg --root="$r" -s keepalived 2>/dev/null | sed -n 's/^Status: //p')" = "install ok installed" ]; then
		pass ".deb: dpkg -i (into a throwaway root)"
	else
		fail ".deb: dpkg -i (into a throwaway root)" "$out"
		return
	fi
	# dpkg -V: this machine's keepalived files still match Debian's package
	if cmp -s "$BIN" "$r/usr/sbin/keepalived" && [ -z "$(dpkg -V keepalived 2>&1)" ] && ! cmp -s "$BIN" /usr/sbin/keepalived; then
		pass ".deb: installed ours there, this machine's package untouched"
	else
		fail ".deb: installed ours there, this machine's package untouched"
	fi
	if grep -qx 'update-rc.d keepalived defaults' "$r/tmp/maint.log" && grep -q '^invoke-rc.d .*keepalived start$' "$r/tmp/maint.log"; then
		pass ".deb: Debian's postinst ran (update-rc.d defaults, invoke-rc.d start; stubbed)"
	else
		fail ".deb: Debian's postinst ran (update-rc.d defaults, invoke-rc.d start; stubbed)" "$(cat "$r/tmp/maint.log" 2>&1)"
	fi
	# started as Debian's unit does: DAEMON_ARGS from the installed /etc/default/keepalived
	sed -i 's/^DAEMON_ARGS=.*/DAEMON_ARGS="-D -l"/' "$r/etc/default/keepalived"
	cat >"$r/etc/keepalived/keepalived.conf" <<-CONF
		vrrp_instance DEB {
			state MASTER
			interface eth0
			virtual_router_id 78
			priority 200
			advert_int 1
			virtual_ipaddress {
				192.0.2.78/24
			}
		}
	CONF
	ip netns add "$ns" && ip -n "$ns" link add eth0 type veth peer name eth1
	ip -n "$ns" link set lo up && ip -n "$ns" link set eth0 up && ip -n "$ns" link set eth1 up
	args=$(sh -c '. "$1" && echo "$DAEMON_ARGS"' sh "$r/etc/default/keepalived")
	# shellcheck disable=SC2086 # DAEMON_ARGS is a word list, as systemd splits it
	ip netns exec "$ns" unshare -m sh -c 'mount --bind "$1/etc/keepalived" /etc/keepalived && mount --bind "$1/run" /run && shift && exec "$@"' \
		sh "$r" "$r/usr/sbin/keepalived" --dont-fork $args >"$d/daemon.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do ip -n "$ns" -4 addr show dev eth0 | grep 192.0.2.78/24 >/dev/null && break; sleep 0.1; done
	if ip -n "$ns" -4 addr show dev eth0 | grep 192.0.2.78/24 >/dev/null && [ -s "$r/run/keepalived.pid" ]; then
		pass ".deb: installed daemon runs Debian's ExecStart and becomes MASTER"
	else
		fail ".deb: installed daemon runs Debian's ExecStart and becomes MASTER" "$(cat "$d/daemon.log")"
	fi
	kill -TERM "$(cat "$r/run/keepalived.pid" 2>/dev/null || echo "$pid")" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if ! kill -0 "$pid" 2>/dev/null && ! ip -n "$ns" -4 addr show dev eth0 | grep 192.0.2.78/24 >/dev/null; then
		pass ".deb: installed daemon stops on SIGTERM and removes its VIP"
	else
		fail ".deb: installed daemon stops on SIGTERM and removes its VIP" "$(cat "$d/daemon.log")"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null

	# and as Debian's sysvinit script starts it (daemon mode, pid file, start-stop-daemon), with the
	# installed binary in /usr/sbin; /run is the throwaway root's, so no systemd redirection
	rm -f "$r/run/"*.pid
	debroot() {
		ip netns exec "$ns" unshare -m sh -c 'for p in /etc/keepalived /etc/default /etc/init.d /run /usr/sbin/keepalived; do
			mount --bind "$1$p" "$p" || exit 1; done; shift; exec "$@"' sh "$r" "$@" >>"$d/sysv.log" 2>&1
	}
	debroot /etc/init.d/keepalived start
	for _ in $(seq 100); do ip -n "$ns" -4 addr show dev eth0 | grep 192.0.2.78/24 >/dev/null && break; sleep 0.1; done
	pid=$(cat "$r/run/keepalived.pid" 2>/dev/null)
	if ip -n "$ns" -4 addr show dev eth0 | grep 192.0.2.78/24 >/dev/null && [ -n "$pid" ] && cmp -s "/proc/$pid/exe" "$BIN"; then
		pass ".deb: Debian's /etc/init.d/keepalived start runs ours, MASTER"
	else
		fail ".deb: Debian's /etc/init.d/keepalived start runs ours, MASTER" "pid $pid; $(cat "$d/sysv.log")"
	fi
	debroot /etc/init.d/keepalived stop
	for _ in $(seq 100); do gone "${pid:-none}" && break; sleep 0.1; done
	if [ -n "$pid" ] && gone "$pid" && ! ip -n "$ns" -4 addr show dev eth0 | grep 192.0.2.78/24 >/dev/null; then
		pass ".deb: Debian's /etc/init.d/keepalived stop"
	else
		fail ".deb: Debian's /etc/init.d/keepalived stop" "$(cat "$d/sysv.log")"
	fi
	# the daemon and its children, whatever the outcome above
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	ip netns del "$ns"
}
debian_deb_lab

# --- container ------------------------------------------------------------------------------
container_checks() {
	local CF=image/container/Containerfile froms out
	froms=$(grep -ciE '^[[:space:]]*FROM[[:space:]]' "$CF")
	if [ "$froms" = 1 ] && grep -qiE '^[[:space:]]*FROM[[:space:]]+scratch[[:space:]]*$' "$CF"; then
		pass "Containerfile: single stage FROM scratch"
	else
		fail "Containerfile: single stage FROM scratch" "$(grep -niE '^[[:space:]]*FROM' "$CF")"
	fi
	# RUN, SHELL or a shell-form CMD/ENTRYPOINT would need /bin/sh, which scratch does not have
	if grep -qiE '^[[:space:]]*(RUN|SHELL)[[:space:]]' "$CF" || grep -iE '^[[:space:]]*(CMD|ENTRYPOINT)[[:space:]]' "$CF" | grep -vE '[[:space:]]\[' >/dev/null \
		|| grep -vE '^[[:space:]]*#' "$CF" | grep -E '/bin/(ba|da)?sh' >/dev/null; then
		fail "Containerfile: nothing needs a shell" "$(grep -niE '^[[:space:]]*(RUN|SHELL|CMD|ENTRYPOINT)' "$CF")"
	else
		pass "Containerfile: nothing needs a shell (no RUN/SHELL, exec-form ENTRYPOINT)"
	fi
	# no -f: the binary picks /etc/keepalived/ or /usr/local/etc/keepalived/ (kubeadm's mount)
	expect_line "$CF" '^ENTRYPOINT \["/usr/sbin/keepalived", "-n", "-l"\]$' "Containerfile: ENTRYPOINT keepalived -n -l (default config paths)"
	expect_line "$CF" '^COPY target/cross/\$\{TARGET\}/keepalived /usr/sbin/keepalived$' "Containerfile: copies the static cross build"
	# a default config would join VRID 51 on whatever network the container lands on
	expect_no_line "$CF" '^[[:space:]]*(COPY|ADD)[[:space:]].*\.conf' "Containerfile: no default config in the image"
	for w in 'network host' 'cap-add NET_ADMIN' 'cap-add NET_RAW' 'kill -s HUP' 'KEEPALIVED_INTERFACE' \
		'KEEPALIVED_VIRTUAL_IPS' 'KEEPALIVED_UNICAST_PEERS' 'KEEPALIVED_COMMAND_LINE_ARGUMENTS' '/usr/local/etc/keepalived/keepalived.conf'; do
		expect_line image/container/README.md "$w" "container README documents $w"
	done
	expect_no_line image/container/README.md '^[^`]*docker run[^`]*--privileged' "container README does not use --privileged"
	# the env-var mode as the image runs it: no config file, only variables (eth0 is in $NS)
	if [ -x "$BIN" ] && ip netns list | grep -w "$NS" >/dev/null; then
		check "container: env-var mode config passes -t" ip netns exec "$NS" env -i KEEPALIVED_INTERFACE=eth0 \
			KEEPALIVED_VIRTUAL_IPS="#PYTHON2BASH:['192.0.2.100/24 dev eth0', '192.0.2.101']" \
			KEEPALIVED_UNICAST_PEERS=192.0.2.2 "$BIN" -t -l -f "$WORK/absent.conf"
		if out=$(ip netns exec "$NS" env -i KEEPALIVED_PRIORITY=300 KEEPALIVED_VIRTUAL_IPS=192.0.2.100 \
			"$BIN" -t -l -f "$WORK/absent.conf" 2>&1); then
			fail "container: a bad variable fails -t" "$out"
		else
			expect_output "container: a bad variable's error names it" "$out" "KEEPALIVED_PRIORITY='300'"
		fi
		if out=$(ip netns exec "$NS" env -i "$BIN" -n -l -f "$WORK/absent.conf" 2>&1); then
			fail "container: no config and no variables: the daemon does not start" "$out"
		else
			expect_output "container: no config and no variables: the daemon does not start" "$out" "Unable to open configuration file"
		fi
	else
		skip "container: env-var mode in a namespace (needs root and $BIN)"
	fi
}
# No `... | grep -q` in this file: with pipefail, grep quitting at its first match can leave the
# writer a SIGPIPE and fail a pipeline that matched (seen once: a FAIL whose output held the text).
expect_output() { # expect_output NAME OUTPUT FIXED_STRING
	case "$2" in *"$3"*) pass "$1" ;; *) fail "$1" "$2" ;; esac
}

# --- container image as an OCI layout (image/container/build-oci.sh, no daemon) -------------
# oci_blob LAYOUT DIGEST: the blob's path, when its content has that digest
oci_blob() {
	local f="$1/blobs/sha256/${2#sha256:}"
	[ -f "$f" ] && [ "sha256:$(sha256sum "$f" | cut -d' ' -f1)" = "$2" ] && printf '%s\n' "$f"
}
container_oci_checks() {
	local v out lay man cfg layer root
	check "sh -n image/container/build-oci.sh" sh -n image/container/build-oci.sh
	command -v shellcheck >/dev/null && check "shellcheck image/container/build-oci.sh" shellcheck image/container/build-oci.sh
	expect_line image/container/Containerfile.busybox '^ENTRYPOINT \["/usr/sbin/keepalived", "-n", "-l"\]$' "Containerfile.busybox: same ENTRYPOINT"
	expect_line image/container/Containerfile.busybox '^FROM scratch$' "Containerfile.busybox: FROM scratch"
	expect_no_line image/container/Containerfile.busybox '^[[:space:]]*(RUN|CMD|ENTRYPOINT)[[:space:]]+[^[]' "Containerfile.busybox: exec-form instructions only"
	expect_no_line image/container/Containerfile.busybox '^[[:space:]]*(COPY|ADD)[[:space:]].*\.conf' "Containerfile.busybox: no default config"
	if ! command -v jq >/dev/null || [ ! -x "$BIN" ]; then
		skip "container OCI layout (needs jq and $BIN)"
		return
	fi
	for v in scratch busybox; do
		lay=$WORK/oci-$v
		if ! out=$(BIN="$BIN" BUSYBOX="$(command -v busybox || echo /bin/busybox)" image/container/build-oci.sh "$lay" "$v" 2>&1); then
			fail "OCI $v: build-oci.sh" "$out"
			continue
		fi
		man=$(oci_blob "$lay" "$(jq -r '.manifests[0].digest' "$lay/index.json")") || man=
		cfg=${man:+$(oci_blob "$lay" "$(jq -r '.config.digest' "$man")")} || cfg=
		layer=${man:+$(oci_blob "$lay" "$(jq -r '.layers[0].digest' "$man")")} || layer=
		if [ "$(jq -r .imageLayoutVersion "$lay/oci-layout")" = 1.0.0 ] && [ -n "$man" ] && [ -n "$cfg" ] && [ -n "$layer" ] &&
			[ "$(jq -r '.manifests[0].size' "$lay/index.json")" = "$(stat -c %s "$man")" ] &&
			[ "$(jq -r '.layers[0].size' "$man")" = "$(stat -c %s "$layer")" ] &&
			[ "$(jq -r '.rootfs.diff_ids[0]' "$cfg")" = "sha256:$(gzip -dc "$layer" | sha256sum | cut -d' ' -f1)" ]; then
			pass "OCI $v: layout valid (index -> manifest -> config, layer; digests and sizes match)"
		else
			fail "OCI $v: layout valid" "$(ls -lR "$lay")"
			continue
		fi
		if [ "$(jq -c .config.Entrypoint "$cfg")" = '["/usr/sbin/keepalived","-n","-l"]' ]; then
			pass "OCI $v: entrypoint keepalived -n -l"
		else
			fail "OCI $v: entrypoint keepalived -n -l" "$(jq -c .config "$cfg")"
		fi
		root=$WORK/rootfs-$v
		mkdir -p "$root" && tar -xzf "$layer" -C "$root"
		if [ -x "$root/usr/sbin/keepalived" ] && [ ! -e "$root/etc/keepalived/keepalived.conf" ] &&
			[ ! -e "$root/usr/local/etc/keepalived/keepalived.conf" ]; then
			pass "OCI $v: the binary, and no default config"
		else
			fail "OCI $v: the binary, and no default config" "$(tar -tzf "$layer")"
		fi
		if [ "$v" = busybox ]; then
			if [ "$(id -u)" = 0 ]; then
				check "OCI busybox: /bin/sh runs in the image's root" chroot "$root" /bin/sh -c 'test -x /usr/sbin/keepalived && wget --help 2>&1 | grep -q Usage'
			else
				skip "OCI busybox: /bin/sh in the image's root (needs root for chroot)"
			fi
		elif [ ! -e "$root/bin/sh" ]; then
			pass "OCI scratch: no shell"
		else
			fail "OCI scratch: no shell"
		fi
		# the entrypoint in the image's root, env-var mode, in the namespace (needs a static binary)
		if file -L "$BIN" | grep -E 'statically linked|static-pie linked' >/dev/null && ip netns list | grep -w "$NS" >/dev/null; then
			check "OCI $v: entrypoint binary in the image's root takes the env-var mode (-t)" \
				env KEEPALIVED_INTERFACE=eth0 KEEPALIVED_VIRTUAL_IPS=192.0.2.100/24 \
				ip netns exec "$NS" chroot "$root" /usr/sbin/keepalived -t -l
		else
			skip "OCI $v: entrypoint in the image's root (needs root and a static $BIN: cross/build.sh x86_64-unknown-linux-musl)"
		fi
	done
}

# --- OpenWrt / buildroot makefiles (no build system here: names only) ----------------------
M=$OWRT/Makefile
for v in 'PKG_NAME:=keepalived-rs' 'PKG_BUILD_DEPENDS:=rust/host' 'PROVIDES:=keepalived' 'CONFLICTS:=keepalived' \
	'include .*/rust-package\.mk' 'RustBinPackage,keepalived-rs' 'BuildPackage,keepalived-rs' \
	'define Package/keepalived-rs/conffiles' '/etc/keepalived/keepalived\.conf' '/etc/config/keepalived' \
	'\$\(RUST_ARCH_DEPENDS\)' 'files/keepalived\.init \$\(1\)/etc/init\.d/keepalived' \
	'files/keepalived-uci\.sh \$\(1\)/usr/share/keepalived-rs/keepalived-uci\.sh' '/usr/sbin/keepalived'; do
	expect_line "$M" "$v" "OpenWrt Makefile: $v"
done
for f in $(sed -n 's|.*\./\(files/[^ ]*\) .*|\1|p' "$M"); do
	if [ -f "$OWRT/$f" ]; then pass "OpenWrt Makefile installs existing $f"; else fail "OpenWrt Makefile installs missing $f"; fi
done
I=$OWRT/files/keepalived.init
for v in '^USE_PROCD=1$' 'procd_set_param respawn' 'procd_add_reload_trigger "keepalived"' '^service_triggers\(\)' \
	'^reload_service\(\)' 'procd_send_signal keepalived' '-n -f "\$KEEPALIVED_CONF"' '^\. /usr/share/keepalived-rs/keepalived-uci\.sh$'; do
	expect_line "$I" "$v" "init script: $v"
done
B=image/buildroot/keepalived-rs.mk
for v in '^KEEPALIVED_RS_VERSION =' '^KEEPALIVED_RS_SITE =' '^KEEPALIVED_RS_LICENSE =' \
	'^\$\(eval \$\(cargo-package\)\)$' '^define KEEPALIVED_RS_INSTALL_TARGET_CMDS$' '^define KEEPALIVED_RS_INSTALL_INIT_SYSTEMD$' \
	'^define KEEPALIVED_RS_INSTALL_INIT_SYSV$' '^KEEPALIVED_RS_CARGO_ENV \+=' '^KEEPALIVED_RS_CARGO_BUILD_OPTS =' \
	'^ifeq \(\$\(BR2_PACKAGE_KEEPALIVED_RS_TLS\),y\)$' '^KEEPALIVED_RS_CARGO_BUILD_OPTS \+= --features tls$' \
	'ln -sf \.\./sbin/keepalived \$\(TARGET_DIR\)/usr/bin/genhash$' '/etc/init\.d/S50keepalived$'; do
	expect_line "$B" "$v" "buildroot .mk: $v"
done
# every KEEPALIVED_RS_* variable set must be one the infrastructures read (typos are silent in make)
known='VERSION SITE SITE_METHOD LICENSE LICENSE_FILES CARGO_ENV CARGO_BUILD_OPTS CARGO_INSTALL_OPTS DEPENDENCIES SUBDIR
INSTALL_TARGET_CMDS INSTALL_INIT_SYSTEMD INSTALL_INIT_SYSV INSTALL_INIT_OPENRC OVERRIDE_SRCDIR BUILD_PROFILE'
for v in $(grep -oE '^(define )?KEEPALIVED_RS_[A-Z_]+' "$B" | sed 's/^define //; s/^KEEPALIVED_RS_//' | sort -u); do
	# shellcheck disable=SC2086 # one name per line
	if printf '%s\n' $known | grep -x "$v" >/dev/null; then pass "buildroot .mk: KEEPALIVED_RS_$v is a known variable"; else fail "buildroot .mk: unknown variable KEEPALIVED_RS_$v"; fi
done
for f in $(sed -n 's|.*\$(@D)/\([^ ]*\).*|\1|p' "$B" | grep -v '^target/'); do
	if [ -f "$f" ]; then pass "buildroot .mk installs existing $f"; else fail "buildroot .mk installs missing $f"; fi
done
# .hash: buildroot's check-hash format, naming the version the .mk downloads
H=image/buildroot/keepalived-rs.hash
brver=$(sed -n 's/^KEEPALIVED_RS_VERSION = //p' "$B")
bad=$(grep -vE '^(#|$)' "$H" | grep -vE "^(none|sha256|sha512)  [0-9a-fx]+  keepalived-rs-$brver-cargo[0-9]+\.tar\.gz$")
if [ -z "$bad" ] && grep -qE "keepalived-rs-$brver-cargo" "$H"; then pass "buildroot .hash: entries for keepalived-rs-$brver"; else fail "buildroot .hash: entries for keepalived-rs-$brver" "$bad"; fi
C=image/buildroot/Config.in
for v in '^config BR2_PACKAGE_KEEPALIVED_RS$' '^config BR2_PACKAGE_KEEPALIVED_RS_TLS$' 'depends on BR2_PACKAGE_HOST_RUSTC_TARGET_ARCH_SUPPORTS' 'select BR2_PACKAGE_HOST_RUSTC$'; do
	expect_line "$C" "$v" "buildroot Config.in: $v"
done
if grep -qP '^ +(bool|depends|select|help)' "$C"; then fail "buildroot Config.in: indent with tabs"; else pass "buildroot Config.in: indented with tabs"; fi

# --- systemd ---------------------------------------------------------------------------------
U=image/systemd/keepalived.service
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify $U" systemd-analyze verify "$U"
else
	skip "systemd-analyze verify (not installed)"
fi
expect_line "$U" '^ExecReload=/bin/kill -HUP \$MAINPID$' "unit: reload is SIGHUP"
expect_line "$U" '^ExecStart=/usr/sbin/keepalived -n ' "unit: Type=notify runs keepalived -n"
expect_line "$U" '^Type=notify$' "unit: Type=notify"
expect_line "$U" '^WatchdogSec=' "unit: WatchdogSec"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$U" | tr ' ' '\n' | sort | tr '\n' ' ')
if [ "$caps" = "CAP_KILL CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_SETGID CAP_SETUID " ]; then
	pass "unit: capability bounding set is exactly NET_ADMIN NET_RAW NET_BIND_SERVICE SETUID SETGID KILL"
else
	fail "unit: capability bounding set" "$caps"
fi
expect_no_line "$U" '^(ProtectKernelTunables|PrivateNetwork|PrivateTmp)=(yes|true)' "unit: no sandboxing that breaks /proc/sys, VIPs or /tmp dumps"

# --- OpenWrt runtime files: rpcd plugin, hotplug handlers, uci-defaults ---------------------
openwrt_runtime_checks() {
	local f out
	for f in rpcd/keepalived rpcd/status.sh hotplug/01-ubus hotplug/01-user keepalived.user keepalived.uci-defaults sync/keepalived-sync.uci-defaults; do
		check "sh -n $OWRT/files/$f" sh -n "$OWRT/files/$f"
		command -v shellcheck >/dev/null && check "shellcheck $OWRT/files/$f" shellcheck -x "$OWRT/files/$f"
	done
	for f in tests/openwrt/runtime.sh tests/openwrt/jshn.sh tests/openwrt/hotplug-call tests/openwrt/ubus tests/openwrt/uci; do
		command -v shellcheck >/dev/null && check "shellcheck $f" shellcheck -x "$f"
	done
	for f in '\$\(LN\) \.\./sbin/keepalived \$\(1\)/usr/bin/genhash' '\$\(1\)/usr/libexec/rpcd/keepalived$' \
		'\$\(1\)/usr/libexec/keepalived/rpc/status\.sh$' '\$\(1\)/etc/hotplug\.d/keepalived/01-ubus$' \
		'\$\(1\)/etc/hotplug\.d/keepalived/01-user$' '\$\(1\)/etc/uci-defaults/keepalived$' '^/etc/keepalived\.user$'; do
		expect_line "$M" "$f" "OpenWrt Makefile: $f"
	done
	# keepalived-rs-sync: luci-app-keepalived (+keepalived +keepalived-sync) resolves to ours, and the
	# check fails on a Makefile whose sync package no longer provides keepalived-sync
	if command -v python3 >/dev/null; then
		check "OpenWrt packages: luci-app-keepalived's dependency closure" python3 tests/openwrt/pkgdeps.py "$M" tests/openwrt/upstream-packages.mk
		printf '%s\n' "$(python3 tests/openwrt/pkgdeps.py "$M" tests/openwrt/upstream-packages.mk 2>&1)" | sed 's/^/     /'
		sed '/PROVIDES:=keepalived-sync/d' "$M" >"$WORK/no-provides.mk"
		if python3 tests/openwrt/pkgdeps.py "$WORK/no-provides.mk" tests/openwrt/upstream-packages.mk >/dev/null 2>&1; then
			fail "OpenWrt packages: the closure check fails without PROVIDES:=keepalived-sync"
		else
			pass "OpenWrt packages: the closure check fails without PROVIDES:=keepalived-sync"
		fi
	else
		fail "OpenWrt packages: dependency closure needs python3"
	fi
	expect_line "$M" '^\$\(eval \$\(call BuildPackage,keepalived-rs-sync\)\)$' "OpenWrt Makefile: builds keepalived-rs-sync"
	# the daemon, the generated config, the hotplug handlers and ubus, in a namespace
	if out=$(KEEPALIVED_BIN="$BIN" tests/openwrt/runtime.sh 2>&1); then
		pass "tests/openwrt/runtime.sh"
	else
		fail "tests/openwrt/runtime.sh" "$out"
	fi
	printf '%s\n' "$out" | grep -E '^(ok|SKIPPED)' | sed 's/^/     /'
}
openwrt_runtime_checks
container_checks
container_oci_checks

printf '%d checks, %d failed\n' "$checks" "$fails"
[ "$fails" = 0 ]
